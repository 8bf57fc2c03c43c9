import type { Response } from 'express';
import type { Row } from '../db/port.js';
import { errorMessage } from '../shared/errorMessage.js';

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): customer names,
// descriptions and metadata come from whoever paid, so such text cells get a leading apostrophe.
const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180: fields holding a comma, quote, CR or LF are quoted, quotes doubled; lines end in CRLF.
 * null is an empty field, times ISO-8601, JSON values as JSON text, amounts as integers; text that a
 * spreadsheet would run as a formula is neutralised. */
const field = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : typeof value === 'string' && FORMULA_START.test(value)
          ? `'${value}`
          : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export const csvLine = (values: readonly unknown[]): string => `${values.map(field).join(',')}\r\n`;

/** An export whose client reads nothing for this long is ended: it holds a database session (one
 * snapshot for the whole export), and sessions are what ingest and the projector need. */
export const EXPORT_STALL_MS = 30_000;

class ClientGone extends Error {}

const drained = (res: Response, stallMs: number) =>
  new Promise<void>((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onDrain);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const timer = setTimeout(
      () => done(new ClientGone(`the client read nothing for ${stallMs} ms`)),
      stallMs,
    );
    res.on('drain', onDrain);
    res.on('close', onDrain);
  });

const startCsv = (res: Response, name: string, columns: readonly string[]) => {
  res.status(200);
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${name}.csv"`);
  res.write(csvLine(columns));
};

/** A CSV answer whose lines PostgreSQL already wrote (ledger.csv_field, the rules of `csvLine`). */
export const sendCsvLines = (res: Response, name: string, columns: readonly string[], lines: string) => {
  startCsv(res, name, columns);
  res.end(lines);
};

export type Produce = (onBatch: (rows: Row[]) => Promise<void>) => Promise<void>;

/**
 * Streams rows as CSV, waiting for the client to drain each batch, so memory stays flat. The status and
 * header go out with the first batch: a query that fails at once still gets a JSON error. A failure
 * later destroys the connection, so a truncated export never looks complete.
 */
export const sendCsv = async (
  res: Response,
  name: string,
  columns: readonly string[],
  produce: Produce,
  { stallMs = EXPORT_STALL_MS } = {},
) => {
  let started = false;
  const start = () => {
    startCsv(res, name, columns);
    started = true;
  };
  try {
    await produce(async (rows) => {
      if (!started) start();
      if (res.destroyed) throw new ClientGone();
      let chunk = '';
      for (const row of rows) chunk += csvLine(columns.map((column) => row[column]));
      if (!res.write(chunk)) await drained(res, stallMs);
      if (res.destroyed) throw new ClientGone();
    });
  } catch (error) {
    if (!started) throw error;
    if (!(error instanceof ClientGone) || error.message) res.locals.error = errorMessage(error);
    res.destroy();
    return;
  }
  if (!started) start();
  res.end();
};
