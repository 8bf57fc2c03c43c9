import type { Queryable } from '../src/db/port.js';
import type { StoredEvent } from '../src/eventstore/port.js';
import type { Projection, ProjectionTarget } from './projection.js';

/**
 * Optional fast path for rebuilds: fold every event in memory, then bulk-load the final rows (and fold
 * state) into the empty target tables. The result must equal event-by-event `apply` of the same events.
 */
export interface BulkBuild {
  add(events: StoredEvent[]): void;
  write(tx: Queryable, target: ProjectionTarget, copy: CopyRows): Promise<void>;
}

/** Loads rows into `<target schema>.table (columns)`: COPY on PostgreSQL, multi-row INSERT elsewhere. */
export type CopyRows = (
  table: string,
  columns: readonly string[],
  rows: Iterable<readonly unknown[]>,
) => Promise<void>;

export type RebuildableProjection = Projection & { bulk?(): BulkBuild };
