import { type TestServer, startLedger } from './support/ledgerServer.js';
import { storedCopies, storedEventCount } from './support/storedEvents.js';
import { type Fixture, loadFixtures, postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

type Json = Record<string, unknown>;

const idOf = (value: unknown): string | null => {
  const id = typeof value === 'object' && value !== null ? (value as Json).id : value;
  return typeof id === 'string' && id !== '' ? id : null;
};

/**
 * SPEC section 2, worked out here from the payloads alone and the order they were sent in, without the
 * ledger's code: payment-<payment intent>; a charge without one is its own payment; a refund or dispute
 * without one joins the payment its charge was seen with earlier, else payment-<charge id>.
 */
const streamRouter = () => {
  const paymentOfCharge = new Map<string, string>();
  const link = (charge: string | null, paymentIntent: string | null) => {
    if (charge !== null && paymentIntent !== null && !paymentOfCharge.has(charge))
      paymentOfCharge.set(charge, paymentIntent);
  };
  return (fixture: Fixture): string => {
    const object = (fixture.json.data as { object: Json }).object;
    switch (object.object) {
      case 'payment_intent': {
        const charges = ((object.charges as { data?: Json[] } | null | undefined)?.data ?? []).map(idOf);
        for (const charge of [...charges, idOf(object.latest_charge)]) link(charge, idOf(object.id));
        return `payment-${idOf(object.id)}`;
      }
      case 'charge': {
        const paymentIntent = idOf(object.payment_intent);
        link(idOf(object.id), paymentIntent);
        return `payment-${paymentIntent ?? idOf(object.id)}`;
      }
      case 'refund':
      case 'dispute': {
        const charge = idOf(object.charge);
        const viaCharge =
          typeof object.charge === 'object' && object.charge !== null
            ? idOf((object.charge as Json).payment_intent)
            : null;
        const paymentIntent = idOf(object.payment_intent) ?? viaCharge;
        link(charge, paymentIntent);
        const payment = paymentIntent ?? (charge === null ? null : (paymentOfCharge.get(charge) ?? charge));
        return payment === null ? `stripe-${String(fixture.json.id)}` : `payment-${payment}`;
      }
      default:
        throw new Error(`${fixture.file}: unexpected object ${String(object.object)}`);
    }
  };
};

const fixtures = loadFixtures();
const expectedStream = streamRouter();
// Computed up front, in the order the fixtures are sent (jest runs a file's tests in order).
const cases = fixtures.map((fixture) => ({ ...fixture, stream: expectedStream(fixture) }));

describe('POST /api/webhooks/stripe with every fixture of the shared corpus', () => {
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

  it('has all 91 fixtures, each with its own Stripe event id', () => {
    expect(fixtures).toHaveLength(91);
    expect(new Set(fixtures.map((fixture) => fixture.json.id)).size).toBe(91);
  });

  it('routes some refunds and disputes to the payment their charge was seen with, and some to the charge', () => {
    const routedToCharge = cases.filter(
      (c) => /^(refund|charge\.(dispute|refund))\./.test(c.type) && c.stream.startsWith('payment-ch_'),
    );
    const routedViaLink = cases.filter(
      (c) =>
        /^(refund|charge\.(dispute|refund))\./.test(c.type) &&
        c.stream.startsWith('payment-pi_') &&
        idOf(((c.json.data as { object: Json }).object as Json).payment_intent) === null,
    );
    expect(routedToCharge.length).toBeGreaterThan(0);
    expect(routedViaLink.length).toBeGreaterThan(0);
  });

  it.each(cases)('stores $file once on $stream and answers 200', async ({ body, json, stream }) => {
    const response = await postWebhook(server.url, body);
    expect(response).toEqual({ status: 200, body: { received: true, event_id: expect.any(String) } });
    const copies = await storedCopies(database.db, String(json.id));
    expect(copies).toEqual([
      { stream_id: stream, event_id: response.body.event_id, event_type: expect.any(String) },
    ]);
  });

  it.each(cases)(
    'answers 200 duplicate to a redelivery of $file and still holds one copy',
    async ({ body, json, stream }) => {
      const response = await postWebhook(server.url, body);
      expect(response).toEqual({ status: 200, body: { received: true, duplicate: true } });
      const copies = await storedCopies(database.db, String(json.id));
      expect(copies.map((copy) => copy.stream_id)).toEqual([stream]);
    },
  );

  it('holds exactly one event per fixture after every fixture was delivered twice', async () => {
    expect(await storedEventCount(database.db)).toBe(91);
  });
});
