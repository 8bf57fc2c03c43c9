/**
 * Realistic Stripe webhook deliveries (API 2024-06-20 shapes) for whole payment lives: created, failed
 * attempts, success, cancellation or authorisation, refunds, disputes won and lost. Seeded, so a
 * failing test replays the same data. Object shapes are in stripeObjects.ts.
 */
import { webhookEvent } from '../../src/stripe/payloads/webhookEvent.js';
import { chargeOf, disputeOf, intentOf, refundOf, type Payment } from './stripeObjects.js';

export type Delivery = { id: string; type: string; created: number; body: string };

export const DAY = 86_400;
/** 2024-03-04T00:00:00Z: generated payments start within the six days after it. */
export const BASE = 1_709_510_400;

/** A failure message with a comma, quotes and a line break: CSV must quote it. */
export const DECLINED = 'Your card was declined, "do not honor".\nTry another card.';

const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

export const generator = (seed: number, prefix = `s${seed}`) => {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let counter = 0;
  const next = (kind: string) => `${kind}_${prefix}x${(counter += 1).toString().padStart(5, '0')}`;
  let lastOrder: { id: string; currency: string; livemode: boolean } | undefined;

  /** Every delivery of one payment's life, in the order Stripe would send them. */
  const payment = (options: { start?: number } = {}): Delivery[] => {
    // Some orders take a second payment (a retry, or a split), in the order's currency and mode.
    const reuse = lastOrder && random() < 0.15 ? lastOrder : undefined;
    const livemode = reuse?.livemode ?? random() < 0.25;
    const currency = reuse?.currency ?? pick(['usd', 'usd', 'eur', 'gbp']);
    const orderId = reuse?.id ?? (random() < 0.9 ? next('order') : undefined);
    if (orderId) lastOrder = { id: orderId, currency, livemode };
    const created = options.start ?? BASE + Math.floor(random() * 6 * DAY);
    const p: Payment = {
      pi: next('pi'),
      ch: next('ch'),
      amount: 100 * (5 + Math.floor(random() * 500)),
      currency,
      livemode,
      created,
      customer: `cus_${prefix}c${Math.floor(random() * 12)}`,
      orderId,
    };
    const out: Delivery[] = [];
    const emit = (type: string, object: Record<string, unknown>, at: number) => {
      const id = next('evt');
      const request = { id: next('req'), idempotency_key: null };
      const body = JSON.stringify(webhookEvent({ id, type, object, created: at, livemode, request }));
      out.push({ id, type, created: at, body });
    };
    emit('payment_intent.created', intentOf(p, 'requires_payment_method'), created);
    let t = created + 30;
    if (random() < 0.2) {
      const error = { code: 'card_declined', message: DECLINED, decline_code: 'do_not_honor' };
      emit(
        'payment_intent.payment_failed',
        intentOf(p, 'requires_payment_method', { last_payment_error: error }),
        t,
      );
      if (random() < 0.3) return out;
      t += 60;
    }
    const fate = random();
    if (fate < 0.1) {
      const canceled = { canceled_at: t, cancellation_reason: 'abandoned' };
      emit('payment_intent.canceled', intentOf(p, 'canceled', canceled), t);
      return out;
    }
    if (fate < 0.15) {
      emit('payment_intent.processing', intentOf(p, 'processing'), t);
      return out;
    }
    const chargedAt = t;
    if (fate < 0.2) {
      emit('charge.succeeded', chargeOf(p, chargedAt, { captured: false, amount_captured: 0 }), t);
      const held = { amount_capturable: p.amount, latest_charge: p.ch, capture_method: 'manual' };
      emit('payment_intent.amount_capturable_updated', intentOf(p, 'requires_capture', held), t);
      return out;
    }
    emit('charge.succeeded', chargeOf(p, chargedAt), t);
    emit(
      'payment_intent.succeeded',
      intentOf(p, 'succeeded', { amount_received: p.amount, latest_charge: p.ch }),
      t,
    );
    let refunded = 0;
    const refunds = random() < 0.3 ? (random() < 0.3 ? 2 : 1) : 0;
    for (let i = 0; i < refunds; i += 1) {
      t += Math.floor(random() * 2 * DAY);
      const amount = refunds === 1 && random() < 0.5 ? p.amount : Math.floor(p.amount / 3);
      const status = pick(['succeeded', 'succeeded', 'pending', 'failed']);
      emit('refund.created', refundOf(p, next('re'), amount, status, t), t);
      if (status !== 'failed') refunded += amount;
      const charge = { amount_refunded: refunded, refunded: refunded >= p.amount };
      emit('charge.refunded', chargeOf(p, chargedAt, charge), t);
    }
    if (random() < 0.15) {
      t += DAY;
      emit('charge.dispute.created', disputeOf(p, 'needs_response', t), t);
      if (random() < 0.7) emit('charge.dispute.closed', disputeOf(p, pick(['lost', 'won']), t), t + 2 * DAY);
    }
    return out;
  };

  return { payment };
};
