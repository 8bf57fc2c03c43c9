import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { decodeCursor, encodeCursor, type CursorKey } from './cursor.js';
import { sendCsvLines } from './csv.js';
import { wantsCsv } from './listRoute.js';
import { settlementRow } from './moneyRows.js';
import { dateParam, listParams, parseParams } from './params.js';
import { columnsOf } from './rows.js';

export const settlementQuery = z
  .strictObject({
    from: dateParam.describe('first UTC day, inclusive'),
    to: dateParam.describe('last UTC day, inclusive'),
    limit: listParams.limit.describe(
      'rows per page, 1 to 1000; default (JSON and CSV alike): every row of the range, which bounds it',
    ),
    cursor: listParams.cursor,
    format: listParams.format,
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must be on or after from' });

// A page ends at a row's key (its day's midnight UTC, currency, reporting category): the next starts
// after it. The day travels as an instant so the cursor check refuses anything PostgreSQL would.
const CURSOR = 'settlement';
const CURSOR_KEYS: readonly CursorKey[] = [{ kind: 'timestamptz' }, { kind: 'text' }, { kind: 'text' }];

// Totals the balance_transactions projection keeps per day as transactions arrive: a year of them is a
// few thousand rows, whatever the number of transactions, read in the primary key's order (sorting by
// the day's text would collate it). Both answers are built by PostgreSQL and sent as they come: the
// rows are not parsed and serialised again in Node. $3-$5: the key of the previous page's last row (null:
// from the start); $6: how many rows (null: all).
const RANGE = `FROM ledger.settlement_daily d WHERE d.day BETWEEN $1::date AND $2::date
   AND ($3::timestamptz IS NULL OR (d.day, d.currency, d.reporting_category)
        > (($3::timestamptz AT TIME ZONE 'UTC')::date, $4::text, $5::text))`;
const ORDER = `ORDER BY d.day, d.currency, d.reporting_category LIMIT $6::int`;

const SETTLEMENT_JSON = `
SELECT coalesce(json_agg(r), '[]')::text AS data FROM (
  SELECT to_char(d.day, 'YYYY-MM-DD') AS day, d.currency, d.reporting_category, d.count::int AS count,
         d.gross, d.fee, d.net
    ${RANGE}
   ${ORDER}) r`;

const SETTLEMENT_CSV = `
SELECT coalesce(string_agg(line, '' ORDER BY day, currency, reporting_category), '') AS lines FROM (
  SELECT d.day, d.currency, d.reporting_category,
         concat_ws(',', to_char(d.day, 'YYYY-MM-DD'), ledger.csv_field(d.currency),
                   ledger.csv_field(d.reporting_category), d.count, d.gross, d.fee, d.net) || E'\r\n' AS line
    ${RANGE}
   ${ORDER}) r`;

type SettlementKey = { day: string; currency: string; reporting_category: string };

/**
 * GET /api/reports/settlement?from=&to=: per UTC day of the transaction's created, currency and
 * reporting category, its count, gross (sum of amount), fee and net. Like every list it takes `limit`
 * and `cursor` (JSON pages carry next_cursor); unlike the others its JSON answer is every row of the
 * range unless `limit` is given, as CSV is: the range bounds it, and readers take the whole report.
 */
export const settlementReportRoute =
  (db: Db): RequestHandler =>
  async (req, res) => {
    const query = parseParams(settlementQuery, req.query);
    const after = query.cursor === undefined ? null : decodeCursor(CURSOR, CURSOR_KEYS, query.cursor);
    const params = (rows: number | null) => [query.from, query.to, ...(after ?? [null, null, null]), rows];
    if (wantsCsv(req, query.format)) {
      const { rows } = await db.query<{ lines: string }>(SETTLEMENT_CSV, params(query.limit ?? null));
      sendCsvLines(res, `settlement-${query.from}-${query.to}`, columnsOf(settlementRow), rows[0]!.lines);
      return;
    }
    // One row more than a page, to know whether another follows.
    const { rows } = await db.query<{ data: string }>(
      SETTLEMENT_JSON,
      params(query.limit === undefined ? null : query.limit + 1),
    );
    const data = rows[0]!.data;
    if (query.limit === undefined) {
      res.type('application/json').send(`{"data":${data},"next_cursor":null}`);
      return;
    }
    const rowsRead = JSON.parse(data) as SettlementKey[];
    const page = rowsRead.slice(0, query.limit);
    const last = page.at(-1);
    const next =
      rowsRead.length > query.limit && last !== undefined
        ? encodeCursor(CURSOR, [`${last.day}T00:00:00Z`, last.currency, last.reporting_category])
        : null;
    res.json({ data: page, next_cursor: next });
  };
