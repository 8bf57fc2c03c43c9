import type { Db } from '../db/port.js';
import { errorMessage } from '../shared/errorMessage.js';
import { withDeadline } from '../runtime/deadline.js';
import type { RebuildPhase, RebuildProgress } from './rebuild.js';

/** How often a running rebuild says it is alive, and how old that may get before status stops counting
 * it as running (a rebuild killed outright never finishes its row). */
export const REBUILD_HEARTBEAT_MS = 5_000;
export const REBUILD_STALE_MS = 30_000;
/** Progress is written at most this often. */
const PROGRESS_EVERY_MS = 1_000;
/** A write of the record waits at most this long: the record must never hold the rebuild up. */
const RECORD_DEADLINE_MS = 5_000;

/** The phases a record shows: 'starting' until the first progress. */
export const RECORDED_PHASES = [
  'starting',
  'folding',
  'writing',
  'indexing',
  'catching_up',
] as const satisfies readonly (RebuildPhase | 'starting')[];

/** What the record of a rebuild that ended without recording it says. */
export const ENDED_UNRECORDED =
  'ended without recording how: its process was killed, or its database stopped answering, before it could';

/** A rebuild as status shows it. */
export type RunningRebuild = {
  projections: string[];
  owner: string;
  started_at: string;
  phase: (typeof RECORDED_PHASES)[number];
  done: number;
  total: number;
};

/** What a rebuild records of itself in ledger.rebuilds. */
export type RebuildRecorder = {
  progress(progress: RebuildProgress): void;
  /** Records the end, waiting at most `deadlineMs` (a failure may come from a database that stopped
   * answering: the record must not hold up the error). */
  finish(outcome: 'swapped' | 'failed', deadlineMs: number, error?: unknown): Promise<void>;
};

/**
 * Records a rebuild that holds the rebuild lock: a row at the start, its progress (at most once a
 * second, one write in flight) and a heartbeat while it runs, then how it ended. Best effort: a record
 * that cannot be written (a database that stopped answering) never fails or delays the rebuild; its
 * lock decides what happens then.
 */
export const recordRebuild = async (
  db: Db,
  start: { projections: readonly string[]; owner: string; total: number },
): Promise<RebuildRecorder> => {
  // The caller holds the rebuild lock, so no other rebuild runs: one still unfinished ended without
  // recording how (its process was killed, or its database went away first).
  const { rows } = await withDeadline(
    db.query<{ id: string }>(
      `WITH ended AS (
         UPDATE ledger.rebuilds SET finished_at = now(), outcome = 'failed', error = $4
          WHERE finished_at IS NULL
       )
       INSERT INTO ledger.rebuilds (projections, owner, phase, total) VALUES ($1, $2, 'starting', $3) RETURNING id`,
      [[...start.projections], start.owner, start.total, ENDED_UNRECORDED],
    ),
    RECORD_DEADLINE_MS,
    'recording the rebuild',
  );
  const id = rows[0]!.id;
  let inFlight: Promise<unknown> | null = null;
  let lastWritten = 0;
  let latest: RebuildProgress | null = null;
  const write = (sql: string, params: unknown[]) => {
    if (inFlight) return;
    inFlight = withDeadline(db.query(sql, params), RECORD_DEADLINE_MS, 'recording the rebuild')
      .catch(() => undefined)
      .finally(() => (inFlight = null));
  };
  const writeProgress = () => {
    if (latest === null)
      return write(`UPDATE ledger.rebuilds SET updated_at = now() WHERE id = $1 AND finished_at IS NULL`, [
        id,
      ]);
    lastWritten = Date.now();
    write(
      `UPDATE ledger.rebuilds SET updated_at = now(), phase = $2, done = $3, total = $4 WHERE id = $1 AND finished_at IS NULL`,
      [id, latest.phase, latest.done, latest.total],
    );
  };
  const heartbeat = setInterval(writeProgress, REBUILD_HEARTBEAT_MS);
  heartbeat.unref();
  return {
    progress: (progress) => {
      const phaseChanged = latest?.phase !== progress.phase;
      latest = progress;
      if (phaseChanged || Date.now() - lastWritten >= PROGRESS_EVERY_MS) writeProgress();
    },
    finish: async (outcome, deadlineMs, error) => {
      clearInterval(heartbeat);
      // With the last progress too: a report made while another write was in flight was not written.
      // That write, if it lands after this one, changes nothing: progress only goes to unfinished rows.
      const ended = db.query(
        `UPDATE ledger.rebuilds SET finished_at = now(), updated_at = now(), outcome = $2, error = $3,
                phase = coalesce($4, phase), done = coalesce($5, done), total = coalesce($6, total)
          WHERE id = $1`,
        [
          id,
          outcome,
          error === undefined ? null : errorMessage(error).slice(0, 2000),
          latest?.phase ?? null,
          latest?.done ?? null,
          latest?.total ?? null,
        ],
      );
      await withDeadline(ended, deadlineMs, 'recording how the rebuild ended').catch(() => undefined);
    },
  };
};

/** The lease a rebuild holds while it runs (one at a time across processes). */
export const REBUILD_LEASE = 'rebuild';

/** Rebuilds running now: unfinished, with a fresh heartbeat, while the rebuild lease is held; the
 * newest first. A rebuild's lease lives in its own database session, which PostgreSQL ends when the
 * process dies (kill -9 included): with no one holding it, no record is running, however fresh. */
export const runningRebuilds = async (db: Db): Promise<RunningRebuild[]> => {
  if (!(await db.leaseHeld(REBUILD_LEASE))) return [];
  const { rows } = await db.query<{
    projections: string[];
    owner: string;
    started_at: Date;
    phase: RunningRebuild['phase'];
    done: string;
    total: string;
  }>(
    `SELECT projections, owner, started_at, phase, done, total FROM ledger.rebuilds
      WHERE finished_at IS NULL AND updated_at > now() - make_interval(secs => $1)
      ORDER BY started_at DESC`,
    [REBUILD_STALE_MS / 1000],
  );
  return rows.map((row) => ({
    projections: row.projections,
    owner: row.owner,
    started_at: row.started_at.toISOString(),
    phase: row.phase,
    done: Number(row.done),
    total: Number(row.total),
  }));
};

/** "host:pid, since <time>, folding 40 % (400 of 1000 events)". */
export const describeRebuild = (rebuild: RunningRebuild): string => {
  const share = rebuild.total > 0 ? ` ${Math.floor((rebuild.done / rebuild.total) * 100)} %` : '';
  // Positions, not events: EventStoreDB's count bytes of the log.
  return `${rebuild.owner}, since ${rebuild.started_at}, ${rebuild.phase}${share} (at position ${rebuild.done} of ${rebuild.total})`;
};
