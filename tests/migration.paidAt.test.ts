/**
 * Migration 0055 gives existing payments the paid_at the daily report counted until then (their first
 * transition into paid in the status history) and writes it into the three payment fold states, so the
 * next event of an existing payment keeps that day instead of moving the payment to its own.
 */
import { migrate } from '../src/db/migrate.js';
import { evolve, type PaymentState } from '../projections/shared/paymentState.js';
import { paid } from './support/cardPayment.js';
import { createTestDatabaseBefore, type TestDatabase } from './support/testDatabase.js';

const STATE_TABLES = ['payments_fold_state', 'orders_payment_state', 'history_fold_state'] as const;

/** The text a projector of before 0055 stored: the same state without the two new keys, last in order. */
const storedBefore0055 = (state: PaymentState): string => {
  const { paidAt, importedPaidAt, impliedPaidAt, ...rest } = state;
  void paidAt;
  void importedPaidAt;
  void impliedPaidAt;
  return JSON.stringify(rest);
};

/** The state as the projector of 0055 wrote it: without what later versions added at its end. */
const as0055 = (state: PaymentState): PaymentState => {
  const { importedIntentPaidAt, ...rest } = state;
  void importedIntentPaidAt;
  return rest;
};

describe('migration 0055: payments paid_at', () => {
  let database: TestDatabase;
  let paidState: PaymentState;
  beforeAll(async () => {
    database = await createTestDatabaseBefore(55);
    const db = database.db;
    paidState = as0055(paid().reduce<PaymentState | undefined>(evolve, undefined)!);
    await db.query(
      `INSERT INTO ledger.payments (payment_id, livemode, currency, amount, amount_received, amount_refunded,
         status, payment_status, created_at, updated_at, last_stripe_event_id)
       VALUES ('pi_twice', false, 'usd', 1000, 1000, 0, 'succeeded', 'paid', '2025-03-01T09:00Z', '2025-03-03T10:00Z', 'evt_4'),
              ('pi_failed', false, 'usd', 900, 0, 0, 'requires_payment_method', 'failed', '2025-03-02T08:00Z',
               '2025-03-02T08:00Z', 'evt_9')`,
    );
    await db.query(
      `INSERT INTO ledger.payment_status_history (payment_id, stripe_event_id, event_type, from_status, to_status, occurred_at)
       VALUES ('pi_twice', 'evt_1', 'payment_intent.created', NULL, 'pending', '2025-03-01T09:00Z'),
              ('pi_twice', 'evt_2', 'payment_intent.succeeded', 'pending', 'paid', '2025-03-01T10:00Z'),
              ('pi_twice', 'evt_3', 'payment_intent.payment_failed', 'paid', 'failed', '2025-03-02T10:00Z'),
              ('pi_twice', 'evt_4', 'payment_intent.succeeded', 'failed', 'paid', '2025-03-03T10:00Z'),
              ('pi_failed', 'evt_9', 'payment_intent.payment_failed', 'pending', 'failed', '2025-03-02T08:00Z')`,
    );
    for (const table of STATE_TABLES) {
      await db.query(`INSERT INTO ledger.${table} (payment_id, state) VALUES ($1, $2), ($3, $4)`, [
        'pi_twice',
        storedBefore0055(paidState),
        'pi_failed',
        storedBefore0055({ ...paidState, paidAt: null }),
      ]);
    }
    await migrate(db);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('dates each existing payment by its first transition into paid, and leaves the unpaid ones null', async () => {
    const { rows } = await database.db.query<{ payment_id: string; paid_at: Date | null }>(
      'SELECT payment_id, paid_at FROM ledger.payments ORDER BY payment_id',
    );
    expect(rows.map((r) => [r.payment_id, r.paid_at?.toISOString() ?? null])).toEqual([
      ['pi_failed', null],
      ['pi_twice', '2025-03-01T10:00:00.000Z'],
    ]);
  });

  it('writes it into every payment fold state as the text the projector itself would write', async () => {
    const paidAt = Date.parse('2025-03-01T10:00:00Z') / 1000;
    for (const table of STATE_TABLES) {
      const { rows } = await database.db.query<{ payment_id: string; state: string }>(
        `SELECT payment_id, state FROM ledger.${table} ORDER BY payment_id`,
      );
      expect(rows).toEqual([
        {
          payment_id: 'pi_failed',
          state: JSON.stringify({ ...paidState, paidAt: null, importedPaidAt: null, impliedPaidAt: null }),
        },
        {
          payment_id: 'pi_twice',
          state: JSON.stringify({ ...paidState, paidAt, importedPaidAt: null, impliedPaidAt: null }),
        },
      ]);
    }
  });

  it('drops the history indexes only the old report read', async () => {
    const { rows } = await database.db.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = 'ledger' AND indexname LIKE '%into_paid%'`,
    );
    expect(rows).toEqual([]);
  });
});
