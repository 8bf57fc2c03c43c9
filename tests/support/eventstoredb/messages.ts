/** Protobuf messages of the EventStoreDB Streams service, built from the client package's generated code. */
import type { ReadReq } from '@eventstore/db-client/generated/streams_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import type { AppendOutcome, ExpectedRevision, LogRecord } from './memoryLog.js';

const { ReadResp, AppendResp } = streamsPb;
const { Empty, UUID, StreamIdentifier } = sharedPb;

// .NET ticks (100 ns) since the Unix epoch: how the server encodes `created`.
const TICKS_PER_MS = 10_000n;

export const streamNameOf = (identifier: { getStreamName_asU8(): Uint8Array } | undefined): string =>
  Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');

export const eventResp = (record: LogRecord) => {
  const recorded = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(record.id))
    .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(record.stream, 'utf8')))
    .setStreamRevision(String(record.revision))
    .setCommitPosition(String(record.position))
    .setPreparePosition(String(record.position))
    .setData(record.data)
    .setCustomMetadata(record.customMetadata);
  const metadata = recorded.getMetadataMap();
  metadata.set('type', record.type);
  metadata.set('content-type', record.contentType);
  metadata.set('created', String(BigInt(record.createdMs) * TICKS_PER_MS));
  const readEvent = new ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(String(record.position));
  return new ReadResp().setEvent(readEvent);
};

export const confirmationResp = (subscriptionId: string) =>
  new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(subscriptionId));

export const caughtUpResp = () => new ReadResp().setCaughtUp(new ReadResp.CaughtUp());

export const streamNotFoundResp = (stream: string) =>
  new ReadResp().setStreamNotFound(
    new ReadResp.StreamNotFound().setStreamIdentifier(
      new StreamIdentifier().setStreamName(Buffer.from(stream, 'utf8')),
    ),
  );

/** The stream-name or event-type filter of a read, by prefixes or regex, as the server applies it. */
export const filterOf = (options: ReadReq.Options): ((record: LogRecord) => boolean) => {
  const filter = options.getFilter();
  if (!options.hasFilter() || !filter) return () => true;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  const field = (record: LogRecord) => (onStream ? record.stream : record.type);
  const regex = expression?.getRegex();
  if (regex) {
    const pattern = new RegExp(regex);
    return (record) => pattern.test(field(record));
  }
  const prefixes = expression?.getPrefixList() ?? [];
  return (record) => prefixes.some((prefix) => field(record).startsWith(prefix));
};

const expectedFields = (
  expected: ExpectedRevision,
  wrong: InstanceType<typeof AppendResp.WrongExpectedVersion>,
) => {
  switch (expected.kind) {
    case 'any':
      return wrong.setExpectedAny(new Empty());
    case 'no_stream':
      return wrong.setExpectedNoStream(new Empty());
    case 'stream_exists':
      return wrong.setExpectedStreamExists(new Empty());
    case 'revision':
      return wrong.setExpectedRevision(String(expected.revision));
    default: {
      const unhandled: never = expected;
      throw new Error(`unhandled ${JSON.stringify(unhandled)}`);
    }
  }
};

/** Newer servers answer a wrong expected version inside AppendResp rather than as a gRPC error. */
export const appendResp = (outcome: AppendOutcome, expected: ExpectedRevision) => {
  if (outcome.kind === 'wrong_expected_version') {
    const wrong = new AppendResp.WrongExpectedVersion();
    if (outcome.current === null) wrong.setCurrentNoStream(new Empty());
    else wrong.setCurrentRevision(String(outcome.current));
    return new AppendResp().setWrongExpectedVersion(expectedFields(expected, wrong));
  }
  const success = new AppendResp.Success();
  if (outcome.revision === null) success.setNoStream(new Empty());
  else success.setCurrentRevision(String(outcome.revision));
  if (outcome.position === null) success.setNoPosition(new Empty());
  else {
    const position = String(outcome.position);
    success.setPosition(new AppendResp.Position().setCommitPosition(position).setPreparePosition(position));
  }
  return new AppendResp().setSuccess(success);
};
