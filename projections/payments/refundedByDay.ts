import { PREPARED, type Queryable } from '../../src/db/port.js';
import type { StateChange } from '../projection.js';

/** The payments whose refunded days changed: written with other days, merged away, or stored before
 * states kept them (null). */
const changedPayments = ({ before, after }: StateChange): string[] => {
  const was = new Map(before.map((row) => [row.payment_id as string, row.refunded_days]));
  const changed = new Set<string>();
  for (const row of after) {
    const id = row.payment_id as string;
    const old = was.get(id);
    was.delete(id);
    if (
      old === undefined
        ? (row.refunded_days as unknown[]).length > 0
        : JSON.stringify(old) !== JSON.stringify(row.refunded_days)
    )
      changed.add(id);
  }
  for (const id of was.keys()) changed.add(id);
  return [...changed];
};

/**
 * Rewrites ledger.refunded_by_day for the payments of a batch whose refunded days changed, from the
 * days stored beside their states (one statement, none when nothing changed: most batches).
 */
export const rewriteRefundedDays = async (
  tx: Queryable,
  tables: { days: string; states: string },
  change: StateChange,
): Promise<void> => {
  const ids = changedPayments(change);
  if (ids.length === 0) return;
  // One statement: the delete and the insert see the same snapshot, and the table has no unique key.
  await tx.query(
    `WITH gone AS (DELETE FROM ${tables.days} WHERE payment_id = ANY($1::text[]))
     INSERT INTO ${tables.days} (payment_id, day, livemode, currency, amount)
     SELECT s.payment_id, (d->>0)::date, (d->>1)::boolean, d->>2, (d->>3)::bigint
       FROM ${tables.states} s, jsonb_array_elements(s.refunded_days) d
      WHERE s.payment_id = ANY($1::text[])`,
    [ids],
    PREPARED,
  );
};
