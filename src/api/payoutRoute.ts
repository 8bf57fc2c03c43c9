import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { sendError } from './errors.js';
import { balanceTransactionRow, payoutRow } from './moneyRows.js';
import { idParam, parseParams } from './params.js';
import { selectList } from './rows.js';
import { inSnapshot } from './snapshot.js';

export const payoutPath = z.strictObject({ id: idParam('a payout id') });
const noQuery = z.strictObject({});

/** GET /api/payouts/:id: the payouts row, the balance transactions it paid out (its own included),
 * and their totals per reporting category and currency. */
export const payoutRoute =
  (db: Db): RequestHandler =>
  async (req, res) => {
    const { id } = parseParams(payoutPath, req.params);
    parseParams(noQuery, req.query);
    const found = await inSnapshot(db, async (tx) => {
      const payout = (
        await tx.query(`SELECT ${selectList(payoutRow, 't')} FROM ledger.payouts t WHERE t.payout_id = $1`, [
          id,
        ])
      ).rows[0];
      if (!payout) return null;
      const transactions = await tx.query(
        `SELECT ${selectList(balanceTransactionRow, 't')} FROM ledger.balance_transactions t
          WHERE t.payout_id = $1 ORDER BY t.created_at, t.balance_transaction_id`,
        [id],
      );
      const totals = await tx.query(
        `SELECT reporting_category, currency, count(*)::int AS count, sum(amount)::bigint AS gross,
                sum(fee)::bigint AS fee, sum(net)::bigint AS net
           FROM ledger.balance_transactions WHERE payout_id = $1 GROUP BY 1, 2 ORDER BY 1, 2`,
        [id],
      );
      return { ...payout, transactions: transactions.rows, totals: totals.rows };
    });
    if (!found) return void sendError(res, 404, 'not_found', `no payout with id ${id}`);
    res.json(found);
  };
