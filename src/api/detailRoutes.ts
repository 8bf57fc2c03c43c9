import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { sendError } from './errors.js';
import { balanceTransactionRow } from './moneyRows.js';
import { idParam, orderIdParam, parseParams } from './params.js';
import { disputeRow, historyRow, orderRow, paymentRow, refundRow, selectList } from './rows.js';
import { inSnapshot } from './snapshot.js';

const select = (row: z.ZodObject, table: string) => `SELECT ${selectList(row, 't')} FROM ${table} t`;

const noQuery = z.strictObject({});

export const paymentPath = z.strictObject({ id: idParam('a payment id') });

/** GET /api/payments/:id: the payments row plus its refunds, disputes, status history and balance
 * transactions (what Stripe charged and paid out for it). */
export const paymentRoute =
  (db: Db): RequestHandler =>
  async (req, res) => {
    const { id } = parseParams(paymentPath, req.params);
    parseParams(noQuery, req.query);
    const found = await inSnapshot(db, async (tx) => {
      const payment = (
        await tx.query(`${select(paymentRow, 'ledger.payments')} WHERE t.payment_id = $1`, [id])
      ).rows[0];
      if (!payment) return null;
      const refunds = await tx.query(
        `${select(refundRow, 'ledger.refunds')} WHERE t.payment_id = $1 ORDER BY t.created_at, t.refund_id`,
        [id],
      );
      const disputes = await tx.query(
        `${select(disputeRow, 'ledger.disputes')} WHERE t.payment_id = $1 ORDER BY t.opened_at, t.dispute_id`,
        [id],
      );
      const history = await tx.query(
        `${select(historyRow, 'ledger.payment_status_history')} WHERE t.payment_id = $1
          ORDER BY t.occurred_at, t.recorded_at, t.stripe_event_id`,
        [id],
      );
      const balanceTransactions = await tx.query(
        `${select(balanceTransactionRow, 'ledger.balance_transactions')} WHERE t.payment_id = $1
          ORDER BY t.created_at, t.balance_transaction_id`,
        [id],
      );
      return {
        ...payment,
        refunds: refunds.rows,
        disputes: disputes.rows,
        history: history.rows,
        balance_transactions: balanceTransactions.rows,
      };
    });
    if (!found) return void sendError(res, 404, 'not_found', `no payment with id ${id}`);
    res.json(found);
  };

export const orderPath = z.strictObject({ order_id: orderIdParam });

/** GET /api/orders/:order_id: the orders row plus its payments. */
export const orderRoute =
  (db: Db): RequestHandler =>
  async (req, res) => {
    const { order_id: orderId } = parseParams(orderPath, req.params);
    parseParams(noQuery, req.query);
    const found = await inSnapshot(db, async (tx) => {
      const order = (await tx.query(`${select(orderRow, 'ledger.orders')} WHERE t.order_id = $1`, [orderId]))
        .rows[0];
      if (!order) return null;
      const payments = await tx.query(
        `${select(paymentRow, 'ledger.payments')} WHERE t.order_id = $1 ORDER BY t.created_at, t.payment_id`,
        [orderId],
      );
      return { ...order, payments: payments.rows };
    });
    if (!found) return void sendError(res, 404, 'not_found', `no order with order_id ${orderId}`);
    res.json(found);
  };
