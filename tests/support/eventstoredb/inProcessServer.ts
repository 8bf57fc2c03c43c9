/**
 * An in-process gRPC server speaking the part of the EventStoreDB protocol the adapter uses, so the
 * adapter runs against the real @eventstore/db-client without a server binary or Docker. What it keeps
 * of the real server: see memoryLog.ts, readHandler.ts and appendHandler.ts. In memory only; the log
 * survives restart() so a client can see the server go away and come back on the same port.
 */
import { randomUUID } from 'node:crypto';
import { Server, ServerCredentials, type sendUnaryData, status } from '@grpc/grpc-js';
import serverFeaturesGrpc from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
import serverFeaturesPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import streamsGrpc from '@eventstore/db-client/generated/streams_grpc_pb.js';
import { appendHandler, DEFAULT_MAX_APPEND_SIZE } from './appendHandler.js';
import { createMemoryLog, type MemoryLog } from './memoryLog.js';
import { readHandler, type ReadCall, type ReadCounter } from './readHandler.js';

export type InProcessServer = {
  /** `esdb://127.0.0.1:<port>?tls=false`: single node, insecure, so the client skips gossip. */
  connectionString: string;
  port: number;
  stop: () => Promise<void>;
  /** Stops, then listens again on the same port with the same log. */
  restart: () => Promise<void>;
  /** Ends every live subscription with an error, as a server does when it drops a subscriber. */
  dropSubscriptions: () => void;
  /** Events sent by reads of streams and $all so far (subscriptions not counted). */
  recordsRead: () => number;
};

const { SupportedMethods, SupportedMethod } = serverFeaturesPb;

// Listing Read and Append (and not BatchAppend) makes the client append with Streams.Append.
const supportedMethods = (_call: unknown, callback: sendUnaryData<InstanceType<typeof SupportedMethods>>) =>
  callback(
    null,
    new SupportedMethods()
      .setEventStoreServerVersion('23.10.0-in-process')
      .setMethodsList(
        ['Read', 'Append'].map((name) =>
          new SupportedMethod().setServiceName('event_store.client.streams.Streams').setMethodName(name),
        ),
      ),
  );

const listen = (
  log: MemoryLog,
  live: Set<ReadCall>,
  counter: ReadCounter,
  port: number,
  maxAppendSize: number,
) =>
  new Promise<{ server: Server; port: number }>((resolve, reject) => {
    const server = new Server();
    server.addService(streamsGrpc.StreamsService, {
      read: readHandler(log, live, counter),
      append: appendHandler(log, maxAppendSize),
    });
    server.addService(serverFeaturesGrpc.ServerFeaturesService, { getSupportedMethods: supportedMethods });
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, boundPort) =>
      error ? reject(error) : resolve({ server, port: boundPort }),
    );
  });

const seedSystemRecord = (log: MemoryLog) =>
  log.append('$settings', { kind: 'any' }, [
    {
      id: randomUUID(),
      type: '$settings',
      contentType: 'application/json',
      data: Buffer.from('{}'),
      customMetadata: new Uint8Array(),
    },
  ]);

/** Starts on an ephemeral port. A fresh real server's log starts with system records, so does this one. */
export const startInProcessServer = async ({
  maxAppendSize = DEFAULT_MAX_APPEND_SIZE,
}: { maxAppendSize?: number } = {}): Promise<InProcessServer> => {
  const log = createMemoryLog();
  seedSystemRecord(log);
  const live = new Set<ReadCall>();
  const counter: ReadCounter = { records: 0 };
  let { server, port } = await listen(log, live, counter, 0, maxAppendSize);
  const stop = async () => {
    live.clear();
    server.forceShutdown();
  };
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    port,
    stop,
    restart: async () => {
      await stop();
      ({ server, port } = await listen(log, live, counter, port, maxAppendSize));
    },
    recordsRead: () => counter.records,
    dropSubscriptions: () => {
      for (const call of [...live]) {
        call.emit('error', { code: status.UNAVAILABLE, details: 'subscription dropped by the server' });
      }
    },
  };
};
