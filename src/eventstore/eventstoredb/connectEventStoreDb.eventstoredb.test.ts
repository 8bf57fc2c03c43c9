import { createServer, type Server, type Socket } from 'node:net';
import { startInProcessServer } from '../../../tests/support/eventstoredb/inProcessServer.js';
import { connectEventStoreDb } from './connectEventStoreDb.js';

const oneLine = (error: unknown) => {
  expect(error).toBeInstanceOf(Error);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
};

describe('connectEventStoreDb', () => {
  it('returns a client once the server answers', async () => {
    const server = await startInProcessServer();
    try {
      const client = await connectEventStoreDb(server.connectionString);
      await client.dispose();
    } finally {
      await server.stop();
    }
  });

  it('rejects a string that is not an EventStoreDB connection string, in one line', async () => {
    const error = await connectEventStoreDb('postgres://localhost:5432/ledger').catch((e: unknown) => e);
    expect(oneLine(error)).toMatch(
      /^EVENTSTORE_CONNECTION_STRING is not a valid EventStoreDB connection string/,
    );
  });

  it('rejects an unreachable server in one line, without echoing the password', async () => {
    const server = await startInProcessServer();
    await server.stop();
    const error = await connectEventStoreDb(`esdb://admin:s3cret@127.0.0.1:${server.port}?tls=false`).catch(
      (e: unknown) => e,
    );
    const message = oneLine(error);
    expect(message).toMatch(/^EventStoreDB at esdb:\/\/\*\*\*@127\.0\.0\.1:\d+\?tls=false cannot be used/);
    expect(message).not.toContain('s3cret');
  });

  it('gives up on a server that accepts connections but never answers', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const error = await connectEventStoreDb(`esdb://127.0.0.1:${port}?tls=false`, { timeoutMs: 300 }).catch(
        (e: unknown) => e,
      );
      expect(oneLine(error)).toContain('no answer within 300 ms');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
