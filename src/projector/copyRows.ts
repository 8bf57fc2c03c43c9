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
const copyValue = (value: unknown): string => {
  if (value === null || value === undefined) return '\\N';
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
};

/** COPY ... FROM STDIN on a pg connection: the fast path for bulk loads. */
export const pgCopyRows =
  (client: RawClient, schema: string): CopyRows =>
  async (table, columns, rows) => {
    const sql = `COPY ${quoteIdentifier(schema)}.${quoteIdentifier(table)} (${columns.map(quoteIdentifier).join(', ')}) FROM STDIN`;
    const sink = (client.raw as pg.PoolClient).query(copyFrom(sql));
    const lines = function* () {
      for (const row of rows) yield `${row.map(copyValue).join('\t')}\n`;
    };
    await pipeline(Readable.from(lines()), sink);
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
