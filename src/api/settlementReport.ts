import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { sendCsvLines } from './csv.js';
import { wantsCsv } from './listRoute.js';
import { settlementRow } from './moneyRows.js';
import { dateParam, listParams, parseParams } from './params.js';
import { columnsOf } from './rows.js';

export const settlementQuery = z
  .strictObject({
    from: dateParam.describe('first UTC day, inclusive'),
    to: dateParam.describe('last UTC day, inclusive'),
    format: listParams.format,
  })
  .refine((q) => q.from <= q.to, { path: ['to'], message: 'must be on or after from' });

// Totals the balance_transactions projection keeps per day as transactions arrive: a year of them is a
// few thousand rows, whatever the number of transactions, read in the primary key's order (sorting by
// the day's text would collate it). Both answers are built by PostgreSQL and sent as they come: the
// rows are not parsed and serialised again in Node.
const RANGE = `FROM ledger.settlement_daily d WHERE d.day BETWEEN $1::date AND $2::date`;

const SETTLEMENT_JSON = `
SELECT coalesce(json_agg(r), '[]')::text AS data FROM (
  SELECT to_char(d.day, 'YYYY-MM-DD') AS day, d.currency, d.reporting_category, d.count::int AS count,
         d.gross, d.fee, d.net
    ${RANGE}
   ORDER BY d.day, d.currency, d.reporting_category) r`;

const SETTLEMENT_CSV = `
SELECT coalesce(string_agg(
         concat_ws(',', to_char(d.day, 'YYYY-MM-DD'), ledger.csv_field(d.currency),
                   ledger.csv_field(d.reporting_category), d.count, d.gross, d.fee, d.net) || E'\r\n',
         '' ORDER BY d.day, d.currency, d.reporting_category), '') AS lines
  ${RANGE}`;

/** GET /api/reports/settlement?from=&to=: per UTC day of the transaction's created, currency and
 * reporting category, its count, gross (sum of amount), fee and net. */
export const settlementReportRoute =
  (db: Db): RequestHandler =>
  async (req, res) => {
    const query = parseParams(settlementQuery, req.query);
    if (!wantsCsv(req, query.format)) {
      const { rows } = await db.query<{ data: string }>(SETTLEMENT_JSON, [query.from, query.to]);
      res.type('application/json').send(`{"data":${rows[0]!.data},"next_cursor":null}`);
      return;
    }
    const { rows } = await db.query<{ lines: string }>(SETTLEMENT_CSV, [query.from, query.to]);
    sendCsvLines(res, `settlement-${query.from}-${query.to}`, columnsOf(settlementRow), rows[0]!.lines);
  };
