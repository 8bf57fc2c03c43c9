import { createHmac } from 'node:crypto';
import { type TestServer, startLedger } from './support/ledgerServer.js';
import { storedCopies, storedEventCount } from './support/storedEvents.js';
import { paymentIntentSucceeded } from './support/syntheticEvents.js';
import { postWebhook, signatureFor, TEST_SECRET } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const now = () => Math.floor(Date.now() / 1000);

/** postWebhook signs when given no header, so a delivery without the header is sent by hand. */
const postUnsigned = async (url: string, body: string) => {
  const response = await fetch(`${url}/api/webhooks/stripe`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const rejectedWith = (code: string) => ({
  status: 400,
  body: { error: { code, message: expect.any(String) } },
});

describe('POST /api/webhooks/stripe signature checks', () => {
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

  const expectRejectedAndNothingStored = async (
    header: string | undefined,
    code: string,
    payload = paymentIntentSucceeded(),
    sent = payload.body,
  ) => {
    const before = await storedEventCount(database.db);
    const response =
      header === undefined
        ? await postUnsigned(server.url, sent)
        : await postWebhook(server.url, sent, header);
    expect(response).toEqual(rejectedWith(code));
    expect(await storedCopies(database.db, payload.id)).toEqual([]);
    expect(await storedEventCount(database.db)).toBe(before);
  };

  it('answers 400 and stores nothing when the Stripe-Signature header is missing', async () => {
    await expectRejectedAndNothingStored(undefined, 'missing_signature');
  });

  it('answers 400 and stores nothing when the event was signed with another secret', async () => {
    const event = paymentIntentSucceeded();
    await expectRejectedAndNothingStored(
      signatureFor(event.body, 'whsec_someone_else'),
      'signature_mismatch',
      event,
    );
  });

  it('answers 400 and stores nothing when the signature is older than the tolerance', async () => {
    const event = paymentIntentSucceeded();
    await expectRejectedAndNothingStored(
      signatureFor(event.body, TEST_SECRET, now() - 301),
      'expired_signature',
      event,
    );
  });

  it('answers 400 and stores nothing when the body was changed after signing', async () => {
    const event = paymentIntentSucceeded();
    const header = signatureFor(event.body);
    await expectRejectedAndNothingStored(
      header,
      'signature_mismatch',
      event,
      event.body.replace('2500', '9500'),
    );
  });

  it('answers 400 and stores nothing when the header carries only a v0 signature', async () => {
    const event = paymentIntentSucceeded();
    const timestamp = now();
    const v0 = createHmac('sha256', TEST_SECRET).update(`${timestamp}.${event.body}`).digest('hex');
    await expectRejectedAndNothingStored(`t=${timestamp},v0=${v0}`, 'malformed_signature', event);
  });

  it('answers 400 and stores nothing when the header is garbage', async () => {
    await expectRejectedAndNothingStored('definitely not a signature', 'malformed_signature');
  });

  it('stores an event whose signature is valid, after all those rejections', async () => {
    const event = paymentIntentSucceeded();
    expect((await postWebhook(server.url, event.body)).status).toBe(200);
    expect(await storedCopies(database.db, event.id)).toHaveLength(1);
  });
});

// Long enough for the configuration to take them on PostgreSQL (see MIN_WEBHOOK_SECRET_KEY_LENGTH).
const ROTATED = ['whsec_rotation_old_4f1c9a2e7b', 'whsec_rotation_new_8d3e6b0a5c'];

describe('POST /api/webhooks/stripe with two configured secrets (rotation)', () => {
  let database: TestDatabase;
  let server: TestServer;
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startLedger(database.url, {
      role: 'web',
      env: { STRIPE_WEBHOOK_SECRET: ROTATED.join(',') },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await database.drop();
  });

  it.each(ROTATED)('accepts and stores an event signed with %s', async (secret) => {
    const event = paymentIntentSucceeded();
    expect(await postWebhook(server.url, event.body, signatureFor(event.body, secret))).toEqual({
      status: 200,
      body: { received: true, event_id: expect.any(String) },
    });
    expect(await storedCopies(database.db, event.id)).toHaveLength(1);
  });

  it('answers 400 and stores nothing for a secret that is not configured', async () => {
    const event = paymentIntentSucceeded();
    expect(await postWebhook(server.url, event.body, signatureFor(event.body, 'whsec_c'))).toEqual(
      rejectedWith('signature_mismatch'),
    );
    expect(await storedCopies(database.db, event.id)).toEqual([]);
  });
});
