import type { Server } from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { type TestServer, startLedger } from './support/ledgerServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { storedCopies } from './support/storedEvents.js';
import { signatureFor } from './support/stripeEvents.js';
import { paymentIntentSucceeded } from './support/syntheticEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

const MiB = 1024 * 1024;
const SCRAPE = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';

type Flood = {
  client: net.Socket;
  /** The server's end of the connection. */
  server: net.Socket;
  bytes: number;
};

/** One connection that writes `count` copies of `request` at once and never reads an answer. */
const pipelineWithoutReading = async (server: Server, request: string, count: number): Promise<Flood> => {
  const accepted: net.Socket[] = [];
  const accept = (socket: net.Socket) => accepted.push(socket);
  server.on('connection', accept);
  try {
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect(port, '127.0.0.1');
    client.on('error', () => undefined);
    await new Promise((resolve) => client.once('connect', resolve));
    client.pause();
    const text = request.repeat(count);
    client.write(text);
    let serverEnd: net.Socket | undefined;
    await waitFor(
      () => (serverEnd = accepted.find((socket) => socket.remotePort === client.localPort)) !== undefined,
      { what: 'the server to accept the pipelining connection' },
    );
    return { client, server: serverEnd!, bytes: Buffer.byteLength(text) };
  } finally {
    server.off('connection', accept);
  }
};

/** An open transaction holding `table` locked: every read of it waits until `release`. */
const lockTable = async (url: string, table: string) => {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    release: async () => {
      await client.query('COMMIT');
      await client.end();
    },
  };
};

/** The highest RSS of this process (the server runs in it) while `work` runs. */
const peakRssDuring = async <T>(work: () => Promise<T>): Promise<{ result: T; peakRss: number }> => {
  let peakRss = process.memoryUsage().rss;
  const sample = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 10);
  try {
    const result = await work();
    return { result, peakRss: Math.max(peakRss, process.memoryUsage().rss) };
  } finally {
    clearInterval(sample);
  }
};

/** The answer's status, or what came instead within `timeoutMs`. */
const statusWithin = async (
  url: string,
  init: RequestInit = {},
  timeoutMs = 5_000,
): Promise<number | string> => {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await response.text();
    return response.status;
  } catch (error) {
    return `no answer within ${timeoutMs} ms (${String(error)})`;
  }
};

const deliver = (url: string, body: string) =>
  statusWithin(`${url}/api/webhooks/stripe`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'stripe-signature': signatureFor(body) },
  });

describeWithPostgres('it serves webhooks on PostgreSQL')(
  'the server under a client that pipelines requests and never reads the answers',
  () => {
    let database: TestDatabase;
    let server: TestServer;
    const floods: Flood[] = [];
    beforeAll(async () => {
      database = await createTestDatabase();
      server = await startLedger(database.url, { role: 'web' });
    });
    afterAll(async () => {
      for (const flood of floods) flood.client.destroy();
      await server?.stop();
      await database.drop();
    });

    it('closes a connection pipelining 30,000 scrapes while a metrics read waits on the database, and meanwhile answers health and a signed webhook within 5 s with under 256 MiB more memory', async () => {
      // Warm: the first health check and the first append open their database connections.
      expect(await statusWithin(`${server.url}/api/webhooks/health`)).toBe(200);
      expect(await deliver(server.url, paymentIntentSucceeded().body)).toBe(200);
      const rssBefore = process.memoryUsage().rss;

      const { result, peakRss } = await peakRssDuring(async () => {
        // A scrape reads the last balance check: held up, no scrape can answer, so nothing slows the
        // reading of the connection but the server's own cap.
        const lock = await lockTable(database.url, 'ledger.balance_checks');
        try {
          const flood = await pipelineWithoutReading(server.server!, SCRAPE, 30_000);
          floods.push(flood);
          await waitFor(() => flood.server.destroyed || flood.server.bytesRead >= flood.bytes, {
            what: 'the server to close the connection or take in every request',
          });
        } finally {
          await lock.release();
        }
        const event = paymentIntentSucceeded();
        const [health, webhook] = await Promise.all([
          statusWithin(`${server.url}/api/webhooks/health`),
          deliver(server.url, event.body),
        ]);
        return { health, webhook, event, closed: floods[0]!.server.destroyed };
      });

      expect(result.health).toBe(200);
      expect(result.webhook).toBe(200);
      expect(await storedCopies(database.db, result.event.id)).toHaveLength(1);
      expect(peakRss - rssBefore).toBeLessThan(256 * MiB);
      expect(result.closed).toBe(true);
    }, 20_000);
  },
);
