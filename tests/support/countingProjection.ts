import {
  defineProjection,
  type Fold,
  type Projection,
  type ProjectionName,
} from '../../projections/projection.js';

export const COUNTS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS ledger.test_counts (
  key text PRIMARY KEY, projection text NOT NULL, stream text NOT NULL, applied integer NOT NULL)`;

/**
 * A projection for projector tests, declared like any other: counts applications per stream (a fold
 * that is deliberately not idempotent), so a double effect shows as a count above the number of
 * events. It throws on events whose data carries `poison: true` while `broken()` returns true.
 */
export const countingProjection = (name: string, options: { broken?: () => boolean } = {}): Projection => {
  const fold: Fold<number> = {
    name: `count:${name}`,
    route: (events) =>
      events.map((event) => {
        if ((event.data as { poison?: boolean }).poison && options.broken?.() === true) {
          throw new Error(`cannot apply poison event ${event.metadata.stripe_event_id}`);
        }
        return { event, key: `${name}|${event.stream}`, paymentId: null, absorbs: [] };
      }),
    evolve: (count) => (count ?? 0) + 1,
    merge: (a, b) => a + b,
    stored: {
      columns: ['applied'],
      toRow: (applied) => ({ applied }),
      fromRow: (row) => Number(row.applied),
    },
  };
  return defineProjection({
    name: name as ProjectionName,
    fold,
    state: { table: 'test_counts', key: 'key' },
    rowTables: {},
    stateColumns: {
      columns: ['projection', 'stream'],
      of: (key) => ({ projection: name, stream: key.slice(name.length + 1) }),
    },
  });
};
