import type { Queryable } from '../src/db/port.js';
import type { StoredEvent } from '../src/eventstore/port.js';

/** Where a projection writes: `ledger` for the live tables; a rebuild builds into another schema whose
 * tables were created with `CREATE TABLE <schema>.<t> (LIKE ledger.<t> INCLUDING ALL)`, then swaps them in. */
export type ProjectionTarget = { schema: string };

export type ProjectionName =
  | 'payments'
  | 'orders'
  | 'payment_status_history'
  | 'refunds'
  | 'disputes'
  | 'balance_transactions'
  | 'payouts'
  | 'journal';

export interface Projection {
  readonly name: ProjectionName;
  /** Every table it owns (read model and its fold state), unqualified, all in schema `ledger`. */
  readonly tables: readonly string[];
  /**
   * Folds `events` (global order, all past this projection's checkpoint) into the target tables, with a
   * bounded number of statements whatever the batch size. Ignores StripeEventUnmodelled; throws on an
   * event it cannot apply, so the projector can record it as a failure.
   */
  apply(tx: Queryable, events: StoredEvent[], target: ProjectionTarget): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** `"schema".table`. Schema names reach SQL text only through here, so they are checked strictly. */
export const tableIn = (target: ProjectionTarget, table: string): string => {
  if (!SCHEMA_NAME.test(target.schema)) {
    throw new Error(`projection target schema ${JSON.stringify(target.schema)} must match ${SCHEMA_NAME}`);
  }
  return `"${target.schema}".${table}`;
};
