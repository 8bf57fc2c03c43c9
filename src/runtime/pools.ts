import { pgDb, type PgTimeouts } from '../db/pg.js';
import type { Db } from '../db/port.js';

/**
 * The server's connections, split by who uses them, so that none can starve another: stalled CSV
 * exports or slow finance queries never take the connections webhooks need to append, nor the
 * projector's. Pools open connections lazily: a role that never uses one opens none.
 */
export type Pools = {
  /** Webhook appends, charge lookups, health. */
  ingest: Db;
  /** Projection workers: reads of the log, batches, checkpoints. */
  projector: Db;
  /** Finance pages and reports. */
  finance: Db;
  /** CSV exports: each holds a connection for as long as its client reads. */
  exports: Db;
};

type PoolSpec = { max: number; timeouts: PgTimeouts };

// statement: what PostgreSQL cancels; query: what we stop waiting for when the server hangs (a little
// longer, so a server that answers reports its own cancellation); idle in transaction: a session whose
// client stopped mid-transaction (an export's reader stalled, a process stopped) gives its locks back.
export const SERVER_POOLS: Record<keyof Pools, PoolSpec> = {
  ingest: { max: 10, timeouts: { statementMs: 5000, queryMs: 7000, idleInTransactionMs: 10_000 } },
  projector: { max: 6, timeouts: { statementMs: 60_000, queryMs: 65_000, idleInTransactionMs: 10_000 } },
  finance: { max: 6, timeouts: { statementMs: 30_000, queryMs: 35_000, idleInTransactionMs: 30_000 } },
  exports: { max: 4, timeouts: { statementMs: 30_000, queryMs: 35_000, idleInTransactionMs: 45_000 } },
};

export const serverPools = (connectionString: string): Pools => {
  const open = (name: keyof Pools) =>
    pgDb({
      connectionString,
      max: SERVER_POOLS[name].max,
      applicationName: `stripe-ledger ${name}`,
      timeouts: SERVER_POOLS[name].timeouts,
    });
  return {
    ingest: open('ingest'),
    projector: open('projector'),
    finance: open('finance'),
    exports: open('exports'),
  };
};

/** One database serving every use: the embedded database, or an operator command's single pool. */
export const samePool = (db: Db): Pools => ({ ingest: db, projector: db, finance: db, exports: db });

export const closePools = async (pools: Pools): Promise<void> => {
  await Promise.all([...new Set(Object.values(pools))].map((db) => db.close().catch(() => undefined)));
};
