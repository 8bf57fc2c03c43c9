import { z } from 'zod';
import { timeRange, type ListSpec } from '../listQuery.js';
import { payoutRow } from '../moneyRows.js';
import { PAYOUT_STATUSES } from '../../domain/statuses.js';
import { enumParam, listParams, timeParam } from '../params.js';

const query = z.strictObject({
  status: enumParam(PAYOUT_STATUSES).optional(),
  created_from: timeParam.optional().describe('created_at on or after; a date means from its start (UTC)'),
  created_to: timeParam.optional().describe('created_at on or before; a date means to its end (UTC)'),
  ...listParams,
});

export const payoutsList: ListSpec<typeof query> = {
  path: '/api/payouts',
  name: 'payouts',
  summary: 'Payouts with their reconciliation, newest first',
  query,
  item: payoutRow,
  from: 'ledger.payouts',
  sort: [
    { column: 'created_at', kind: 'timestamptz' },
    { column: 'payout_id', kind: 'text' },
  ],
  direction: 'desc',
  where: (q, bind) => [
    q.status !== undefined && `t.status = ${bind(q.status)}`,
    ...timeRange('t.created_at', q.created_from, q.created_to, bind),
  ],
};
