import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { RawClient } from '../db/port.js';
import type { CopyRows } from '../../projections/bulk.js';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
export const quoteIdentifier = (name: string): string => {
  if (!IDENTIFIER.test(name)) throw new Error(`invalid SQL identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
};

// COPY text format: backslash escapes for the characters that delimit fields and rows; \N is NULL.
const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
export const copyValue = (value: unknown): string => {
  if (value === null || value === undefined) return '\\N';
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  // One scan in the common case of nothing to escape (JSON escapes control characters itself).
  return SPECIAL.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c]!) : text;
};

/** A COPY text line; several are sent per chunk, so streaming costs little per row. */
export const copyLine = (row: readonly unknown[]): string => {
  let line = '';
  for (let i = 0; i < row.length; i += 1) line += (i === 0 ? '' : '\t') + copyValue(row[i]);
  return `${line}\n`;
};

const CHUNK_CHARS = 64 * 1024;

/** COPY ... FROM STDIN on a pg connection: the fast path for bulk loads. */
export const pgCopyRows =
  (client: RawClient, schema: string): CopyRows =>
  async (table, columns, rows) => {
    const sql = `COPY ${quoteIdentifier(schema)}.${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) FROM STDIN`;
    const sink = (client.raw as pg.PoolClient).query(copyFrom(sql));
    const chunks = function* () {
      let chunk = '';
      for (const row of rows) {
        chunk += copyLine(row);
        if (chunk.length >= CHUNK_CHARS) {
          yield chunk;
          chunk = '';
        }
      }
      if (chunk.length > 0) yield chunk;
    };
    await pipeline(Readable.from(chunks()), sink);
  };

/** Multi-row INSERTs for a database without COPY (the embedded one). */
export const insertCopyRows =
  (client: RawClient, schema: string, chunk = 500): CopyRows =>
  async (table, columns, rows) => {
    const target = `${quoteIdentifier(schema)}.${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')})`;
    let batch: (readonly unknown[])[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const params = batch.flatMap((row) =>
        row.map((value) =>
          value !== null && typeof value === 'object' && !(value instanceof Date)
            ? JSON.stringify(value)
            : value,
        ),
      );
      const tuples = batch.map(
        (_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`,
      );
      await client.query(`INSERT INTO ${target} VALUES ${tuples.join(', ')}`, params);
      batch = [];
    };
    for (const row of rows) {
      batch.push(row);
      if (batch.length >= chunk) await flush();
    }
    await flush();
  };

/** Runs `work` on a connection of its own (CopyRows bound to the target schema on it). */
export type LoadRunner = (work: (client: RawClient, copy: CopyRows) => Promise<void>) => Promise<void>;

export type LoadQueue = {
  /** Queues the rows (taken at once); resolves when at most `depth` jobs are ahead, rejects with the
   * first failure of any job. */
  copy: CopyRows;
  /** Queues a statement, as `copy` does. */
  run(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Resolves when every job queued so far is done; rejects with the first failure. */
  settled(): Promise<void>;
};

/**
 * Loads and statements run one after the other, in call order, while the caller goes on (folding the
 * next batch): the database works on its own core meanwhile. After a failure nothing more runs.
 */
export const loadQueue = (runner: LoadRunner, depth = 4): LoadQueue => {
  let tail: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | null = null;
  const queued: Promise<void>[] = [];
  const check = () => {
    if (failure) throw failure.error;
  };
  const enqueue = async (work: (client: RawClient, copy: CopyRows) => Promise<void>) => {
    check();
    const job = tail.then(() => (failure ? undefined : runner(work)));
    tail = job.catch((error: unknown) => {
      failure ??= { error };
    });
    queued.push(tail);
    while (queued.length > depth) await queued.shift();
    check();
  };
  return {
    copy: (table, columns, rows) => {
      const taken = [...rows];
      return enqueue((_, copy) => copy(table, columns, taken));
    },
    run: (sql, params) =>
      enqueue(async (client) => {
        await client.query(sql, params);
      }),
    settled: async () => {
      await tail;
      check();
    },
  };
};
