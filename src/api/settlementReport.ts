import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { sendCsv } from './csv.js';
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
// few thousand rows, whatever the number of transactions.
const SETTLEMENT_ROWS = `
SELECT to_char(day, 'YYYY-MM-DD') AS day, currency, reporting_category, count::int AS count,
       gross, fee, net
  FROM ledger.settlement_daily
 WHERE day BETWEEN $1::date AND $2::date
 ORDER BY day, currency, reporting_category`;

// The JSON answer is built by PostgreSQL and sent as it comes: thousands of rows are not parsed and
// serialised again.
const SETTLEMENT_JSON = `SELECT coalesce(json_agg(r), '[]')::text AS data FROM (${SETTLEMENT_ROWS}) r`;

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
    const { rows } = await db.query(SETTLEMENT_ROWS, [query.from, query.to]);
    await sendCsv(res, `settlement-${query.from}-${query.to}`, columnsOf(settlementRow), (onBatch) =>
      onBatch(rows),
    );
  };
