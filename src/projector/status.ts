import type { Db } from '../db/port.js';
import type { EventStore, StoredEvent } from '../eventstore/port.js';
import { projections } from '../../projections/index.js';
import { HEARTBEAT_STALE_MS, readCheckpoints, type Checkpoint } from './checkpoints.js';
import { runningRebuilds, type RunningRebuild } from './rebuildRecord.js';

export type ProjectionStatus = {
  name: string;
  position: number;
  head: number;
  lag_events: number;
  /** True when lag_events is estimated (see lagAfter): a store whose positions are not dense, far behind. */
  lag_events_estimated: boolean;
  lag_seconds: number;
  /** live: caught up; catching_up: behind; failed: stopped at an event; idle: no worker heartbeat
   * lately, nothing to do; stalled: no worker heartbeat lately while events older than that wait (no
   * projector runs, or it hangs); ahead: the checkpoint stands past the log's head, so the log is not
   * the one it was projected from (the event store replaced, or restored from an older backup) and
   * nothing appended to it is projected until a rebuild. */
  state: ProjectionState;
  last_error: string | null;
  owner: string | null;
  heartbeat_at: string | null;
  open_failures: number;
  /** The rebuild of this projection running now (ledger.rebuilds), or null. */
  rebuild: RunningRebuild | null;
};

export const PROJECTION_STATES = ['live', 'catching_up', 'failed', 'idle', 'stalled', 'ahead'] as const;
export type ProjectionState = (typeof PROJECTION_STATES)[number];

const stateOf = (
  ahead: boolean,
  failed: boolean,
  alive: boolean,
  behind: boolean,
  waitingLong: boolean,
): ProjectionState => {
  if (ahead) return 'ahead';
  if (failed) return 'failed';
  if (!alive) return waitingLong ? 'stalled' : 'idle';
  return behind ? 'catching_up' : 'live';
};

/** Position, head and lag for every projection, from the checkpoints and the store. */
export const projectionStatus = async (
  db: Db,
  store: EventStore,
  now = new Date(),
  known: readonly string[] = projections.map((projection) => projection.name),
): Promise<ProjectionStatus[]> => {
  const [stored, failures, rebuilds] = await Promise.all([
    readCheckpoints(db),
    db.query<{ projection: string; count: number }>(
      `SELECT projection, count(*)::int AS count FROM ledger.projection_failures WHERE resolved_at IS NULL GROUP BY projection`,
    ),
    runningRebuilds(db),
  ]);
  // The head after the checkpoints: a checkpoint read then never stands past a head read later, unless
  // the log is not the one it was projected from (state `ahead`).
  const head = await store.headPosition();
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
  // Projections mostly stand at the same few positions: each is looked up once.
  const lags = new Map<number, Promise<Lag>>();
  const lagOf = (position: number) => {
    if (!lags.has(position)) lags.set(position, lagAfter(store, position, head));
    return lags.get(position)!;
  };
  return Promise.all(
    checkpoints.map(async (checkpoint): Promise<ProjectionStatus> => {
      const lag = await lagOf(checkpoint.position);
      const alive =
        checkpoint.heartbeat_at !== null &&
        now.getTime() - checkpoint.heartbeat_at.getTime() < HEARTBEAT_STALE_MS;
      const behind = lag.oldest !== undefined;
      const lagSeconds = lag.oldest
        ? Math.max(0, (now.getTime() - lag.oldest.recordedAt.getTime()) / 1000)
        : 0;
      // A worker starting on a backlog heartbeats within HEARTBEAT_STALE_MS: only older waiting events
      // with no heartbeat mean nobody projects them.
      const waitingLong = behind && lagSeconds * 1000 >= HEARTBEAT_STALE_MS;
      const state = stateOf(
        checkpoint.position > head,
        checkpoint.state === 'failed',
        alive,
        behind,
        waitingLong,
      );
      return {
        name: checkpoint.projection,
        position: checkpoint.position,
        head,
        lag_events: lag.events,
        lag_events_estimated: lag.estimated,
        lag_seconds: lagSeconds,
        state,
        last_error: checkpoint.state === 'failed' ? checkpoint.last_error : null,
        owner: alive ? checkpoint.owner : null,
        heartbeat_at: checkpoint.heartbeat_at?.toISOString() ?? null,
        open_failures: failureCounts.get(checkpoint.projection) ?? 0,
        rebuild: rebuilds.find((rebuild) => rebuild.projections.includes(checkpoint.projection)) ?? null,
      };
    }),
  );
};

/** Events of a store whose positions are not dense (EventStoreDB) counted after a checkpoint, at most. */
export const LAG_COUNTED_EVENTS = 500;

type Lag = { events: number; estimated: boolean; oldest: StoredEvent | undefined };

/**
 * How far the log runs past `position`, for a cost that does not grow with the log: health answers
 * within its deadline however long the log is. Dense positions (PostgreSQL) subtract. Otherwise up to
 * LAG_COUNTED_EVENTS are counted, and past them the rest is estimated at this page's density: commit
 * positions are byte offsets in the log, so events per byte here times the bytes still ahead.
 */
const lagAfter = async (store: EventStore, position: number, head: number): Promise<Lag> => {
  if (position >= head) return { events: 0, estimated: false, oldest: undefined };
  if (store.positionsAreDense) {
    const [oldest] = await store.readAll(position, 1);
    return { events: head - position, estimated: false, oldest };
  }
  const page = await store.readAll(position, LAG_COUNTED_EVENTS);
  const last = page.at(-1);
  if (page.length < LAG_COUNTED_EVENTS || !last || last.position >= head) {
    return { events: page.length, estimated: false, oldest: page[0] };
  }
  const eventsPerByte = page.length / (last.position - position);
  return {
    events: page.length + Math.round((head - last.position) * eventsPerByte),
    estimated: true,
    oldest: page[0],
  };
};
