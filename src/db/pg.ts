import pg from 'pg';
import type { Db, Lease, Queryable, RawClient, Row } from './port.js';

// int8 (bigint) columns carry global positions and amounts: both stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type PgDbOptions = { connectionString: string; max?: number; applicationName?: string };

const wrap = (client: pg.PoolClient | pg.Pool): Queryable => ({
  query: async <R extends Row>(sql: string, params?: readonly unknown[]) => {
    const result = await client.query(sql, params as unknown[]);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  },
});

export const pgDb = (options: PgDbOptions): Db => {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'stripe-ledger',
    connectionTimeoutMillis: 5000,
  });
  // An idle client that loses its server must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  // Nor a checked-out one: pg emits 'error' on the client as well as failing its queries, and the pool
  // only listens while the client is idle. The failed query reports the loss; release drops the client.
  pool.on('connect', (client) => client.on('error', () => undefined));

  const transaction = async <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(wrap(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  };

  const listen = async (channel: string, onNotify: (payload: string) => void) => {
    let stopped = false;
    let client: pg.Client | undefined;
    // A dedicated client: a pooled one would be handed to other work while still listening. When its
    // connection drops (a database restart) it reconnects with backoff and signals once, since
    // notifications sent meanwhile are lost.
    const connect = async (): Promise<void> => {
      const next = new pg.Client({ connectionString: options.connectionString, keepAlive: true });
      let dropped = false;
      const onDrop = () => {
        if (dropped || stopped) return;
        dropped = true;
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
        // The caller retries; this client must not start a second reconnect loop of its own.
        dropped = true;
        await next.end().catch(() => undefined);
        throw error;
      }
      client = next;
    };
    const reconnect = async () => {
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
    };
    await connect();
    return async () => {
      stopped = true;
      await client?.end().catch(() => undefined);
    };
  };

  const tryLease = async (name: string): Promise<Lease | null> => {
    // Not from the pool: the lock lives as long as this session, and PostgreSQL frees it when the
    // process dies (even on kill -9), which is what lets a standby take over.
    const client = new pg.Client({ connectionString: options.connectionString, keepAlive: true });
    let markLost: () => void = () => undefined;
    const lost = new Promise<void>((resolve) => (markLost = resolve));
    client.on('error', () => markLost());
    client.on('end', () => markLost());
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext('stripe-ledger:' || $1)) AS locked",
      [name],
    );
    if (!rows[0]?.locked) {
      await client.end().catch(() => undefined);
      return null;
    }
    return { lost, release: () => client.end().catch(() => undefined) };
  };

  const withConnection = async <T>(work: (client: RawClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken = false;
    try {
      return await work({ ...wrap(client), raw: client });
    } catch (error) {
      broken = true;
      throw error;
    } finally {
      client.release(broken);
    }
  };

  return {
    kind: 'postgres',
    ...wrap(pool),
    transaction,
    listen,
    withConnection,
    tryLease,
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
