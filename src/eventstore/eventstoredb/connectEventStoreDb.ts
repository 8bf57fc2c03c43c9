/** Builds the EventStoreDB client from EVENTSTORE_CONNECTION_STRING and checks, once, that the server answers. */
import { BACKWARDS, END, EventStoreDBClient } from '@eventstore/db-client';
import { errorMessage } from '../../shared/errorMessage.js';

const oneLine = (error: unknown) => errorMessage(error).replace(/\s+/g, ' ').trim();

/** Connection strings may carry a password (`esdb://user:password@host`): never echo it, even in part. */
const redact = (text: string, connectionString: string) => {
  const userInfo = /^[^:]*:\/\/([^@/]*)@/.exec(connectionString)?.[1];
  return userInfo ? text.replaceAll(userInfo, '***') : text;
};

// Reading the last event of $all proves both that the server answers and that this user may read $all,
// which projections need; a server that never answers is cut off rather than waited for.
const probe = async (client: EventStoreDBClient, timeoutMs: number) => {
  const read = client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const drain = (async () => {
    for await (const _event of read);
  })();
  // Once the timeout has won, a late failure of the read has no one left to report to.
  drain.catch(() => undefined);
  try {
    await Promise.race([drain, timeout]);
  } finally {
    clearTimeout(timer);
    await read.cancel().catch(() => undefined);
  }
};

export const connectEventStoreDb = async (
  connectionString: string,
  { timeoutMs = 5_000 }: { timeoutMs?: number } = {},
): Promise<EventStoreDBClient> => {
  let client: EventStoreDBClient;
  try {
    client = EventStoreDBClient.connectionString(connectionString);
  } catch (error) {
    throw new Error(
      `EVENTSTORE_CONNECTION_STRING is not a valid EventStoreDB connection string ` +
        `(${redact(oneLine(error), connectionString)}): use e.g. esdb://localhost:2113?tls=false`,
      { cause: error },
    );
  }
  try {
    await probe(client, timeoutMs);
  } catch (error) {
    await client.dispose().catch(() => undefined);
    throw new Error(
      `EventStoreDB at ${redact(connectionString, connectionString)} cannot be used ` +
        `(${redact(oneLine(error), connectionString)}): check ` +
        'EVENTSTORE_CONNECTION_STRING, that the server is running, and that its user may read $all',
      { cause: error },
    );
  }
  return client;
};
