import { eitherLive, joinOptional, joinRecords, maxByKey } from '../shared/lattice.js';
import { defineProjection } from '../projection.js';
import { objectFold, type Filed } from '../shared/objectFold.js';
import { isoOf } from '../shared/paymentRow.js';
import { CLOSED_DISPUTE_STATUSES, type DisputeStatus } from '../shared/ranks.js';
import type { DisputeSnapshot, Ranked } from '../shared/stripeObjects.js';

type Sightings = Partial<Record<DisputeStatus, number>>;

/** Fold state of one dispute. `firstSeen`: the earliest Stripe event `created` at which each status was
 * seen, so closed_at (first sighting of the final closed status) does not depend on delivery order.
 * `datedBySnapshot`: the same for imported snapshots, whose own time is only when the sync read them:
 * a closed status is dated by what the object says (DisputeFacts.closedBy), never later than that read.
 * An event's time wins over a snapshot's dating; absent in states folded before it existed. */
export type DisputeState = {
  status: Ranked<DisputeStatus>;
  snapshot: DisputeSnapshot;
  firstSeen: Sightings;
  datedBySnapshot?: Sightings;
  updated: number;
  /** The mode of its events (the daily report's, for a dispute of a payment the ledger does not know);
   * absent in states folded before it existed. */
  livemode?: boolean;
};

const earliest = (a: Sightings, b: Sightings): Sightings =>
  joinRecords(a as Record<string, number>, b as Record<string, number>, Math.min);

export const mergeDispute = (a: DisputeState, b: DisputeState): DisputeState => ({
  status: maxByKey(a.status, b.status),
  snapshot: maxByKey(a.snapshot, b.snapshot),
  firstSeen: earliest(a.firstSeen, b.firstSeen),
  datedBySnapshot: earliest(a.datedBySnapshot ?? {}, b.datedBySnapshot ?? {}),
  updated: Math.max(a.updated, b.updated),
  livemode: joinOptional(a.livemode, b.livemode, eitherLive),
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
  'livemode',
] as const;

export const disputeFold = objectFold<DisputeState>({
  name: 'dispute',
  statesOf: (carried) =>
    carried.disputes.map(({ id, facts }) => {
      const seen = carried.context.created;
      const sighting = carried.snapshot
        ? {
            datedBySnapshot: { [facts.status.status]: Math.min(seen, facts.closedBy ?? seen) },
            firstSeen: {},
          }
        : { datedBySnapshot: {}, firstSeen: { [facts.status.status]: seen } };
      return [
        id,
        {
          status: facts.status,
          snapshot: facts.snapshot,
          ...sighting,
          updated: seen,
          livemode: carried.context.livemode,
        },
      ];
    }),
  merge: mergeDispute,
});

/** ledger.disputes: one row per dispute, from charge.dispute.* events. */
export const disputesProjection = defineProjection<Filed<DisputeState>>({
  name: 'disputes',
  fold: disputeFold,
  state: { table: 'disputes_fold_state', key: 'dispute_id' },
  rowTables: { disputes: { key: 'dispute_id', columns: DISPUTE_COLUMNS } },
  rows: (id, { paymentId, state: { status, snapshot, firstSeen, datedBySnapshot, updated, livemode } }) => {
    const closedAt = CLOSED_DISPUTE_STATUSES.includes(status.status)
      ? (firstSeen[status.status] ?? datedBySnapshot?.[status.status])
      : undefined;
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
          livemode: livemode ?? null,
        },
      ],
    };
  },
});
