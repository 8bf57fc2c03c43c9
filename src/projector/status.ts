import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import { projections } from '../../projections/index.js';
import { readCheckpoints, type Checkpoint } from './checkpoints.js';

export type ProjectionStatus = {
  name: string;
  position: number;
  head: number;
  lag_events: number;
  lag_seconds: number;
  /** live: caught up; catching_up: behind; failed: stopped at an event; idle: no worker heartbeat lately. */
  state: 'live' | 'catching_up' | 'failed' | 'idle';
  last_error: string | null;
  owner: string | null;
  heartbeat_at: string | null;
  open_failures: number;
};

const HEARTBEAT_STALE_MS = 15_000;

/** Position, head and lag for every projection, from the checkpoints and the store. */
export const projectionStatus = async (
  db: Db,
  store: EventStore,
  now = new Date(),
  known: readonly string[] = projections.map((projection) => projection.name),
): Promise<ProjectionStatus[]> => {
  const [stored, head, failures] = await Promise.all([
    readCheckpoints(db),
    store.headPosition(),
    db.query<{ projection: string; count: number }>(
      `SELECT projection, count(*)::int AS count FROM ledger.projection_failures WHERE resolved_at IS NULL GROUP BY projection`,
    ),
  ]);
  // A projection no worker has started yet is at position 0.
  const checkpoints = [
    ...stored,
    ...known
      .filter((name) => !stored.some((checkpoint) => checkpoint.projection === name))
      .map((name): Checkpoint => ({
        projection: name,
        position: 0,
        state: 'active',
        last_error: null,
        owner: null,
        heartbeat_at: null,
        updated_at: now,
      })),
  ].sort((a, b) => a.projection.localeCompare(b.projection));
  const failureCounts = new Map(failures.rows.map((row) => [row.projection, row.count]));
  return Promise.all(
    checkpoints.map(async (checkpoint): Promise<ProjectionStatus> => {
      const behind = checkpoint.position < head;
      const next = behind ? (await store.readAll(checkpoint.position, 1))[0] : undefined;
      const lagEvents = behind ? await lagInEvents(store, checkpoint.position, head) : 0;
      const alive =
        checkpoint.heartbeat_at !== null &&
        now.getTime() - checkpoint.heartbeat_at.getTime() < HEARTBEAT_STALE_MS;
      const state =
        checkpoint.state === 'failed' ? 'failed' : !alive ? 'idle' : behind ? 'catching_up' : 'live';
      return {
        name: checkpoint.projection,
        position: checkpoint.position,
        head,
        lag_events: lagEvents,
        lag_seconds: next ? Math.max(0, (now.getTime() - next.recordedAt.getTime()) / 1000) : 0,
        state,
        last_error: checkpoint.state === 'failed' ? checkpoint.last_error : null,
        owner: alive ? checkpoint.owner : null,
        heartbeat_at: checkpoint.heartbeat_at?.toISOString() ?? null,
        open_failures: failureCounts.get(checkpoint.projection) ?? 0,
      };
    }),
  );
};

/** Positions of the PostgreSQL store are dense, so lag is a subtraction; other stores are counted. */
const lagInEvents = async (store: EventStore, position: number, head: number): Promise<number> => {
  if (store.positionsAreDense) return head - position;
  let count = 0;
  let after = position;
  for (;;) {
    const page = await store.readAll(after, 1000);
    count += page.length;
    if (page.length < 1000 || count >= 100_000) return count;
    after = page.at(-1)!.position;
  }
};
