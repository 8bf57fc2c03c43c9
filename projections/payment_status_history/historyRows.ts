import type { Step as FoldStep } from '../projection.js';
import { isoOf, isoOfMillis, paymentStatusRow, type PaymentStatus } from '../shared/paymentRow.js';
import type { PaymentState } from '../shared/paymentState.js';

type StatusRow = NonNullable<ReturnType<typeof paymentStatusRow>>;

/** No event waiting (shared, never mutated). */
const NONE: PendingEvent[] = [];

type Step = FoldStep<PaymentState>;

/** An event applied while its payment had no row yet; it is recorded once the payment has one.
 * `recorded_at`: when the ledger stored the event (absent from entries written before it was kept). */
export type PendingEvent = {
  stripe_event_id: string;
  event_type: string;
  occurred_at: string;
  recorded_at?: string;
};

export type HistoryRow = Required<PendingEvent> & {
  payment_id: string;
  order_id: string | null;
  from_status: PaymentStatus | null;
  to_status: PaymentStatus;
};

const entryOf = (step: Step): PendingEvent => ({
  stripe_event_id: step.routed.event.metadata.stripe_event_id,
  event_type: step.routed.event.metadata.stripe_event_type,
  occurred_at: isoOf(step.routed.event.metadata.created),
  recorded_at: isoOfMillis(step.routed.event.recordedAt.getTime()),
});

const withoutDuplicates = (events: PendingEvent[]): PendingEvent[] => [
  ...new Map(events.map((e) => [e.stripe_event_id, e])).values(),
];

/**
 * History rows of a folded batch, pure. Each event yields one row with the payment_status before and
 * after it, and the payment's order id as the batch leaves it; `following`: the payments whose rows
 * written before the batch must take that order id (it changed, or an orphan's rows joined). An event
 * that leaves its payment without a row (a refund filed under a charge not yet linked) waits in
 * `pending` and is recorded with the transition that first gives the payment a row;
 * when an orphan joins its payment, its waiting events move with it, recorded (when the payment had a
 * row) as moving it from its own status to the joined one, as a rebuild that knew the link records them.
 */
export const historyRows = (
  steps: readonly Step[],
  loadedPending: ReadonlyMap<string, PendingEvent[]>,
): {
  rows: HistoryRow[];
  pending: Map<string, PendingEvent[]>;
  following: Map<string, { order_id: string | null }>;
} => {
  const pending = new Map(loadedPending);
  const rows = new Map<string, HistoryRow>();
  // Per payment given rows in the batch: its order id before the batch (undefined when it had no row,
  // and so no history rows either), after it, and whether rows of an orphan joined it.
  const orderBefore = new Map<string, string | null | undefined>();
  const orderAfter = new Map<string, string | null>();
  const joined = new Set<string>();
  // A step's state after is the next step's state before (states are never mutated): computed once.
  const known = new Map<PaymentState, { paymentId: string; row: StatusRow | null }>();
  const rowOf = (paymentId: string, state: PaymentState) => {
    const seen = known.get(state);
    if (seen?.paymentId === paymentId) return seen.row;
    const row = paymentStatusRow(paymentId, state);
    known.set(state, { paymentId, row });
    return row;
  };
  const record = (event: PendingEvent, paymentId: string, from: StatusRow | null, to: StatusRow) => {
    if (rows.has(event.stripe_event_id)) return;
    // Spelled out, not spread: V8 gives an object built by spreading and then extending a slow path
    // per added property (about 1 µs each, measured), and a catch-up writes a row per event.
    rows.set(event.stripe_event_id, {
      stripe_event_id: event.stripe_event_id,
      event_type: event.event_type,
      occurred_at: event.occurred_at,
      // When the ledger stored the event, not when this row was written: a rebuild writes the same.
      // An entry left waiting by an older version lacks it: its event's own time stands in.
      recorded_at: event.recorded_at ?? event.occurred_at,
      payment_id: paymentId,
      order_id: to.order_id,
      from_status: from?.payment_status ?? null,
      to_status: to.payment_status,
    });
  };
  for (const step of steps) {
    const paymentId = step.routed.key;
    const heldHere = pending.get(paymentId) ?? NONE;
    const heldAbsorbed =
      step.absorbed.length === 0 ? NONE : step.absorbed.flatMap((key) => pending.get(key) ?? []);
    step.absorbed.forEach((key) => pending.delete(key));
    const after = rowOf(paymentId, step.after);
    if (after === null) {
      const waiting = [...heldHere, ...heldAbsorbed];
      pending.set(
        paymentId,
        waiting.length === 0 ? [entryOf(step)] : withoutDuplicates([...waiting, entryOf(step)]),
      );
      continue;
    }
    pending.set(paymentId, NONE);
    const own = step.own === undefined ? null : rowOf(paymentId, step.own);
    const before = step.before === undefined ? null : rowOf(paymentId, step.before);
    if (!orderBefore.has(paymentId)) orderBefore.set(paymentId, before?.order_id);
    orderAfter.set(paymentId, after.order_id);
    if (step.absorbed.length > 0) joined.add(paymentId);
    // Events held under a charge this step joins, while the payment had a row of its own: a fold that
    // knew the link (a rebuild) applied them to that payment, moving it from its own status to the
    // joined one, before this event.
    if (own !== null && before !== null)
      for (const event of heldAbsorbed) record(event, paymentId, own, before);
    const rest = own === null ? [...heldHere, ...heldAbsorbed] : heldHere;
    for (const event of rest) record(event, paymentId, before, after);
    record(entryOf(step), paymentId, before, after);
  }
  // Every row of a payment carries its order id as it stands now: an event that arrived before the
  // one naming the order (a charge before its payment intent) is still found by order.
  for (const row of rows.values()) row.order_id = orderAfter.get(row.payment_id) ?? null;
  const following = new Map<string, { order_id: string | null }>();
  for (const [paymentId, orderId] of orderAfter) {
    const was = orderBefore.get(paymentId);
    if (joined.has(paymentId) || (was !== undefined && was !== orderId))
      following.set(paymentId, { order_id: orderId });
  }
  return { rows: [...rows.values()], pending, following };
};
