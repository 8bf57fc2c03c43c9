import type { Response } from 'express';
import type { Row } from '../db/port.js';

/** RFC 4180: fields holding a comma, quote, CR or LF are quoted, quotes doubled; lines end in CRLF.
 * null is an empty field, times ISO-8601, JSON values as JSON text, amounts as integers. */
const field = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text =
    value instanceof Date
      ? value.toISOString()
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

export const csvLine = (values: readonly unknown[]): string => `${values.map(field).join(',')}\r\n`;

const drained = (res: Response) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

export type Produce = (onBatch: (rows: Row[]) => Promise<void>) => Promise<void>;

class ClientGone extends Error {}

/**
 * Streams rows as CSV, waiting for the client to drain each batch, so memory stays flat. The status and
 * header go out with the first batch: a query that fails at once still gets a JSON error. A failure
 * later destroys the connection, so a truncated export never looks complete.
 */
export const sendCsv = async (res: Response, name: string, columns: readonly string[], produce: Produce) => {
  let started = false;
  const start = () => {
    res.status(200);
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${name}.csv"`);
    res.write(csvLine(columns));
    started = true;
  };
  try {
    await produce(async (rows) => {
      if (!started) start();
      if (res.destroyed) throw new ClientGone();
      let chunk = '';
      for (const row of rows) chunk += csvLine(columns.map((column) => row[column]));
      if (!res.write(chunk)) await drained(res);
      if (res.destroyed) throw new ClientGone();
    });
  } catch (error) {
    if (!started) throw error;
    if (!(error instanceof ClientGone))
      res.locals.error = error instanceof Error ? error.message : String(error);
    res.destroy();
    return;
  }
  if (!started) start();
  res.end();
};
