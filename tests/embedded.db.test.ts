import { migrate } from '../src/db/migrate.js';
import { pgliteDb } from '../src/db/pglite.js';
import type { Db } from '../src/db/port.js';
import { waitFor } from './support/waitFor.js';

describe('the data-access port on the embedded database (PGlite)', () => {
  let db: Db;
  beforeAll(async () => {
    db = await pgliteDb();
    await migrate(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it('says it is embedded and answers a ping', async () => {
    expect(db.kind).toBe('embedded');
    expect(await db.ping()).toBe(true);
  });

  it('returns values as the pg adapter does: int8 as Number, timestamptz as Date, json parsed, numeric as text', async () => {
    const { rows } = await db.query(
      `SELECT 9007199254740991::bigint AS big, count(*) AS n, now() AS at, '{"a":[1]}'::json AS j,
              '{"b":2}'::jsonb AS jb, 12.50::numeric AS amount, NULL::text AS nothing`,
    );
    expect(rows[0]).toEqual({
      big: 9007199254740991,
      n: 1,
      at: expect.any(Date),
      j: { a: [1] },
      jb: { b: 2 },
      amount: '12.50',
      nothing: null,
    });
  });

  it('binds JS arrays to ::text[], ::uuid[], ::json[] and ::jsonb[], Dates to timestamptz, undefined as NULL', async () => {
    const uuid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
    const { rows } = await db.query(
      `SELECT $1::text[] AS texts, $2::uuid[] AS uuids, $3::json[] AS docs, $4::jsonb[] AS bdocs,
              $5::timestamptz AS at, $6::text IS NULL AS missing, $7::bigint AS position`,
      [
        ['a', 'b,"c', ''],
        [uuid],
        [JSON.stringify({ x: 'y"z' })],
        [JSON.stringify({ n: 1 })],
        new Date('2024-06-20T12:00:00Z'),
        undefined,
        42,
      ],
    );
    expect(rows[0]).toEqual({
      texts: ['a', 'b,"c', ''],
      uuids: [uuid],
      docs: [{ x: 'y"z' }],
      bdocs: [{ n: 1 }],
      at: new Date('2024-06-20T12:00:00Z'),
      missing: true,
      position: 42,
    });
  });

  it('runs several statements without parameters, as pg does for migrations', async () => {
    const result = await db.query('CREATE TEMP TABLE two (n int); INSERT INTO two VALUES (1), (2)');
    expect(result.rowCount).toBe(2);
    expect((await db.query('SELECT count(*) AS n FROM two')).rows).toEqual([{ n: 2 }]);
  });

  it('counts rows like pg: returned by a SELECT, changed by an UPDATE', async () => {
    await db.query('CREATE TEMP TABLE counted (n int)');
    await db.query('INSERT INTO counted SELECT generate_series(1, $1::int)', [3]);
    expect((await db.query('UPDATE counted SET n = n + 1 WHERE n > $1', [1])).rowCount).toBe(2);
    expect((await db.query('SELECT n FROM counted WHERE n > $1', [0])).rowCount).toBe(3);
  });

  it('runs the ledger SQL: advisory locks, hashtext, data-modifying CTEs with unnest and pg_notify', async () => {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [1]);
      const { rows } = await tx.query<{ locked: boolean; hash: number }>(
        "SELECT pg_try_advisory_lock(hashtext('stripe-ledger:' || $1)) AS locked, hashtext('x') AS hash",
        ['lease'],
      );
      expect(rows[0]).toEqual({ locked: true, hash: expect.any(Number) });
      await tx.query('CREATE TEMP TABLE cte_target (k text, doc jsonb)');
      const { rows: notified } = await tx.query(
        `WITH inserted AS (INSERT INTO cte_target SELECT * FROM unnest($1::text[], $2::jsonb[]))
         SELECT pg_notify($3, $4::text) AS sent`,
        [['a', 'b'], ['{"v":1}', '{"v":2}'], 'embedded_test', 7],
      );
      expect(notified).toEqual([{ sent: '' }]);
    });
  });

  it('queues concurrent transactions one after the other: no lost update', async () => {
    await db.query('CREATE TEMP TABLE counter (n int)');
    await db.query('INSERT INTO counter VALUES (0)');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM counter');
          await new Promise((resolve) => setTimeout(resolve, 1));
          await tx.query('UPDATE counter SET n = $1', [rows[0]!.n + 1]);
        }),
      ),
    );
    expect((await db.query('SELECT n FROM counter')).rows).toEqual([{ n: 20 }]);
  });

  it('rolls a transaction back when its work throws, and goes on serving', async () => {
    await db.query('CREATE TEMP TABLE rolled (n int)');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO rolled VALUES ($1)', [1]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(db.transaction((tx) => tx.query('SELECT 1/0'))).rejects.toMatchObject({ code: '22012' });
    expect((await db.query('SELECT count(*) AS n FROM rolled')).rows).toEqual([{ n: 0 }]);
  });

  it('refuses, instead of waiting forever, a statement issued on the db from inside its own transaction', async () => {
    await expect(db.transaction(() => db.query('SELECT 1'))).rejects.toThrow(/one connection/);
    await expect(db.withConnection(() => db.transaction(async () => 1))).rejects.toThrow(/one connection/);
    expect(await db.ping()).toBe(true);
  });

  it('holds the connection for withConnection and tells it is not a pg client', async () => {
    const raw = await db.withConnection(async (client) => {
      await client.query('BEGIN');
      await client.query('SELECT 1');
      return client.raw;
    });
    expect(raw).toEqual({ kind: 'embedded' });
    // The transaction left open by the callback was ended: the next one starts cleanly.
    expect(await db.transaction(async (tx) => (await tx.query('SELECT 2 AS n')).rows)).toEqual([{ n: 2 }]);
  });

  it('delivers notifications after commit to listeners until they unlisten', async () => {
    const payloads: string[] = [];
    const unlisten = await db.listen('embedded_channel', (payload) => payloads.push(payload));
    await db.transaction(async (tx) => {
      await tx.query("SELECT pg_notify('embedded_channel', 'one')");
      await tx.query("SELECT pg_notify('embedded_channel', 'two')");
    });
    await waitFor(() => payloads.length === 2, { what: 'two notifications' });
    expect(payloads).toEqual(['one', 'two']);
    await unlisten();
    await db.query("SELECT pg_notify('embedded_channel', 'three')");
    await db.query('SELECT 1');
    expect(payloads).toEqual(['one', 'two']);
  });

  it('grants a lease to one holder at a time in this process, and never loses it', async () => {
    const first = await db.tryLease('projection:payments');
    expect(first).not.toBeNull();
    expect(await db.tryLease('projection:payments')).toBeNull();
    expect(await db.tryLease('projection:orders')).not.toBeNull();
    const lost = await Promise.race([first!.lost.then(() => 'lost'), Promise.resolve('held')]);
    expect(lost).toBe('held');
    await first!.release();
    await first!.release();
    const second = await db.tryLease('projection:payments');
    expect(second).not.toBeNull();
    await first!.release();
    expect(await db.tryLease('projection:payments')).toBeNull();
  });
});

describe('a closed embedded database', () => {
  it('waits for queued work before closing, then answers ping false', async () => {
    const db = await pgliteDb();
    const pending = db.transaction(async (tx) => (await tx.query('SELECT 1 AS n')).rows);
    const closed = db.close();
    expect(await pending).toEqual([{ n: 1 }]);
    await closed;
    await db.close();
    expect(await db.ping()).toBe(false);
    await expect(db.tryLease('x')).rejects.toThrow(/closed/);
  });
});
