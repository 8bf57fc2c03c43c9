import { z } from 'zod';
import { timeRange, type ListSpec } from '../listQuery.js';
import { booleanParam, idParam, listParams, timeParam } from '../params.js';
import { webhookEventRow } from '../rows.js';

const query = z.strictObject({
  type: z
    .string()
    .regex(/^[a-z0-9_.]{1,100}$/, 'must be a Stripe event type such as charge.refunded')
    .optional(),
  event_id: idParam('a Stripe event id').optional(),
  failed: booleanParam.optional().describe('true: events a projection could not apply'),
  processed: booleanParam.optional().describe('false: events some projection has not applied yet'),
  created_from: timeParam.optional().describe('received on or after; a date means from its start (UTC)'),
  created_to: timeParam.optional().describe('received on or before; a date means to its end (UTC)'),
  ...listParams,
});

export const webhookEventsList: ListSpec<typeof query> = {
  path: '/api/webhooks/events',
  name: 'webhook_events',
  summary: 'Stored webhook events, newest first, with their projection state',
  query,
  item: webhookEventRow,
  // The view shows the payload as delivered minus its secrets (migrations 0047, 0056).
  from: 'ledger.webhook_events',
  sort: [{ column: 'id', kind: 'bigint' }],
  direction: 'desc',
  where: (q, bind) => [
    q.type !== undefined && `t.event_type = ${bind(q.type)}`,
    q.event_id !== undefined && `t.event_id = ${bind(q.event_id)}`,
    q.failed !== undefined && `t.error_message IS ${q.failed ? 'NOT NULL' : 'NULL'}`,
    q.processed !== undefined && `t.processed = ${bind(q.processed)}`,
    ...timeRange('t.created_at', q.created_from, q.created_to, bind),
  ],
};
