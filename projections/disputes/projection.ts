import { joinRecords, maxByKey } from '../shared/lattice.js';
import { defineProjection } from '../projection.js';
import { objectFold, type Filed } from '../shared/objectFold.js';
import { isoOf } from '../shared/paymentRow.js';
import { CLOSED_DISPUTE_STATUSES, type DisputeStatus } from '../shared/ranks.js';
import type { DisputeSnapshot, Ranked } from '../shared/stripeObjects.js';

/** Fold state of one dispute. `firstSeen`: the earliest event `created` at which each status was seen,
 * so closed_at (first sighting of the final closed status) does not depend on delivery order. */
export type DisputeState = {
  status: Ranked<DisputeStatus>;
  snapshot: DisputeSnapshot;
  firstSeen: Partial<Record<DisputeStatus, number>>;
  updated: number;
};

export const mergeDispute = (a: DisputeState, b: DisputeState): DisputeState => ({
  status: maxByKey(a.status, b.status),
  snapshot: maxByKey(a.snapshot, b.snapshot),
  firstSeen: joinRecords(
    a.firstSeen as Record<string, number>,
    b.firstSeen as Record<string, number>,
    Math.min,
  ),
  updated: Math.max(a.updated, b.updated),
});

const DISPUTE_COLUMNS = [
  'dispute_id',
  'payment_id',
  'charge_id',
  'amount',
  'currency',
  'status',
  'reason',
  'evidence_due_by',
  'opened_at',
  'closed_at',
  'updated_at',
] as const;

export const disputeFold = objectFold<DisputeState>({
  name: 'dispute',
  statesOf: (carried) =>
    carried.disputes.map(({ id, facts }) => [
      id,
      {
        status: facts.status,
        snapshot: facts.snapshot,
        firstSeen: { [facts.status.status]: carried.context.created },
        updated: carried.context.created,
      },
    ]),
  merge: mergeDispute,
});

/** ledger.disputes: one row per dispute, from charge.dispute.* events. */
export const disputesProjection = defineProjection<Filed<DisputeState>>({
  name: 'disputes',
  fold: disputeFold,
  state: { table: 'disputes_fold_state', key: 'dispute_id' },
  rowTables: { disputes: { key: 'dispute_id', columns: DISPUTE_COLUMNS } },
  rows: (id, { paymentId, state: { status, snapshot, firstSeen, updated } }) => {
    const closedAt = CLOSED_DISPUTE_STATUSES.includes(status.status) ? firstSeen[status.status] : undefined;
    return {
      disputes: [
        {
          dispute_id: id,
          payment_id: paymentId,
          charge_id: snapshot.chargeId,
          amount: snapshot.amount,
          currency: snapshot.currency,
          status: status.status,
          reason: snapshot.reason,
          evidence_due_by: snapshot.evidenceDueBy === null ? null : isoOf(snapshot.evidenceDueBy),
          opened_at: isoOf(snapshot.created),
          closed_at: closedAt === undefined ? null : isoOf(closedAt),
          updated_at: isoOf(updated),
        },
      ],
    };
  },
});
