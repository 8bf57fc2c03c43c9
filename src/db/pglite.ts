import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite, types, type Results } from '@electric-sql/pglite';
import type { Db, Lease, Queryable, RawClient, Row } from './port.js';

/** `RawClient.raw` on the embedded database: no pg client behind it, so no COPY. */
export type EmbeddedRawClient = { kind: 'embedded' };

/**
 * `dataDir`: the folder of a database kept on disk; none for one that lives in memory (tests).
 * `loadDataDir`: a dump (PGlite's dumpDataDir) to start from instead of creating a cluster (initdb).
 */
export type PgliteDbOptions = { dataDir?: string; loadDataDir?: Blob };

type Executor = {
  query<R>(sql: string, params?: unknown[]): Promise<Results<R>>;
  exec(sql: string): Promise<Results[]>;
};

const REENTERED =
  'the embedded database has one connection, held by the enclosing transaction or withConnection: ' +
  'run this statement on the tx or client it hands you';

const run = async <R extends Row>(executor: Executor, sql: string, params?: readonly unknown[]) => {
  // As pg does: without parameters, the simple protocol, which also runs several statements (migrations).
  const result =
    params === undefined || params.length === 0
      ? (await executor.exec(sql)).at(-1)!
      : await executor.query<R>(
          sql,
          params.map((value) => (value === undefined ? null : value)),
        );
  return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
};

const wrap = (executor: Executor): Queryable => ({
  query: <R extends Row>(sql: string, params?: readonly unknown[]) => run<R>(executor, sql, params),
});

/**
 * The data-access port on PGlite (PostgreSQL compiled to WebAssembly, in this process). It has one
 * connection, so everything queues on one mutex: a transaction holds it from BEGIN to COMMIT, and a
 * statement issued outside it waits its turn. Values come back as from the pg adapter: int8 as Number,
 * timestamptz as Date, json and jsonb parsed.
 */
export const pgliteDb = async (options: PgliteDbOptions = {}): Promise<Db> => {
  const pglite = await PGlite.create(options.dataDir ?? 'memory://', {
    ...(options.loadDataDir && { loadDataDir: options.loadDataDir }),
    // Positions and amounts stay far below 2^53, as in src/db/pg.ts.
    parsers: { [types.INT8]: (value: string) => Number(value) },
  });

  // Which async context holds the mutex: a statement from inside it would wait for itself forever.
  const holder = new AsyncLocalStorage<true>();
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    if (holder.getStore()) return Promise.reject(new Error(REENTERED));
    const turn = tail.then(() => holder.run(true, work));
    tail = turn.catch(() => undefined);
    return turn;
  };

  const leases = new Set<string>();
  let closing: Promise<void> | undefined;

  return {
    kind: 'embedded',
    query: (sql, params) => exclusive(() => run(pglite, sql, params)),
    transaction: (work) => exclusive(() => pglite.transaction((tx) => work(wrap(tx)))),
    listen: async (channel, onNotify) => {
      // PGlite calls back while it still processes the statement that notified: hand over outside it.
      const deliver = (payload: string) => holder.exit(() => setImmediate(() => onNotify(payload)));
      const unlisten = await exclusive(() => pglite.listen(channel, deliver));
      return () => exclusive(() => unlisten()).catch(() => undefined);
    },
    withConnection: (work) =>
      exclusive(async () => {
        const client: RawClient = { ...wrap(pglite), raw: { kind: 'embedded' } satisfies EmbeddedRawClient };
        try {
          return await work(client);
        } finally {
          // pg drops a connection that failed; here the one connection stays, so end what was left open.
          if (!pglite.closed && pglite.isInTransaction())
            await pglite.exec('ROLLBACK').catch(() => undefined);
        }
      }),
    // One process per data folder (the lock file sees to it), so a lease only has to exclude workers of
    // this process; it is never lost, the connection being in-process.
    tryLease: async (name): Promise<Lease | null> => {
      if (pglite.closed) throw new Error('the embedded database is closed');
      if (leases.has(name)) return null;
      leases.add(name);
      let held = true;
      return {
        lost: new Promise<void>(() => undefined),
        // One process's database: nothing else can take it while this one is held.
        stillHeld: async () => held,
        release: async () => {
          if (held) leases.delete(name);
          held = false;
        },
      };
    },
    leaseHeld: async (name) => leases.has(name),
    ping: () =>
      exclusive(() => pglite.query('SELECT 1')).then(
        () => true,
        () => false,
      ),
    close: () => (closing ??= exclusive(() => pglite.close())),
  };
};
