/** The read models as finance sees them (SPEC section 5), read straight from schema `ledger`. */
import type { Queryable } from '../../src/db/port.js';
import { projections as allProjections } from '../../projections/index.js';
import { waitFor } from './waitFor.js';

export type Row = Record<string, unknown>;

/** timestamptz columns as ISO-8601 strings, so rows compare and print as plain data. */
const plain = (row: Row): Row =>
  Object.fromEntries(
    Object.entries(row).map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value]),
  );

const rowsOf = async (db: Queryable, sql: string, params: unknown[] = []): Promise<Row[]> =>
  (await db.query(sql, params)).rows.map(plain);

export const paymentRow = async (db: Queryable, paymentId: string): Promise<Row | undefined> =>
  (await rowsOf(db, 'SELECT * FROM ledger.payments WHERE payment_id = $1', [paymentId]))[0];

export const orderRow = async (db: Queryable, orderId: string): Promise<Row | undefined> =>
  (await rowsOf(db, 'SELECT * FROM ledger.orders WHERE order_id = $1', [orderId]))[0];

export const refundRows = (db: Queryable, paymentId: string): Promise<Row[]> =>
  rowsOf(db, 'SELECT * FROM ledger.refunds WHERE payment_id = $1 ORDER BY created_at, refund_id', [
    paymentId,
  ]);

export const disputeRows = (db: Queryable, paymentId: string): Promise<Row[]> =>
  rowsOf(db, 'SELECT * FROM ledger.disputes WHERE payment_id = $1 ORDER BY opened_at, dispute_id', [
    paymentId,
  ]);

/** A payment's status history in the order things happened: one row per event applied to it. */
export const historyRows = (db: Queryable, paymentId: string): Promise<Row[]> =>
  rowsOf(
    db,
    `SELECT stripe_event_id, event_type, from_status, to_status, order_id, occurred_at
       FROM ledger.payment_status_history WHERE payment_id = $1 ORDER BY occurred_at, id`,
    [paymentId],
  );

export type ReadModels = {
  payments: Row[];
  orders: Row[];
  refunds: Row[];
  disputes: Row[];
  /** Without id (the order a worker wrote the row in) and recorded_at (when the test stored the event). */
  history: Row[];
};

/** Every row of every read model, in key order: what two ledgers fed the same events must agree on. */
export const readModels = async (db: Queryable): Promise<ReadModels> => ({
  payments: await rowsOf(db, 'SELECT * FROM ledger.payments ORDER BY payment_id'),
  orders: await rowsOf(db, 'SELECT * FROM ledger.orders ORDER BY order_id'),
  refunds: await rowsOf(db, 'SELECT * FROM ledger.refunds ORDER BY refund_id'),
  disputes: await rowsOf(db, 'SELECT * FROM ledger.disputes ORDER BY dispute_id'),
  history: await rowsOf(
    db,
    `SELECT payment_id, order_id, stripe_event_id, event_type, from_status, to_status, occurred_at
       FROM ledger.payment_status_history ORDER BY stripe_event_id`,
  ),
});

type Checkpoint = { projection: string; position: number; state: string; last_error: string | null };

/**
 * Until every projection's checkpoint is at the store's head (eventstore.head). A projection that
 * stopped at an event it cannot apply fails the wait at once, with its error.
 */
export const waitForCheckpointsAtHead = (
  db: Queryable,
  { projections = allProjections.length, timeoutMs = 30_000, intervalMs = 10 } = {},
): Promise<void> =>
  waitFor(
    async () => {
      const { rows } = await db.query<Checkpoint & { head: number }>(
        `SELECT c.projection, c.position, c.state, c.last_error, h.position AS head
           FROM ledger.projection_checkpoints c, eventstore.head h`,
      );
      const failed = rows.find((row) => row.state === 'failed');
      if (failed) throw new Error(`projection ${failed.projection} failed: ${failed.last_error}`);
      return rows.length === projections && rows.every((row) => row.position === row.head);
    },
    { timeoutMs, intervalMs, what: 'every projection checkpoint to reach the store head' },
  );
