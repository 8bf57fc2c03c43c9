/**
 * Generated payment lifecycles for property and database tests (test-only): realistic event sequences
 * in logical order, with the row they must end in. Same-second `created` ties come from zero gaps.
 */
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { PaymentStatus } from '../../projections/shared/paymentRow.js';
import { charge, dispute, paymentIntent, refund, stripeEvent, T0, type ChargeShape } from './testEvents.js';

export type Flow =
  | 'paid'
  | 'threeDS'
  | 'failedThenPaid'
  | 'failureOnly'
  | 'canceled'
  | 'authorized'
  | 'manualCapture'
  | 'legacyCharge';
export type RefundSpec = { amount: number; fate: 'succeeded' | 'pending' | 'failsLater'; orphan: boolean };
export type LifecycleSpec = {
  n: number;
  flow: Flow;
  /** API <= 2022-08-01: charges embedded in payment intents, refunds in charges, and refunds or
   * disputes naming only their charge. */
  oldApi: boolean;
  refunds: RefundSpec[];
  dispute: { outcome: 'lost' | 'won' | 'inquiry'; orphan: boolean } | null;
  /** Seconds between consecutive events, cycled; 0 makes a same-second tie. */
  gaps: number[];
};
export type Lifecycle = {
  paymentId: string;
  events: StoredEvent[];
  expected: { payment_status: PaymentStatus; amount_refunded: number; dispute_status: string | null };
};

const AMOUNT = 2000;
const PAID_FLOWS: Flow[] = ['paid', 'threeDS', 'failedThenPaid', 'manualCapture', 'legacyCharge'];
const DISPUTE_PATHS = {
  lost: ['needs_response', 'lost'],
  won: ['needs_response', 'under_review', 'won'],
  inquiry: ['warning_needs_response', 'warning_closed'],
} as const;

export const buildLifecycle = (spec: LifecycleSpec): Lifecycle => {
  const pi = `pi_L${spec.n}`;
  const main = `ch_L${spec.n}a`;
  const legacy = spec.flow === 'legacyCharge';
  const paymentId = legacy ? main : pi;
  const start = T0 + spec.n * 10_000;
  let clock = start;
  let tick = 0;
  const next = () => (clock += spec.gaps[tick++ % spec.gaps.length] ?? 1);
  const events: StoredEvent[] = [];
  const charges = new Map<string, ChargeShape>();
  const refunds = new Map<string, Record<string, unknown>>();
  // What ingest knew when appending a refund or dispute naming only its charge: a legacy charge has no link.
  const links = new Map(legacy ? [] : [[main, pi]]);

  const chargeObject = (id: string) => {
    const embedded = [...refunds.values()].filter((r) => r.charge === id).reverse();
    return charge({ ...charges.get(id)!, ...(spec.oldApi && { refunds: embedded }) });
  };
  const emitCharge = (type: Parameters<typeof stripeEvent>[0], id: string, change: Partial<ChargeShape>) => {
    const created = next();
    charges.set(id, { created, ...charges.get(id), ...change } as ChargeShape);
    events.push(stripeEvent(type, chargeObject(id), { created }));
  };
  const emitPi = (type: Parameters<typeof stripeEvent>[0], status: string, extra = {}) => {
    const ids = [...charges.keys()];
    const shape = spec.oldApi
      ? { charges: ids.reverse().map(chargeObject) }
      : { latest_charge: ids.at(-1) ?? null };
    const object = paymentIntent({
      id: pi,
      status,
      orderId: `order_L${spec.n}`,
      created: start,
      ...shape,
      ...extra,
    });
    events.push(stripeEvent(type, object, { created: next() }));
  };
  const names = (orphan: boolean) => ({
    payment_intent: spec.oldApi ? undefined : legacy ? null : pi,
    options: spec.oldApi && orphan ? {} : { links },
  });

  if (legacy) {
    emitCharge('charge.succeeded', main, { id: main, payment_intent: null, status: 'succeeded' });
  } else {
    emitPi('payment_intent.created', 'requires_payment_method');
    if (spec.flow === 'threeDS') emitPi('payment_intent.requires_action', 'requires_action');
    if (spec.flow === 'failedThenPaid' || spec.flow === 'failureOnly') {
      emitCharge('charge.failed', `ch_L${spec.n}x`, {
        id: `ch_L${spec.n}x`,
        payment_intent: pi,
        status: 'failed',
      });
      const error = { code: 'card_declined', message: 'Your card was declined.' };
      emitPi('payment_intent.payment_failed', 'requires_payment_method', { last_payment_error: error });
    }
    if (spec.flow === 'canceled') emitPi('payment_intent.canceled', 'canceled');
    if (spec.flow === 'authorized' || spec.flow === 'manualCapture') {
      emitCharge('charge.succeeded', main, {
        id: main,
        payment_intent: pi,
        status: 'succeeded',
        captured: false,
      });
      emitPi('payment_intent.amount_capturable_updated', 'requires_capture', { capture_method: 'manual' });
    }
    if (spec.flow === 'manualCapture') emitCharge('charge.captured', main, { captured: true });
    else if (PAID_FLOWS.includes(spec.flow)) {
      emitCharge('charge.succeeded', main, { id: main, payment_intent: pi, status: 'succeeded' });
    }
    if (PAID_FLOWS.includes(spec.flow)) emitPi('payment_intent.succeeded', 'succeeded');
  }
  const paid = PAID_FLOWS.includes(spec.flow);

  let refunded = 0;
  const failing: [id: string, orphan: boolean][] = [];
  (paid ? spec.refunds : []).forEach((r, i) => {
    const id = `re_L${spec.n}_${i}`;
    const created = next();
    const { payment_intent, options } = names(r.orphan);
    const object = refund({
      id,
      charge: main,
      payment_intent,
      amount: r.amount,
      created,
      status: r.fate === 'pending' ? 'pending' : 'succeeded',
    });
    refunds.set(id, object);
    events.push(stripeEvent('refund.created', object, { created, ...options }));
    refunded += r.amount;
    emitCharge('charge.refunded', main, { amount_refunded: refunded });
    if (r.fate === 'failsLater') failing.push([id, r.orphan]);
  });
  for (const [id, orphan] of failing) {
    const object = { ...refunds.get(id)!, status: 'failed', failure_reason: 'expired_or_canceled_card' };
    refunds.set(id, object);
    const type = spec.oldApi ? 'charge.refund.updated' : 'refund.failed';
    events.push(stripeEvent(type, object, { created: next(), ...names(orphan).options }));
  }

  const path = paid && spec.dispute ? DISPUTE_PATHS[spec.dispute.outcome] : [];
  const opened = clock + 1;
  path.forEach((status, i) => {
    const type =
      i === 0
        ? 'charge.dispute.created'
        : i === path.length - 1
          ? 'charge.dispute.closed'
          : 'charge.dispute.updated';
    const { payment_intent, options } = names(spec.dispute!.orphan);
    const object = dispute({
      id: `dp_L${spec.n}`,
      charge: main,
      payment_intent,
      status,
      created: opened,
      amount: AMOUNT,
    });
    events.push(stripeEvent(type, object, { created: next(), ...options }));
  });

  const kept = paid
    ? spec.refunds.filter((r) => r.fate !== 'failsLater').reduce((s, r) => s + r.amount, 0)
    : 0;
  const UNPAID: Partial<Record<Flow, PaymentStatus>> = {
    failureOnly: 'failed',
    canceled: 'canceled',
    authorized: 'authorized',
  };
  const statusOf = (): PaymentStatus =>
    UNPAID[spec.flow] ?? (kept === 0 ? 'paid' : kept >= AMOUNT ? 'refunded' : 'partially_refunded');
  return {
    paymentId,
    events,
    expected: { payment_status: statusOf(), amount_refunded: kept, dispute_status: path.at(-1) ?? null },
  };
};
