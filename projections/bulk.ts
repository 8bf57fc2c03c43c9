import type { Queryable } from '../src/db/port.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import type { Projection, ProjectionTarget } from './projection.js';

/**
 * Optional fast path for rebuilds: fold every event in memory, then bulk-load the final rows (and fold
 * state) into the empty target tables. The result must equal event-by-event `apply` of the same events
 * in the same batches, fold-state tables included: live `apply` continues from them after the swap.
 */
export interface BulkBuild {
  /**
   * Folds the next batch (global order). `tx` is for reads only (charge links, once per batch as apply
   * reads them); `stream` loads rows that are already final (history rows) while the log is still being
   * folded, so they need not be held: rows are loaded in call order, a failure surfaces from a later
   * call, and everything streamed is loaded before `write` is called. Throws on an event it cannot fold.
   */
  add(tx: Queryable, events: StoredEvent[], stream: CopyRows): Promise<void>;
  /** Loads the final rows into the target tables (empty but for what `stream` loaded). */
  write(tx: Queryable, target: ProjectionTarget, copy: CopyRows): Promise<void>;
}

/** Loads rows into `<target schema>.table (columns)`: COPY on PostgreSQL, multi-row INSERT elsewhere.
 * Values: null for NULL, objects and arrays as JSON (jsonb columns), times as ISO-8601 strings. */
export type CopyRows = (
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
) => Promise<void>;

/**
 * Per rebuild scratch space the builders of one rebuild share (each projection's `start` gets the same
 * map): payments, orders and payment_status_history fold the same payment states, once per batch.
 */
export type BulkShared = Map<string, unknown>;

export type BulkPath = {
  /** The `apply` this fast path reproduces. A projection whose apply was replaced or wrapped (spread
   * with another apply) no longer matches it, and the rebuild goes event by event. */
  readonly mirrors: Projection['apply'];
  start(shared: BulkShared): BulkBuild;
};

export type RebuildableProjection = Projection & { readonly bulk?: BulkPath };

/** True when the fast path of the projection reproduces its own apply. */
export const hasBulkPath = (
  projection: RebuildableProjection,
): projection is RebuildableProjection & { bulk: BulkPath } =>
  projection.bulk !== undefined && projection.bulk.mirrors === projection.apply;
