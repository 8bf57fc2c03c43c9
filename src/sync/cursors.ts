import type { Queryable } from '../db/port.js';

/** A created range read newest first: everything in [from, to] created after `below` is appended. */
export type PendingRange = { from: number | null; to: number; below: number };

export type Cursor = { completeUntil: number | null; pending: PendingRange | null };

export type Feed = { account: string | null; feed: string };

type CursorRow = {
  complete_until: string | null;
  pending_from: string | null;
  pending_to: string | null;
  pending_below: string | null;
};

const num = (value: string | null) => (value === null ? null : Number(value));

export const loadCursor = async (db: Queryable, at: Feed): Promise<Cursor> => {
  const { rows } = await db.query<CursorRow>(
    `SELECT complete_until, pending_from, pending_to, pending_below
       FROM ledger.stripe_sync_cursors WHERE account = $1 AND feed = $2`,
    [at.account ?? '', at.feed],
  );
  const row = rows[0];
  if (row === undefined) return { completeUntil: null, pending: null };
  const pending =
    row.pending_to === null
      ? null
      : { from: num(row.pending_from), to: Number(row.pending_to), below: Number(row.pending_below) };
  return { completeUntil: num(row.complete_until), pending };
};

export const saveCursor = async (db: Queryable, at: Feed, cursor: Cursor): Promise<void> => {
  await db.query(
    `INSERT INTO ledger.stripe_sync_cursors
       (account, feed, complete_until, pending_from, pending_to, pending_below, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, now())
     ON CONFLICT (account, feed) DO UPDATE SET
       complete_until = EXCLUDED.complete_until, pending_from = EXCLUDED.pending_from,
       pending_to = EXCLUDED.pending_to, pending_below = EXCLUDED.pending_below, updated_at = now()`,
    [
      at.account ?? '',
      at.feed,
      cursor.completeUntil,
      cursor.pending?.from ?? null,
      cursor.pending?.to ?? null,
      cursor.pending?.below ?? null,
    ],
  );
};

/**
 * The balance-transaction listing of the money pass (balanceTransactionsPass.ts) keeps where it stopped
 * in the middle here, as a pending range; where it starts once done is ledger.sync_money_cursors'.
 */
export const BALANCE_TRANSACTIONS_FEED = 'money.balance_transactions';

/** Forgets that the history feeds of an account were imported, so the next pass imports them again.
 * The events cursor stays, and so does a balance-transaction listing left pending: Stripe keeps those
 * transactions forever, so the rest of it is still there to read. */
export const resetHistory = async (db: Queryable, account: string | null): Promise<void> => {
  await db.query(`DELETE FROM ledger.stripe_sync_cursors WHERE account = $1 AND feed <> ALL($2::text[])`, [
    account ?? '',
    ['events', BALANCE_TRANSACTIONS_FEED],
  ]);
};
