import net from 'node:net';
import { type TestServer, startLedger } from './support/ledgerServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { postWebhook } from './support/stripeEvents.js';
import { paymentIntentSucceeded } from './support/syntheticEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

type Stalled = { socket: net.Socket; closed: () => boolean; received: () => string };

/** A client on 127.0.0.1 that sends `text` and then nothing: what it gets back, and whether it was closed. */
const stallAfter = (url: string, text: string): Promise<Stalled> =>
  new Promise((resolve, reject) => {
    const { port } = new URL(url);
    const socket = net.connect(Number(port), '127.0.0.1');
    let closed = false;
    let received = '';
    socket.on('data', (chunk) => (received += chunk.toString()));
    socket.on('close', () => (closed = true));
    socket.on('error', () => undefined);
    socket.once('connect', () => {
      socket.write(text);
      resolve({ socket, closed: () => closed, received: () => received });
    });
    socket.once('error', reject);
  });

const headersOf = (length: number) =>
  `POST /api/webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
  `Stripe-Signature: t=1,v1=00\r\nContent-Length: ${length}\r\n\r\n`;

describeWithPostgres('it serves webhooks on PostgreSQL')(
  'the webhook endpoint under slow and hostile clients',
  () => {
    let database: TestDatabase;
    let server: TestServer;
    const clients: Stalled[] = [];
    beforeAll(async () => {
      database = await createTestDatabase();
      server = await startLedger(database.url, { role: 'web' });
    });
    afterEach(() => {
      for (const client of clients.splice(0)) client.socket.destroy();
    });
    afterAll(async () => {
      await server?.stop();
      await database.drop();
    });

    it('cuts off a client that stalls mid-body within 30 s (408), and keeps serving', async () => {
      const client = await stallAfter(server.url, `${headersOf(2000)}{"id":"evt_`);
      clients.push(client);
      await waitFor(client.closed, {
        what: 'the stalled body to be cut off',
        timeoutMs: 32_000,
        intervalMs: 100,
      });
      expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
      expect((await postWebhook(server.url, paymentIntentSucceeded().body)).status).toBe(200);
    });

    it('cuts off a client that trickles its headers and never finishes them', async () => {
      const client = await stallAfter(
        server.url,
        'POST /api/webhooks/stripe HTTP/1.1\r\nHost: 127.0.0.1\r\n',
      );
      clients.push(client);
      const trickle = setInterval(() => client.closed() || client.socket.write('X-Slow: 1\r\n'), 1000);
      try {
        await waitFor(client.closed, {
          what: 'the trickling headers to be cut off',
          timeoutMs: 15_000,
          intervalMs: 100,
        });
      } finally {
        clearInterval(trickle);
      }
    });

    it('answers 503 at once to new large bodies once stalled ones fill the budget, and still takes small deliveries', async () => {
      // 49 clients announce 1 MiB bodies and stall after one byte: 49 MiB reserved, past the 48 MiB for large bodies.
      for (let i = 0; i < 49; i += 1)
        clients.push(await stallAfter(server.url, `${headersOf(1024 * 1024)}{`));
      const refused = await stallAfter(server.url, `${headersOf(1024 * 1024)}{`);
      clients.push(refused);
      await waitFor(() => refused.received().length > 0, {
        what: 'an answer to the large body past the budget',
      });
      expect(refused.received()).toMatch(/^HTTP\/1\.1 503/);
      expect(refused.received()).toContain('"code":"overloaded"');
      // Stripe's deliveries are a few KiB: room is kept for them.
      expect((await postWebhook(server.url, paymentIntentSucceeded().body)).status).toBe(200);
    });
  },
);
