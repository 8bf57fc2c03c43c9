/**
 * A merchant's order id is whatever its shop put in a payment intent's `metadata.order_id` (Stripe allows
 * any text up to 500 characters). Ingest stores it as sent, so finance must be able to open and filter
 * every order the list shows, whatever characters its id holds.
 */
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { lifecycle, type Lifecycle } from './support/lifecycleWebhooks.js';
import { get, waitForProjections } from './support/queryApi.js';
import { postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const ORDER_IDS = [
  'Order 1001',
  "o'brien-1003",
  'ÄÖ-1002 ✓',
  'order; DROP TABLE ledger.orders; --',
  '50% off & "free" <b>shipping</b>',
  'o'.repeat(500),
  // The most bytes 500 characters can take (three each): the order id indexes still hold them.
  '€'.repeat(500),
  // 500 characters outside the Basic Multilingual Plane: 1,000 UTF-16 units, 2,000 bytes.
  '🧾'.repeat(500),
];

describe('orders whose ids hold any text', () => {
  let database: TestDatabase;
  let server: TestServer;
  const paidCard = (life: Lifecycle) => [
    life.paymentIntent('payment_intent.created', 'requires_payment_method'),
    life.charge('charge.succeeded'),
    life.paymentIntent('payment_intent.succeeded', 'succeeded'),
  ];
  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startLedger(database.url, { role: 'all' });
    const hooks = ORDER_IDS.flatMap((orderId, i) => paidCard(lifecycle(`oid${i}`, { orderId })));
    for (const hook of hooks) expect((await postWebhook(server.url, hook.body)).status).toBe(200);
    await waitForProjections(server.url);
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
  });

  it.each(ORDER_IDS.map((id, i) => [id.slice(0, 40), id, i]))(
    'opens the order %j and filters its payments by it',
    async (_, orderId, i) => {
      const order = await get(server.url, `/api/orders/${encodeURIComponent(orderId)}`);
      expect(order.status).toBe(200);
      expect(order.body).toMatchObject({ order_id: orderId, amount_paid: 2000, payment_count: 1 });
      const payments = await get(server.url, `/api/payments?order_id=${encodeURIComponent(orderId)}`);
      expect(payments.status).toBe(200);
      expect((payments.body.data as { payment_id: string }[]).map((p) => p.payment_id)).toEqual([
        `pi_oid${i}`,
      ]);
    },
  );

  it('answers 404 for an order id it does not know, and 400 for one longer than Stripe allows', async () => {
    const unknown = await get(server.url, `/api/orders/${encodeURIComponent("nobody's order")}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('not_found');
    const tooLong = await get(server.url, `/api/orders/${'o'.repeat(501)}`);
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error).toMatchObject({ code: 'invalid_parameter', parameter: 'order_id' });
    const filter = await get(server.url, `/api/payments?order_id=${'o'.repeat(501)}`);
    expect(filter.status).toBe(400);
    expect(filter.body.error).toMatchObject({ code: 'invalid_parameter', parameter: 'order_id' });
  });

  it('lists every one of them, and each listed id opens its order', async () => {
    const list = await get(server.url, '/api/orders?limit=1000');
    const listed = (list.body.data as { order_id: string }[]).map((o) => o.order_id);
    expect([...listed].sort()).toEqual([...ORDER_IDS].sort());
    for (const id of listed) {
      expect((await get(server.url, `/api/orders/${encodeURIComponent(id)}`)).status).toBe(200);
    }
  });
});
