import { z } from 'zod';
import { timeRange, type ListSpec } from '../listQuery.js';
import { currencyParam, enumParam, idParam, listParams, timeParam } from '../params.js';
import { REFUND_STATUSES } from '../../domain/statuses.js';
import { refundRow } from '../rows.js';

const query = z.strictObject({
  status: enumParam(REFUND_STATUSES).optional(),
  payment_id: idParam('a payment id').optional(),
  charge_id: idParam('a charge id').optional(),
  currency: currencyParam.optional(),
  created_from: timeParam.optional().describe('created_at on or after; a date means from its start (UTC)'),
  created_to: timeParam.optional().describe('created_at on or before; a date means to its end (UTC)'),
  ...listParams,
});

export const refundsList: ListSpec<typeof query> = {
  path: '/api/refunds',
  name: 'refunds',
  summary: 'Refunds, newest first (created_at, then refund_id, descending)',
  query,
  item: refundRow,
  from: 'ledger.refunds',
  sort: [
    { column: 'created_at', kind: 'timestamptz' },
    { column: 'refund_id', kind: 'text' },
  ],
  direction: 'desc',
  where: (q, bind) => [
    q.status !== undefined && `t.status = ${bind(q.status)}`,
    q.payment_id !== undefined && `t.payment_id = ${bind(q.payment_id)}`,
    q.charge_id !== undefined && `t.charge_id = ${bind(q.charge_id)}`,
    q.currency !== undefined && `t.currency = ${bind(q.currency)}`,
    ...timeRange('t.created_at', q.created_from, q.created_to, bind),
  ],
};
