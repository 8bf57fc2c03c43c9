import type { Queryable } from '../../src/db/port.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { Projection, ProjectionName, ProjectionTarget } from '../../projections/projection.js';

export const COUNTS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ledger.test_counts (
  projection text NOT NULL, stream text NOT NULL, applied integer NOT NULL, PRIMARY KEY (projection, stream))`;

/**
 * A projection for projector tests: counts applications per stream, so a double effect shows as a count
 * above the number of events. It throws on events whose data carries `poison: true` while `broken()` returns true.
 */
export const countingProjection = (name: string, options: { broken?: () => boolean } = {}): Projection => ({
  name: name as ProjectionName,
  tables: ['test_counts'],
  apply: async (tx: Queryable, events: StoredEvent[], target: ProjectionTarget) => {
    for (const event of events) {
      if ((event.data as { poison?: boolean }).poison && options.broken?.() === true) {
        throw new Error(`cannot apply poison event ${event.metadata.stripe_event_id}`);
      }
    }
    const streams = events.map((event) => event.stream);
    await tx.query(
      `INSERT INTO "${target.schema}".test_counts (projection, stream, applied)
       SELECT $1, stream, count(*) FROM unnest($2::text[]) AS stream GROUP BY stream
       ON CONFLICT (projection, stream) DO UPDATE SET applied = test_counts.applied + EXCLUDED.applied`,
      [name, streams],
    );
  },
});
