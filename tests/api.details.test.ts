import { orderRow, paymentRow } from '../src/api/rows.js';
import { get, type Row } from './support/queryApi.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';

let ledger: SeededLedger;
beforeAll(async () => {
  ledger = await seededLedger({ seed: 13, payments: 80 });
});
afterAll(async () => {
  await ledger?.close();
});

const sql = async (text: string, params: unknown[] = []): Promise<Row[]> =>
  (await ledger.database.db.query(text, params)).rows;
const ids = (rows: unknown, key: string) => (rows as Row[]).map((row) => row[key]);
describe('GET /api/payments/:id', () => {
  it('answers the payment with its refunds, disputes and history', async () => {
    const id = (
      await sql(
        `SELECT payment_id FROM ledger.payments p WHERE EXISTS (SELECT 1 FROM ledger.refunds r WHERE r.payment_id = p.payment_id)
          AND EXISTS (SELECT 1 FROM ledger.disputes d WHERE d.payment_id = p.payment_id) LIMIT 1`,
      )
    )[0]!.payment_id;
    const answer = await get(ledger.url, `/api/payments/${id}`);
    expect(answer.status).toBe(200);
    paymentRow.parse(answer.body);
    expect(answer.body.payment_id).toBe(id);
    expect(ids(answer.body.refunds, 'refund_id')).toEqual(
      ids(
        await sql(
          'SELECT refund_id FROM ledger.refunds WHERE payment_id = $1 ORDER BY created_at, refund_id',
          [id],
        ),
        'refund_id',
      ),
    );
    expect(ids(answer.body.disputes, 'dispute_id')).toEqual(
      ids(await sql('SELECT dispute_id FROM ledger.disputes WHERE payment_id = $1', [id]), 'dispute_id'),
    );
    const history = await sql(
      'SELECT stripe_event_id FROM ledger.payment_status_history WHERE payment_id = $1 ORDER BY occurred_at, id',
      [id],
    );
    expect(ids(answer.body.history, 'stripe_event_id')).toEqual(ids(history, 'stripe_event_id'));
    expect(ids(answer.body.history, 'stripe_event_id').length).toBeGreaterThan(2);
  });

  it('answers 404 for a payment it does not know', async () => {
    const answer = await get(ledger.url, '/api/payments/pi_unknown');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('not_found');
  });
});

describe('GET /api/orders/:order_id', () => {
  it('answers the order with its payments', async () => {
    const id = (
      await sql(`SELECT order_id FROM ledger.orders ORDER BY payment_count DESC, order_id LIMIT 1`)
    )[0]!.order_id;
    const answer = await get(ledger.url, `/api/orders/${id}`);
    expect(answer.status).toBe(200);
    orderRow.parse(answer.body);
    const payments = await sql(
      'SELECT payment_id FROM ledger.payments WHERE order_id = $1 ORDER BY created_at, payment_id',
      [id],
    );
    expect(ids(answer.body.payments, 'payment_id')).toEqual(ids(payments, 'payment_id'));
    expect(answer.body.payment_count).toBe(payments.length);
    expect(payments.length).toBeGreaterThan(1);
  });

  it('answers 404 for an order it does not know', async () => {
    expect((await get(ledger.url, '/api/orders/order_nope')).status).toBe(404);
  });
});
