/**
 * Streams.Read of the in-process server: stream and $all reads in both directions, and subscriptions
 * (to a stream or to $all, filtered or not) that send the confirmation, catch up, send caught-up (as
 * servers from 23.10 do) and then go live.
 */
import { randomUUID } from 'node:crypto';
import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type { LogRecord, MemoryLog } from './memoryLog.js';
import {
  caughtUpResp,
  confirmationResp,
  eventResp,
  filterOf,
  streamNameOf,
  streamNotFoundResp,
} from './messages.js';

export type ReadCall = ServerWritableStream<ReadReq, ReadResp>;

/** Records sent by reads (not subscriptions): what a reader's work costs the server. */
export type ReadCounter = { records: number };

const { ReadDirection } = streamsPb.ReadReq.Options;
const { RevisionOptionCase } = streamsPb.ReadReq.Options.StreamOptions;
const { AllOptionCase } = streamsPb.ReadReq.Options.AllOptions;

const writeAll = (call: ReadCall, records: readonly LogRecord[], counter: ReadCounter) => {
  counter.records += records.length;
  for (const record of records) call.write(eventResp(record));
  call.end();
};

/** One read: the call to answer, what it asks for, and the counter of what reads sent. */
type Read = { call: ReadCall; log: MemoryLog; options: ReadReq.Options; count: number; counter: ReadCounter };

const readStream = ({ call, log, options, count, counter }: Read) => {
  const streamOptions = options.getStream()!;
  const stream = streamNameOf(streamOptions.getStreamIdentifier());
  const records = log.stream(stream);
  if (!records) {
    call.write(streamNotFoundResp(stream));
    return call.end();
  }
  const backwards = options.getReadDirection() === ReadDirection.BACKWARDS;
  const revisionCase = streamOptions.getRevisionOptionCase();
  const from =
    revisionCase === RevisionOptionCase.REVISION
      ? Number(streamOptions.getRevision())
      : revisionCase === RevisionOptionCase.END
        ? records.length - (backwards ? 1 : 0)
        : 0;
  const selected = backwards
    ? records.filter((record) => record.revision <= from).reverse()
    : records.filter((record) => record.revision >= from);
  writeAll(call, selected.slice(0, count), counter);
};

// $all: forwards from a position includes the event at it; backwards from a position stops before it.
const readAll = ({ call, log, options, count, counter }: Read) => {
  const allOptions = options.getAll()!;
  const backwards = options.getReadDirection() === ReadDirection.BACKWARDS;
  const from =
    allOptions.getAllOptionCase() === AllOptionCase.POSITION
      ? Number(allOptions.getPosition()!.getCommitPosition())
      : allOptions.getAllOptionCase() === AllOptionCase.END
        ? Infinity
        : -Infinity;
  const matches = filterOf(options);
  const selected = backwards
    ? log
        .all()
        .filter((record) => record.position < from && matches(record))
        .reverse()
    : log.all().filter((record) => record.position >= from && matches(record));
  writeAll(call, selected.slice(0, count), counter);
};

/** Where a subscription starts (exclusive) and which records it wants. */
const subscriptionScope = (log: MemoryLog, options: ReadReq.Options) => {
  const matches = filterOf(options);
  if (options.hasStream()) {
    const streamOptions = options.getStream()!;
    const stream = streamNameOf(streamOptions.getStreamIdentifier());
    const afterRevision =
      streamOptions.getRevisionOptionCase() === RevisionOptionCase.REVISION
        ? Number(streamOptions.getRevision())
        : -1;
    const fromEnd = streamOptions.getRevisionOptionCase() === RevisionOptionCase.END;
    return {
      after: fromEnd ? log.head() : -1,
      wants: (record: LogRecord) => record.stream === stream && record.revision > afterRevision,
    };
  }
  const allOptions = options.getAll()!;
  const after =
    allOptions.getAllOptionCase() === AllOptionCase.POSITION
      ? Number(allOptions.getPosition()!.getCommitPosition())
      : allOptions.getAllOptionCase() === AllOptionCase.END
        ? log.head()
        : -1;
  return { after, wants: matches };
};

// Catch-up and the switch to live happen in one synchronous turn, so no append can fall between them.
const subscribe = (call: ReadCall, log: MemoryLog, options: ReadReq.Options, live: Set<ReadCall>) => {
  const { after, wants } = subscriptionScope(log, options);
  call.write(confirmationResp(randomUUID()));
  for (const record of log.all()) if (record.position > after && wants(record)) call.write(eventResp(record));
  call.write(caughtUpResp());
  const stopListening = log.onRecord((record) => {
    if (wants(record)) call.write(eventResp(record));
  });
  live.add(call);
  const forget = () => {
    stopListening();
    live.delete(call);
  };
  call.on('cancelled', forget);
  call.on('close', forget);
};

export const readHandler =
  (log: MemoryLog, live: Set<ReadCall>, counter: ReadCounter) => (call: ReadCall) => {
    const options = call.request.getOptions();
    if (!options)
      return call.emit('error', { code: status.INVALID_ARGUMENT, details: 'ReadReq without options' });
    if (options.hasSubscription()) return subscribe(call, log, options, live);
    const count = Number(options.getCount());
    const read = { call, log, options, count, counter };
    return options.hasStream() ? readStream(read) : readAll(read);
  };
