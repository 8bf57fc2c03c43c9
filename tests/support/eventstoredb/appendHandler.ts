/** Streams.Append of the in-process server: a client stream of options then proposed messages. */
import { Metadata, status, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
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

/**
 * The server's default maximum append size: ClusterVNodeOptions.MaxAppendSize = 1_024 * 1_024, "the total
 * size of all events in the append request" (EventStore/EventStore,
 * src/EventStore.Core/Configuration/ClusterVNodeOptions.cs).
 */
export const DEFAULT_MAX_APPEND_SIZE = 1_048_576;

/**
 * An event's size as Streams.Append counts it against the limit: Event.SizeOnDisk = data bytes + metadata
 * bytes + 2 x the event type's length (src/EventStore.Core/Data/Event.cs, KurrentDB).
 */
export const sizeOnDisk = (event: ProposedEvent): number =>
  event.data.length + event.customMetadata.length + event.type.length * 2;

/**
 * RpcExceptions.MaxAppendSizeExceeded (src/EventStore.Core/Services/Transport/Grpc/RpcExceptions.cs):
 * INVALID_ARGUMENT, "Maximum Append Size of N Exceeded.", and the trailers the client turns into
 * MaxAppendSizeExceededError (`exception`, `maximum-append-size`). Nothing of the append is written.
 */
const maxAppendSizeExceeded = (maxAppendSize: number) => {
  const metadata = new Metadata();
  metadata.set('exception', 'maximum-append-size-exceeded');
  metadata.set('maximum-append-size', String(maxAppendSize));
  return {
    code: status.INVALID_ARGUMENT,
    details: `Maximum Append Size of ${maxAppendSize} Exceeded.`,
    metadata,
  };
};

export const appendHandler =
  (log: MemoryLog, maxAppendSize = DEFAULT_MAX_APPEND_SIZE) =>
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
      // The server adds each proposed event's size as it reads the request and refuses the whole append
      // as soon as the total passes the limit (Streams.Append.cs).
      const size = (proposed as ProposedEvent[]).reduce((total, event) => total + sizeOnDisk(event), 0);
      if (size > maxAppendSize) return callback(maxAppendSizeExceeded(maxAppendSize));
      const expected = expectedOf(options);
      const stream = streamNameOf(options.getStreamIdentifier());
      const outcome = log.append(stream, expected, proposed as ProposedEvent[]);
      callback(null, appendResp(outcome, expected));
    });
  };
