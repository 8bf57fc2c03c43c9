import { z } from 'zod';
import { timeRange, type ListSpec } from '../listQuery.js';
import { balanceTransactionRow } from '../moneyRows.js';
import { currencyParam, idParam, listParams, timeParam } from '../params.js';

// Stripe adds categories and types over time: any word is a valid filter.
const word = (what: string) =>
  z.string().regex(/^[a-z0-9_]{1,64}$/, `must be ${what}: lowercase letters, digits or _`);

const query = z.strictObject({
  reporting_category: word('a reporting category such as charge or refund').optional(),
  type: word('a balance transaction type such as charge or payout').optional(),
  payment_id: idParam('a payment id').optional(),
  payout_id: idParam('a payout id').optional(),
  currency: currencyParam.optional(),
  created_from: timeParam.optional().describe('created_at on or after; a date means from its start (UTC)'),
  created_to: timeParam.optional().describe('created_at on or before; a date means to its end (UTC)'),
  ...listParams,
});

export const balanceTransactionsList: ListSpec<typeof query> = {
  path: '/api/balance-transactions',
  name: 'balance-transactions',
  summary: 'Balance transactions (amount, fee, net, category), newest first',
  query,
  item: balanceTransactionRow,
  from: 'ledger.balance_transactions',
  sort: [
    { column: 'created_at', kind: 'timestamptz' },
    { column: 'balance_transaction_id', kind: 'text' },
  ],
  direction: 'desc',
  where: (q, bind) => [
    q.reporting_category !== undefined && `t.reporting_category = ${bind(q.reporting_category)}`,
    q.type !== undefined && `t.type = ${bind(q.type)}`,
    q.payment_id !== undefined && `t.payment_id = ${bind(q.payment_id)}`,
    q.payout_id !== undefined && `t.payout_id = ${bind(q.payout_id)}`,
    q.currency !== undefined && `t.currency = ${bind(q.currency)}`,
    ...timeRange('t.created_at', q.created_from, q.created_to, bind),
  ],
};
