/**
 * The engine's batched writes send rows as one text per column (src/projector/engine/columnText.ts),
 * falling back to a JSON array when a value cannot travel so. Either way a table must hold exactly what
 * the JSON array of the same rows gives (json_populate_recordset, how rows were written before): the
 * property compares the two side by side over every column type the read models use.
 */
import fc from 'fast-check';
import type { Db } from '../src/db/port.js';
import { columnTexts, columnTypesOf } from '../src/projector/engine/columnText.js';
import { insertNewRows, upsertRows } from '../src/projector/engine/sql.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const COLUMNS = ['id', 'label', 'amount', 'flag', 'at', 'day', 'doc', 'small'] as const;
const TABLE_SQL = `(id text PRIMARY KEY, label text, amount bigint, flag boolean, at timestamptz,
  day date, doc jsonb, small smallint)`;

let database: TestDatabase;
let db: Db;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await db.query('CREATE SCHEMA scratch');
  for (const table of ['written', 'expected']) await db.query(`CREATE TABLE scratch.${table} ${TABLE_SQL}`);
});
afterAll(() => database.drop());

/** What rows used to be written with: a JSON array read into the table's row type. */
const viaJson = (table: string, rows: readonly object[]) =>
  db.query(
    `INSERT INTO ${table} (${COLUMNS.join(', ')})
     SELECT ${COLUMNS.join(', ')} FROM json_populate_recordset(null::${table}, $1::json)`,
    [JSON.stringify(rows)],
  );

const contents = async (table: string) =>
  (await db.query(`SELECT * FROM ${table} ORDER BY id`)).rows.map((row) => ({ ...row }));

// Text as webhooks carry it: separators, quotes, backslashes, line breaks and non-ASCII included.
const text = fc.string({
  unit: fc.constantFrom(
    'a',
    'Z',
    ' ',
    '"',
    "'",
    '\\',
    '\n',
    ',',
    '{',
    '}',
    'é',
    '😀',
    '\u001e',
    '\u001f',
    '',
  ),
  maxLength: 12,
});
const row = (id: string) =>
  fc.record({
    id: fc.constant(id),
    label: fc.option(text, { nil: null }),
    amount: fc.option(fc.integer({ min: -1e12, max: 1e12 }), { nil: null }),
    flag: fc.option(fc.boolean(), { nil: undefined }),
    at: fc.option(
      fc.integer({ min: 0, max: 2e9 }).map((s) => new Date(s * 1000).toISOString()),
      { nil: null },
    ),
    day: fc.option(fc.constantFrom('2024-03-01', '2026-11-30'), { nil: null }),
    doc: fc.option(fc.oneof(fc.jsonValue({ maxDepth: 2 }), text), { nil: null }),
    small: fc.option(fc.integer({ min: -300, max: 300 }), { nil: null }),
  });
const rows = fc
  .uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { minLength: 1, maxLength: 8 })
  .chain((ids) => fc.tuple(...ids.map(row)));

describe('rows written by the engine', () => {
  it('hold exactly what a JSON array of the same rows gives, for every column type', async () => {
    await fc.assert(
      fc.asyncProperty(rows, rows, async (first, second) => {
        await db.query('TRUNCATE scratch.written, scratch.expected');
        await upsertRows(db, 'scratch.written', 'id', COLUMNS, first);
        // The second batch updates rows of the first and adds others (ids with '_' are never the first's).
        const update = second.map((r, i) => ({ ...r, id: i < first.length ? first[i]!.id : `new_${r.id}` }));
        await upsertRows(db, 'scratch.written', 'id', COLUMNS, update);
        const merged = new Map<string, object>([...first, ...update].map((r) => [r.id, r]));
        await viaJson('scratch.expected', [...merged.values()]);
        expect(await contents('scratch.written')).toEqual(await contents('scratch.expected'));
      }),
      { numRuns: 60 },
    );
  });

  it('inserts new rows only, leaving a row already there as it was', async () => {
    await db.query('TRUNCATE scratch.written');
    await insertNewRows(db, 'scratch.written', 'id', COLUMNS, [{ id: 'a', label: 'first' }]);
    await insertNewRows(db, 'scratch.written', 'id', COLUMNS, [
      { id: 'a', label: 'second' },
      { id: 'b', label: '' },
    ]);
    expect((await contents('scratch.written')).map((r) => [r.id, r.label])).toEqual([
      ['a', 'first'],
      ['b', ''],
    ]);
  });

  it('keeps a lone empty string empty, not missing', async () => {
    await db.query('TRUNCATE scratch.written');
    await upsertRows(db, 'scratch.written', 'id', COLUMNS, [{ id: 'x', label: '' }]);
    expect((await contents('scratch.written'))[0]).toMatchObject({ id: 'x', label: '' });
  });

  it('refuses a NUL in text as PostgreSQL does, storing nothing', async () => {
    await db.query('TRUNCATE scratch.written');
    await expect(
      upsertRows(db, 'scratch.written', 'id', COLUMNS, [
        { id: 'a', label: 'ok' },
        { id: 'b', label: 'nul\u0000here' },
      ]),
    ).rejects.toThrow(/unsupported Unicode escape sequence|0x00/);
    expect(await contents('scratch.written')).toEqual([]);
  });
});

describe('column texts', () => {
  it('send a value holding a separator as JSON instead', async () => {
    const types = await columnTypesOf(db, 'scratch.written');
    expect(columnTexts(['id', 'label'], types, [{ id: 'a', label: 'x\u001ey' }, { id: 'b' }])).toBeNull();
    expect(columnTexts(['id', 'label'], types, [{ id: 'a', label: 'x' }, { id: 'b' }])).toEqual([
      'a\u001eb',
      'x\u001e\u001f',
    ]);
  });

  it('name a table that does not exist', async () => {
    await expect(columnTypesOf(db, 'scratch.nothing_here')).rejects.toThrow(
      'table scratch.nothing_here does not exist',
    );
  });
});
