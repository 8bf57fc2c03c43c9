import { z } from 'zod';
import { timeRange, type ListSpec } from '../listQuery.js';
import { booleanParam, currencyParam, enumParam, listParams, timeParam } from '../params.js';
import { orderRow, PAYMENT_STATUSES } from '../rows.js';

const query = z.strictObject({
  payment_status: enumParam(PAYMENT_STATUSES).optional(),
  currency: currencyParam.optional(),
  livemode: booleanParam.optional(),
  updated_from: timeParam.optional().describe('updated_at on or after; a date means from its start (UTC)'),
  updated_to: timeParam.optional().describe('updated_at on or before; a date means to its end (UTC)'),
  ...listParams,
});

/** Orders change (updated_at moves); order_id does not, so it is the keyset. */
export const ordersList: ListSpec<typeof query> = {
  path: '/api/orders',
  name: 'orders',
  summary: 'Orders by order_id',
  query,
  item: orderRow,
  from: 'ledger.orders',
  sort: [{ column: 'order_id', kind: 'text' }],
  direction: 'asc',
  where: (q, bind) => [
    q.payment_status !== undefined && `t.payment_status = ${bind(q.payment_status)}`,
    q.currency !== undefined && `t.currency = ${bind(q.currency)}`,
    q.livemode !== undefined && `t.livemode = ${bind(q.livemode)}`,
    ...timeRange('t.updated_at', q.updated_from, q.updated_to, bind),
  ],
};
