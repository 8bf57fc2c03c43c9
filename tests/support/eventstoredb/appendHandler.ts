/** Streams.Append of the in-process server: a client stream of options then proposed messages. */
import { status, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
import type { AppendReq, AppendResp } from '@eventstore/db-client/generated/streams_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type { ExpectedRevision, MemoryLog, ProposedEvent } from './memoryLog.js';
import { appendResp, streamNameOf } from './messages.js';

const { ExpectedStreamRevisionCase } = streamsPb.AppendReq.Options;

const expectedOf = (options: AppendReq.Options): ExpectedRevision => {
  switch (options.getExpectedStreamRevisionCase()) {
    case ExpectedStreamRevisionCase.REVISION:
      return { kind: 'revision', revision: Number(options.getRevision()) };
    case ExpectedStreamRevisionCase.NO_STREAM:
      return { kind: 'no_stream' };
    case ExpectedStreamRevisionCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
};

const proposedOf = (message: AppendReq.ProposedMessage): ProposedEvent | string => {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const id = message.getId()?.getString();
  if (!type) return 'Required metadata property type is missing';
  if (!id) return 'a proposed message needs an id (as a string: structured UUIDs are not supported here)';
  return {
    id,
    type,
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
};

export const appendHandler =
  (log: MemoryLog) =>
  (call: ServerReadableStream<AppendReq, AppendResp>, callback: sendUnaryData<AppendResp>) => {
    const messages: AppendReq[] = [];
    call.on('data', (message: AppendReq) => messages.push(message));
    call.on('end', () => {
      const [header, ...rest] = messages;
      const options = header?.getOptions();
      if (!options) {
        return callback({ code: status.INVALID_ARGUMENT, details: 'an append starts with its options' });
      }
      const proposed = rest.map((message) => proposedOf(message.getProposedMessage()!));
      const invalid = proposed.find((event): event is string => typeof event === 'string');
      if (invalid) return callback({ code: status.INVALID_ARGUMENT, details: invalid });
      const expected = expectedOf(options);
      const stream = streamNameOf(options.getStreamIdentifier());
      const outcome = log.append(stream, expected, proposed as ProposedEvent[]);
      callback(null, appendResp(outcome, expected));
    });
  };
