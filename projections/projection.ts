import type { Queryable } from '../src/db/port.js';
import type { StoredEvent } from '../src/eventstore/port.js';

export type ProjectionName = 'payments' | 'orders' | 'payment_status_history' | 'refunds' | 'disputes';

/** Where a projection writes: `ledger` for the live tables; a rebuild writes beside them in another schema. */
export type ProjectionTarget = { schema: string };

export interface Projection {
  readonly name: ProjectionName;
  /** Every table it owns (read model and internal fold state), unqualified, all in schema `ledger`. */
  readonly tables: readonly string[];
  /** Applies events (global order, past the checkpoint) in the caller's transaction; throws on an event it cannot apply. */
  apply(tx: Queryable, events: StoredEvent[], target: ProjectionTarget): Promise<void>;
}
