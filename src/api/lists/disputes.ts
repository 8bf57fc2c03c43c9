import { z } from 'zod';
import { timeRange, type ListSpec } from '../listQuery.js';
import { currencyParam, enumParam, idParam, listParams, timeParam } from '../params.js';
import { DISPUTE_STATUSES } from '../../domain/statuses.js';
import { disputeRow } from '../rows.js';

const query = z.strictObject({
  status: enumParam(DISPUTE_STATUSES).optional(),
  payment_id: idParam('a payment id').optional(),
  charge_id: idParam('a charge id').optional(),
  currency: currencyParam.optional(),
  evidence_due_after: timeParam
    .optional()
    .describe('evidence_due_by on or after; a date means from its start (UTC)'),
  evidence_due_before: timeParam
    .optional()
    .describe(
      'evidence_due_by on or before; a date means to its end (UTC): disputes needing evidence by then',
    ),
  opened_from: timeParam.optional().describe('opened_at on or after; a date means from its start (UTC)'),
  opened_to: timeParam.optional().describe('opened_at on or before; a date means to its end (UTC)'),
  sort: enumParam(['opened_at', 'evidence_due_by'] as const)
    .optional()
    .describe(
      'opened_at (default): newest opened first; evidence_due_by: soonest evidence deadline first, disputes without one last (then dispute_id)',
    ),
  ...listParams,
});

export const disputesList: ListSpec<typeof query> = {
  path: '/api/disputes',
  name: 'disputes',
  summary:
    'Disputes, newest first (opened_at, then dispute_id, descending), or by evidence deadline (sort=evidence_due_by)',
  query,
  item: disputeRow,
  from: 'ledger.disputes',
  sort: [
    { column: 'opened_at', kind: 'timestamptz' },
    { column: 'dispute_id', kind: 'text' },
  ],
  direction: 'desc',
  orders: {
    evidence_due_by: {
      sort: [
        { column: 'evidence_due_by', kind: 'timestamptz', nullsLast: true },
        { column: 'dispute_id', kind: 'text' },
      ],
      direction: 'asc',
    },
  },
  where: (q, bind) => [
    q.status !== undefined && `t.status = ${bind(q.status)}`,
    q.payment_id !== undefined && `t.payment_id = ${bind(q.payment_id)}`,
    q.charge_id !== undefined && `t.charge_id = ${bind(q.charge_id)}`,
    q.currency !== undefined && `t.currency = ${bind(q.currency)}`,
    ...timeRange('t.evidence_due_by', q.evidence_due_after, q.evidence_due_before, bind),
    ...timeRange('t.opened_at', q.opened_from, q.opened_to, bind),
  ],
};
