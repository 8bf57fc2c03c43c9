import http from 'node:http';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { MAX_WEBHOOK_BYTES } from '../src/ingest/webhookRoute.js';
import { type TestServer, startLedger } from './support/ledgerServer.js';
import { storedEventCount } from './support/storedEvents.js';
import { paymentIntentSucceeded, paymentIntentSucceededOfSize } from './support/syntheticEvents.js';
import { postWebhook, signatureFor } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const TWO_MIB = 2 * 1024 * 1024;

/** A signed 2 MiB delivery over plain http, announced by Content-Length or streamed in chunks. */
const postLarge = (url: string, framing: 'content-length' | 'chunked') =>
  new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const payload = `{"id":"evt_large","object":"event","padding":"${'x'.repeat(TWO_MIB)}"}`;
    const request = http.request(`${url}/api/webhooks/stripe`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': signatureFor(payload),
        ...(framing === 'content-length' && { 'content-length': Buffer.byteLength(payload) }),
      },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) }),
      );
    });
    // The server may answer and stop reading before the whole body is sent: that is the point.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    Readable.from(
      (function* () {
        for (let offset = 0; offset < payload.length; offset += 64 * 1024)
          yield payload.slice(offset, offset + 64 * 1024);
      })(),
    ).pipe(request);
  });

const error400 = (code: string, message: unknown = expect.any(String)) => ({
  status: 400,
  body: { error: { code, message } },
});

describe('POST /api/webhooks/stripe with bad input', () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startLedger(database.url, { role: 'web' });
  });
  afterAll(async () => {
    await server?.stop();
    await database.drop();
  });

  /** After each bad request: nothing was stored, and the server still stores a good event. */
  const expectNothingStoredAndStillServing = async (before: number) => {
    expect(await storedEventCount(database.db)).toBe(before);
    const good = paymentIntentSucceeded();
    expect((await postWebhook(server.url, good.body)).status).toBe(200);
    expect(await storedEventCount(database.db)).toBe(before + 1);
  };

  it('stores a delivery of exactly 1 MiB whole on PostgreSQL, though its stored form is over 1 MiB', async () => {
    const before = await storedEventCount(database.db);
    const event = paymentIntentSucceededOfSize(MAX_WEBHOOK_BYTES);
    expect(await postWebhook(server.url, event.body)).toMatchObject({
      status: 200,
      body: { received: true },
    });
    expect(await storedEventCount(database.db)).toBe(before + 1);
    const { rows } = await database.db.query<{ bytes: number }>(
      `SELECT octet_length(data::text) + octet_length(metadata::text) AS bytes FROM eventstore.events
        WHERE stream_id = $1`,
      [`payment-${event.paymentIntentId}`],
    );
    expect(rows[0]!.bytes).toBeGreaterThan(1_048_576);
  });

  it('answers 400 invalid_json and stores nothing when a signed body is not JSON', async () => {
    const before = await storedEventCount(database.db);
    expect(await postWebhook(server.url, '{"id": "evt_cut_short", "type": ')).toEqual(
      error400('invalid_json'),
    );
    await expectNothingStoredAndStillServing(before);
  });

  it.each([
    ['an object that is no event', '{"hello":"world"}'],
    ['an array', '[1,2,3]'],
    ['a string', '"evt_123"'],
    ['null', 'null'],
    [
      'an event without data',
      '{"id":"evt_1","type":"payment_intent.succeeded","created":1,"livemode":false}',
    ],
  ])('answers 400 not_an_event and stores nothing for %s', async (_what, body) => {
    const before = await storedEventCount(database.db);
    expect(await postWebhook(server.url, body)).toEqual(error400('not_an_event'));
    await expectNothingStoredAndStillServing(before);
  });

  it('answers 400 invalid_object naming the field when a payment intent amount is a string', async () => {
    const before = await storedEventCount(database.db);
    const event = paymentIntentSucceeded({ amount: '2500' });
    expect(await postWebhook(server.url, event.body)).toEqual(
      error400('invalid_object', expect.stringContaining('data.object.amount')),
    );
    await expectNothingStoredAndStillServing(before);
  });

  it('answers 400 invalid_payload and stores nothing when a signed event carries a NUL character', async () => {
    const before = await storedEventCount(database.db);
    const event = paymentIntentSucceeded();
    const body = event.body.replace('"description":null', '"description":"a\\u0000b"');
    expect(body).not.toBe(event.body);
    expect(await postWebhook(server.url, body)).toEqual(
      error400('invalid_payload', expect.stringContaining('NUL')),
    );
    await expectNothingStoredAndStillServing(before);
  });

  it('answers 415 and stores nothing when the body is content-encoded (Stripe signs the plain bytes)', async () => {
    const before = await storedEventCount(database.db);
    const event = paymentIntentSucceeded();
    const response = await fetch(`${server.url}/api/webhooks/stripe`, {
      method: 'POST',
      body: gzipSync(event.body),
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'stripe-signature': signatureFor(event.body),
      },
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toEqual({
      error: { code: 'unsupported_encoding', message: expect.any(String) },
    });
    await expectNothingStoredAndStillServing(before);
  });

  it.each(['content-length', 'chunked'] as const)(
    'answers 413 and stores nothing for a 2 MiB body sent with %s framing',
    async (framing) => {
      const before = await storedEventCount(database.db);
      expect(await postLarge(server.url, framing)).toEqual({
        status: 413,
        body: { error: { code: 'payload_too_large', message: expect.any(String) } },
      });
      await expectNothingStoredAndStillServing(before);
    },
  );
});
