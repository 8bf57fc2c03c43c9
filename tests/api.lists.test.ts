import { disputeRow, orderRow, paymentRow, refundRow } from '../src/api/rows.js';
import { allPages, get, waitForProjections, type Row } from './support/queryApi.js';
import { declinedThenPaid } from './support/lifecycleWebhooks.js';
import { postWebhook } from './support/stripeEvents.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';

let ledger: SeededLedger;
beforeAll(async () => {
  ledger = await seededLedger({ seed: 11, payments: 120 });
});
afterAll(async () => {
  await ledger?.close();
});

const sql = async (text: string, params: unknown[] = []): Promise<Row[]> =>
  (await ledger.database.db.query(text, params)).rows;
const ids = (rows: unknown, key: string) => (rows as Row[]).map((row) => row[key]);

/** Each list filter against the same selection written directly in SQL, order included. */
const cases: [path: string, key: string, table: string, where: string, order: string][] = [
  ['/api/payments', 'payment_id', 'payments', 'true', 'created_at DESC, payment_id DESC'],
  [
    '/api/payments?payment_status=paid',
    'payment_id',
    'payments',
    `payment_status = 'paid'`,
    'created_at DESC, payment_id DESC',
  ],
  [
    '/api/payments?status=requires_capture',
    'payment_id',
    'payments',
    `status = 'requires_capture'`,
    'created_at DESC, payment_id DESC',
  ],
  [
    '/api/payments?currency=EUR&livemode=true',
    'payment_id',
    'payments',
    `currency = 'eur' AND livemode`,
    'created_at DESC, payment_id DESC',
  ],
  [
    '/api/payments?livemode=false&payment_status=partially_refunded',
    'payment_id',
    'payments',
    `NOT livemode AND payment_status = 'partially_refunded'`,
    'created_at DESC, payment_id DESC',
  ],
  [
    '/api/payments?customer_id=cus_s11c3',
    'payment_id',
    'payments',
    `customer_id = 'cus_s11c3'`,
    'created_at DESC, payment_id DESC',
  ],
  [
    '/api/payments?created_from=2024-03-05&created_to=2024-03-06',
    'payment_id',
    'payments',
    `created_at >= '2024-03-05T00:00:00Z' AND created_at < '2024-03-07T00:00:00Z'`,
    'created_at DESC, payment_id DESC',
  ],
  [
    '/api/payments?created_from=2024-03-05T12:00:00Z&created_to=2024-03-06T06:30:00%2B02:00',
    'payment_id',
    'payments',
    `created_at >= '2024-03-05T12:00:00Z' AND created_at <= '2024-03-06T04:30:00Z'`,
    'created_at DESC, payment_id DESC',
  ],
  ['/api/orders', 'order_id', 'orders', 'true', 'order_id'],
  [
    '/api/orders?payment_status=refunded&livemode=false',
    'order_id',
    'orders',
    `payment_status = 'refunded' AND NOT livemode`,
    'order_id',
  ],
  [
    '/api/orders?currency=gbp&updated_from=2024-03-06',
    'order_id',
    'orders',
    `currency = 'gbp' AND updated_at >= '2024-03-06'`,
    'order_id',
  ],
  ['/api/refunds', 'refund_id', 'refunds', 'true', 'created_at DESC, refund_id DESC'],
  [
    '/api/refunds?status=pending&currency=usd',
    'refund_id',
    'refunds',
    `status = 'pending' AND currency = 'usd'`,
    'created_at DESC, refund_id DESC',
  ],
  [
    '/api/refunds?created_to=2024-03-07',
    'refund_id',
    'refunds',
    `created_at < '2024-03-08T00:00:00Z'`,
    'created_at DESC, refund_id DESC',
  ],
  ['/api/disputes', 'dispute_id', 'disputes', 'true', 'opened_at DESC, dispute_id DESC'],
  [
    '/api/disputes?status=needs_response&evidence_due_before=2024-03-15',
    'dispute_id',
    'disputes',
    `status = 'needs_response' AND evidence_due_by < '2024-03-16T00:00:00Z'`,
    'opened_at DESC, dispute_id DESC',
  ],
  [
    '/api/disputes?evidence_due_after=2024-03-14&evidence_due_before=2024-03-16T12:00:00Z',
    'dispute_id',
    'disputes',
    `evidence_due_by >= '2024-03-14T00:00:00Z' AND evidence_due_by <= '2024-03-16T12:00:00Z'`,
    'opened_at DESC, dispute_id DESC',
  ],
  [
    '/api/disputes?status=lost&currency=usd',
    'dispute_id',
    'disputes',
    `status = 'lost' AND currency = 'usd'`,
    'opened_at DESC, dispute_id DESC',
  ],
];

describe('GET list endpoints', () => {
  it.each(cases)(
    '%s answers the rows SQL selects, in keyset order',
    async (path, key, table, where, order) => {
      const expected = await sql(`SELECT ${key} FROM ledger.${table} WHERE ${where} ORDER BY ${order}`);
      const { rows } = await allPages(ledger.url, `${path}${path.includes('?') ? '&' : '?'}limit=1000`);
      expect(ids(rows, key)).toEqual(ids(expected, key));
    },
  );

  it('finds something for every filter case, so none passes vacuously', async () => {
    for (const [path, key, table, where] of cases) {
      const [{ count }] = (await sql(
        `SELECT count(*)::int AS count FROM ledger.${table} WHERE ${where}`,
      )) as [{ count: number }];
      expect([path, count > 0]).toEqual([path, true]);
      expect(key).toBeTruthy();
    }
  });

  it('answers the read-model columns: integer amounts, ISO-8601 times, nothing more', async () => {
    const [payments, orders, refunds, disputes] = await Promise.all(
      ['/api/payments', '/api/orders', '/api/refunds', '/api/disputes'].map((path) => get(ledger.url, path)),
    );
    for (const row of payments!.body.data) paymentRow.strict().parse(row);
    for (const row of orders!.body.data) orderRow.strict().parse(row);
    for (const row of refunds!.body.data) refundRow.strict().parse(row);
    for (const row of disputes!.body.data) disputeRow.strict().parse(row);
    const first = payments!.body.data[0]!;
    const [stored] = await sql('SELECT * FROM ledger.payments WHERE payment_id = $1', [first.payment_id]);
    expect(first).toEqual({
      ...stored,
      created_at: expect.any(String),
      paid_at: stored!.paid_at === null ? null : expect.any(String),
      updated_at: expect.any(String),
    });
    // ISO-8601 in UTC, the same instant as stored.
    expect(first.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(new Date(String(first.created_at))).toEqual(stored!.created_at);
    expect(new Date(String(first.updated_at))).toEqual(stored!.updated_at);
  });

  it('filters payments by order_id', async () => {
    // An order may hold several payments: every one of them, and no other.
    const [order] = await sql(`SELECT order_id FROM ledger.payments WHERE order_id IS NOT NULL LIMIT 1`);
    const payments = await sql(`SELECT payment_id FROM ledger.payments WHERE order_id = $1`, [
      order!.order_id,
    ]);
    const answer = await get(ledger.url, `/api/payments?order_id=${order!.order_id}`);
    expect(answer.body.data.map((row) => row.order_id)).toEqual(payments.map(() => order!.order_id));
    expect(answer.body.data.map((row) => row.payment_id).sort()).toEqual(
      payments.map((row) => row.payment_id).sort(),
    );
  });

  it('finds the payment of a charge with charge_id, matching its latest charge', async () => {
    const [payment] = await sql(
      `SELECT payment_id, latest_charge_id FROM ledger.payments
        WHERE latest_charge_id IS NOT NULL AND latest_charge_id <> payment_id ORDER BY payment_id LIMIT 1`,
    );
    const answer = await get(ledger.url, `/api/payments?charge_id=${String(payment!.latest_charge_id)}`);
    expect(answer.status).toBe(200);
    expect(answer.body.data.map((row) => [row.payment_id, row.latest_charge_id])).toEqual([
      [payment!.payment_id, payment!.latest_charge_id],
    ]);
    const none = await get(ledger.url, '/api/payments?charge_id=ch_not_in_the_ledger');
    expect(none.body).toMatchObject({ data: [], next_cursor: null });
    const bad = await get(ledger.url, '/api/payments?charge_id=ch%20bad');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_parameter', parameter: 'charge_id' });
  });

  it('finds the payment of an earlier charge with charge_id too (a declined attempt before the one that succeeded)', async () => {
    const hooks = declinedThenPaid('card_retry');
    for (const hook of hooks) expect((await postWebhook(ledger.url, hook.body)).status).toBe(200);
    await waitForProjections(ledger.url);
    const answer = await get(ledger.url, '/api/payments?charge_id=ch_card_retry_declined');
    expect(answer.body.data.map((row) => [row.payment_id, row.latest_charge_id])).toEqual([
      ['pi_card_retry', 'ch_card_retry'],
    ]);
  });
});
