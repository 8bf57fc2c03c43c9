import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Db, Lease, Queryable, QueryOptions, RawClient, Row } from './port.js';

// int8 (bigint) columns carry global positions and amounts: both stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Deadlines for one pool's sessions (milliseconds; absent means none). */
export type PgTimeouts = {
  /** Server side: PostgreSQL cancels a statement running longer. */
  statementMs?: number;
  /** Client side: a query with no answer this long fails and its connection is dropped. A server that
   * hangs (connections open, nothing answers) never cancels anything, so only this deadline fires. */
  queryMs?: number;
  /** Server side: a session left idle inside a transaction this long is ended (its locks go with it). */
  idleInTransactionMs?: number;
  /** Server side: waiting this long for a lock fails the statement instead of queueing behind it. */
  lockMs?: number;
};

export type PgDbOptions = {
  connectionString: string;
  max?: number;
  applicationName?: string;
  timeouts?: PgTimeouts;
};

/** Opening a connection (or waiting for a free one in the pool) gives up after this long. */
export const CONNECT_TIMEOUT_MS = 5000;

/** A lease's advisory lock key, of its name ($1). */
const LEASE_KEY = "hashtext('stripe-ledger:' || $1)";
/** The session (pid and start: a pid alone could name a later session) holding the lease named $1;
 * pg_locks shows a bigint key as its high and low 32 bits. */
const LEASE_HOLDER = `
  SELECT a.pid || '@' || a.backend_start AS session
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
   WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND l.classid = ((${LEASE_KEY}::bigint >> 32) & 4294967295)::oid
     AND l.objid = (${LEASE_KEY}::bigint & 4294967295)::oid`;

/**
 * TCP keepalive on both ends of every connection. Ours (keepAlive) notices a server host that vanished;
 * the server's (tcp_keepalives_*) notices our host vanishing, so it ends the session and frees its
 * advisory locks in about 25 s instead of the kernel default of two hours and more.
 */
const KEEPALIVE = {
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
  options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
} as const;

/** A lease holder proves it is alive this often on its lease connection; the server ends a lease
 * session silent for LEASE_SILENCE_MS (idle_session_timeout), which frees the lock for a standby even
 * when the holder's process is stopped (SIGSTOP) and its kernel still answers keepalives. */
export const LEASE_PING_MS = 3000;
export const LEASE_SILENCE_MS = 15_000;

const sessionSettings = (timeouts: PgTimeouts = {}) => ({
  ...(timeouts.statementMs !== undefined && { statement_timeout: timeouts.statementMs }),
  ...(timeouts.queryMs !== undefined && { query_timeout: timeouts.queryMs }),
  ...(timeouts.idleInTransactionMs !== undefined && {
    idle_in_transaction_session_timeout: timeouts.idleInTransactionMs,
  }),
  ...(timeouts.lockMs !== undefined && { lock_timeout: timeouts.lockMs }),
});

/** An error PostgreSQL itself answered: the session is fine. Anything else (a timeout, a lost
 * connection) leaves the connection in an unknown state, and it is dropped instead of reused. */
const answeredByServer = (error: unknown) => error instanceof pg.DatabaseError;

/** Most distinct texts a pool prepares: each connection keeps every one it ran, so past this many (a
 * long-lived server that ran many rebuilds, each with tables of its own) new texts run unprepared. */
export const MAX_PREPARED_TEXTS = 500;

/** Names prepared statements by a hash of their text, for at most MAX_PREPARED_TEXTS texts. */
const statementNames = () => {
  const names = new Map<string, string>();
  return (sql: string): string | undefined => {
    let name = names.get(sql);
    if (name === undefined && names.size < MAX_PREPARED_TEXTS) {
      name = `s_${createHash('sha1').update(sql).digest('base64url')}`;
      names.set(sql, name);
    }
    return name;
  };
};

const wrap = (client: pg.PoolClient | pg.Pool, nameOf: (sql: string) => string | undefined): Queryable => ({
  query: async <R extends Row>(sql: string, params?: readonly unknown[], options?: QueryOptions) => {
    const name = options?.prepared ? nameOf(sql) : undefined;
    const values = params as unknown[] | undefined;
    const result = await (name === undefined
      ? client.query(sql, values)
      : client.query({ name, text: sql, values }));
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  },
});

/** A transaction's statements, sent one after the other even when the work issues them side by side
 * (pg sends one query per connection at a time and deprecates queueing on a busy client). */
const oneAtATime = (tx: Queryable): Queryable => {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    query: <R extends Row>(sql: string, params?: readonly unknown[], options?: QueryOptions) => {
      const next = tail.then(() => tx.query<R>(sql, params, options));
      tail = next.catch(() => undefined);
      return next;
    },
  };
};

/** Ends a client whatever state its connection is in: end() on a socket already closed throws at once
 * (ERR_SOCKET_CLOSED), which in an 'error' or 'end' handler would be an uncaught exception. */
const endQuietly = (client: pg.Client): Promise<void> =>
  Promise.resolve()
    .then(() => client.end())
    .catch(() => undefined);

export const pgDb = (options: PgDbOptions): Db => {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'stripe-ledger',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...KEEPALIVE,
    ...sessionSettings(options.timeouts),
  });
  const nameOf = statementNames();
  const dedicatedClient = (settings: pg.ClientConfig = {}) =>
    new pg.Client({
      connectionString: options.connectionString,
      application_name: options.applicationName ?? 'stripe-ledger',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      ...KEEPALIVE,
      ...settings,
    });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // Nor a checked-out one: pg emits 'error' on the client as well as failing its queries, and the pool
  // only listens while the client is idle. The failed query reports the loss; release drops the client.
  pool.on('connect', (client) => client.on('error', () => undefined));

  const transaction = async <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await work(oneAtATime(wrap(client, nameOf)));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // After a timeout the connection may still be busy with the query: a ROLLBACK would queue behind
      // it. Dropping the connection rolls the transaction back on the server just as well.
      if (answeredByServer(error)) await client.query('ROLLBACK').catch(() => (broken = true));
      else broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  };

  const listen = async (channel: string, onNotify: (payload: string) => void) => {
    let stopped = false;
    let reconnecting = false;
    let client: pg.Client | undefined;
    // A dedicated client: a pooled one would be handed to other work while still listening. When its
    // connection drops (a database restart) it reconnects with backoff, one loop at a time, and signals
    // once, since notifications sent meanwhile are lost.
    const connect = async (): Promise<void> => {
      const next = dedicatedClient();
      // Until it listens, a failure is the caller's to retry (a server, or a proxy in front of a down
      // one, may accept and drop a connection before connect() fails): only a listening client's drop
      // starts a reconnect.
      let listening = false;
      const onDrop = () => {
        if (!listening || stopped) return;
        listening = false;
        void reconnect();
      };
      next.on('error', onDrop);
      next.on('end', onDrop);
      next.on('notification', (message) => {
        if (message.channel === channel) onNotify(message.payload ?? '');
      });
      try {
        await next.connect();
        await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (error) {
        await endQuietly(next);
        throw error;
      }
      listening = true;
      client = next;
    };
    const reconnect = async () => {
      if (reconnecting) return;
      reconnecting = true;
      try {
        for (let attempt = 1; !stopped; attempt += 1) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(5000, 100 * 2 ** attempt)));
          if (stopped) return;
          try {
            await connect();
            onNotify('');
            return;
          } catch {
            // still down: try again
          }
        }
      } finally {
        reconnecting = false;
      }
    };
    await connect();
    return async () => {
      stopped = true;
      if (client) await endQuietly(client);
    };
  };

  const tryLease = async (name: string): Promise<Lease | null> => {
    // Not from the pool: the lock lives as long as this session, and PostgreSQL frees it when the
    // process dies (even on kill -9), which is what lets a standby take over.
    const client = dedicatedClient({ query_timeout: LEASE_SILENCE_MS });
    let session = '';
    const pinger: { timer?: NodeJS.Timeout } = {};
    let markLost: () => void = () => undefined;
    const lost = new Promise<void>((resolve) => (markLost = resolve));
    const drop = () => {
      clearInterval(pinger.timer);
      markLost();
      void endQuietly(client);
    };
    client.on('error', drop);
    client.on('end', drop);
    try {
      await client.connect();
      await client.query(`SET idle_session_timeout = ${LEASE_SILENCE_MS}`);
      const { rows } = await client.query<{ locked: boolean; session: string }>(
        `SELECT pg_try_advisory_lock(${LEASE_KEY}) AS locked,
                (SELECT pid || '@' || backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()) AS session`,
        [name],
      );
      if (!rows[0]?.locked) {
        await endQuietly(client);
        return null;
      }
      session = rows[0].session;
    } catch (error) {
      await endQuietly(client);
      throw error;
    }
    // A ping that fails or goes unanswered means the session (and the lock) may be gone: lost.
    let pinging = false;
    pinger.timer = setInterval(() => {
      if (pinging) return;
      pinging = true;
      client.query('SELECT 1').then(
        () => (pinging = false),
        () => drop(),
      );
    }, LEASE_PING_MS);
    return {
      lost,
      stillHeld: async (q) =>
        (await q.query<{ session: string }>(LEASE_HOLDER, [name])).rows[0]?.session === session,
      release: async () => {
        clearInterval(pinger.timer);
        await endQuietly(client);
      },
    };
  };

  const withConnection = async <T>(work: (client: RawClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      return await work({ ...wrap(client, nameOf), raw: client });
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  };

  return {
    kind: 'postgres',
    ...wrap(pool, nameOf),
    transaction,
    listen,
    withConnection,
    tryLease,
    leaseHeld: async (name) => (await pool.query(LEASE_HOLDER, [name])).rows.length > 0,
    ping: async () => {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
};
