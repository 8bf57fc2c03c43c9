import { z } from 'zod';
import { timeRange, type ListSpec, type Looked } from '../listQuery.js';
import {
  booleanParam,
  currencyParam,
  enumParam,
  idParam,
  listParams,
  orderIdParam,
  timeParam,
} from '../params.js';
import { PAYMENT_INTENT_STATUSES } from '../../domain/statuses.js';
import { PAYMENT_STATUSES, paymentRow } from '../rows.js';

const query = z.strictObject({
  payment_status: enumParam(PAYMENT_STATUSES).optional(),
  status: enumParam(PAYMENT_INTENT_STATUSES).optional().describe("Stripe's payment intent status"),
  order_id: orderIdParam.optional(),
  customer_id: idParam('a customer id').optional(),
  charge_id: idParam('a charge id')
    .optional()
    .describe(
      'the payment this charge belongs to: its latest charge, or an earlier one (a declined attempt)',
    ),
  currency: currencyParam.optional(),
  livemode: booleanParam.optional(),
  created_from: timeParam.optional().describe('created_at on or after; a date means from its start (UTC)'),
  created_to: timeParam.optional().describe('created_at on or before; a date means to its end (UTC)'),
  ...listParams,
});

export const paymentsList: ListSpec<typeof query> = {
  path: '/api/payments',
  name: 'payments',
  summary: 'Payments, newest first (created_at, then payment_id, descending)',
  query,
  item: paymentRow,
  from: 'ledger.payments',
  sort: [
    { column: 'created_at', kind: 'timestamptz' },
    { column: 'payment_id', kind: 'text' },
  ],
  direction: 'desc',
  // An earlier charge (a declined attempt before the one that succeeded) is no payment's latest: the
  // event store knows which payment it belongs to.
  lookup: async (q, lookups): Promise<Looked> =>
    q.charge_id === undefined ? {} : { chargePayment: await lookups.paymentOfCharge(q.charge_id) },
  where: (q, bind) => [
    q.payment_status !== undefined && `t.payment_status = ${bind(q.payment_status)}`,
    q.status !== undefined && `t.status = ${bind(q.status)}`,
    q.order_id !== undefined && `t.order_id = ${bind(q.order_id)}`,
    q.customer_id !== undefined && `t.customer_id = ${bind(q.customer_id)}`,
    q.charge_id !== undefined &&
      (typeof q.looked?.chargePayment === 'string'
        ? `(t.latest_charge_id = ${bind(q.charge_id)} OR t.payment_id = ${bind(q.looked.chargePayment)})`
        : `t.latest_charge_id = ${bind(q.charge_id)}`),
    q.currency !== undefined && `t.currency = ${bind(q.currency)}`,
    q.livemode !== undefined && `t.livemode = ${bind(q.livemode)}`,
    ...timeRange('t.created_at', q.created_from, q.created_to, bind),
  ],
};
