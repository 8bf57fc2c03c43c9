/**
 * Webhook deliveries for one payment's whole life, as Stripe sends them: the envelope of a real event
 * around objects shaped like API 2024-06-20 payloads (a payment intent with latest_charge, a charge with
 * payment_intent, a refund with payment_intent and charge, a dispute with charge and payment_intent), or
 * like older versions (charges embedded in the payment intent, refunds in the charge, refunds and
 * disputes naming only their charge, charges without a payment intent). Each call returns the next
 * delivery; the clock moves on between them. Post them with postWebhook, which signs them.
 */
import { randomBytes } from 'node:crypto';
import { webhookEvent } from '../../src/stripe/payloads/webhookEvent.js';
import {
  charge as chargeObject,
  dispute as disputeObject,
  paymentIntent as paymentIntentObject,
  refund as refundObject,
  type ChargeShape,
} from './stripeShapes.js';

type Json = Record<string, unknown>;

export type Webhook = { id: string; type: string; created: number; body: string };

/** 2024-06-10T06:13:20Z. */
export const START = 1_718_000_000;
export const DAY = 86_400;

export const isoAt = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString();

export type LifecycleOptions = {
  /** '2024-06-20' by default; '2020-08-27' and older embed charges in payment intents and refunds in
   * charges, and name only the charge on refunds and disputes. */
  apiVersion?: string;
  /** false: a Charges API payment, a charge with no payment intent (the payment is the charge). */
  paymentIntent?: boolean;
  amount?: number;
  orderId?: string | null;
  start?: number;
  /** Seconds between deliveries unless `after` says otherwise. */
  gap?: number;
};

const run = randomBytes(3).toString('hex');
let sequence = 0;

const OLD_SHAPES_UNTIL = '2022-08-01';

/** The deliveries of one payment, named `name`: its ids are pi_<name>, ch_<name> and so on. */
export const lifecycle = (name: string, options: LifecycleOptions = {}) => {
  const apiVersion = options.apiVersion ?? '2024-06-20';
  const oldShapes = apiVersion <= OLD_SHAPES_UNTIL;
  const hasIntent = options.paymentIntent ?? true;
  const amount = options.amount ?? 2000;
  const orderId = options.orderId === undefined ? `order_${name}` : options.orderId;
  const created = options.start ?? START;
  const pi = hasIntent ? `pi_${name}` : null;
  const mainCharge = `ch_${name}`;
  let clock = created;
  let nextGap: number | undefined;
  const charges = new Map<string, ChargeShape>();
  const refunds = new Map<string, Json>();
  let disputeOpened: number | undefined;

  const tick = () => {
    clock += nextGap ?? options.gap ?? 5;
    nextGap = undefined;
    return clock;
  };

  const deliver = (type: string, object: Json, at: number): Webhook => {
    sequence += 1;
    const id = `evt_${name}_${run}${sequence.toString().padStart(4, '0')}`;
    const request = { id: `req_${run}${sequence}`, idempotency_key: `idem-${run}-${sequence}` };
    const body = JSON.stringify(webhookEvent({ id, type, object, created: at, apiVersion, request }));
    return { id, type, created: at, body };
  };

  const chargeNow = (id: string): Json => {
    const embedded = [...refunds.values()].filter((r) => r.charge === id).reverse();
    return chargeObject({
      ...charges.get(id)!,
      metadata: hasIntent || orderId === null ? {} : { order_id: orderId },
      ...(oldShapes && { refunds: embedded }),
    });
  };

  const refundNow = (id: string, change: Json): Json => {
    const before = refunds.get(id);
    const object = {
      ...(before ??
        refundObject({
          id,
          charge: mainCharge,
          // Refunds of the old versions name only their charge.
          ...(!oldShapes && { payment_intent: pi }),
          amount: change.amount as number,
          status: 'succeeded',
          created: clock,
        })),
      ...change,
    };
    refunds.set(id, object);
    return object;
  };

  return {
    paymentId: pi ?? mainCharge,
    /** The next delivery comes `seconds` later (0: the same second as the one before). */
    after(seconds: number) {
      nextGap = seconds;
      return this;
    },
    paymentIntent(
      type: string,
      status: string,
      extra: Partial<Parameters<typeof paymentIntentObject>[0]> = {},
    ) {
      if (pi === null) throw new Error(`${name} is a Charges API payment: it has no payment intent`);
      const ids = [...charges.keys()];
      const object = paymentIntentObject({
        id: pi,
        status,
        amount,
        created,
        orderId: orderId ?? undefined,
        customer: `cus_${name}`,
        ...(oldShapes ? { charges: ids.reverse().map(chargeNow) } : { latest_charge: ids.at(-1) ?? null }),
        ...extra,
      });
      return deliver(type, object, tick());
    },
    /** A charge event; the charge (ch_<name> unless `id` says otherwise) keeps what earlier ones set. */
    charge(type: string, change: Partial<ChargeShape> & { id?: string } = {}) {
      const id = change.id ?? mainCharge;
      const at = tick();
      charges.set(id, {
        id,
        payment_intent: pi,
        status: 'succeeded',
        amount,
        created: at,
        ...charges.get(id),
        ...change,
      } as ChargeShape);
      return deliver(type, chargeNow(id), at);
    },
    /** A refund event of re_<name>_<suffix>; the refund keeps what earlier events of it said. */
    refund(
      type: string,
      suffix: string,
      change: { amount?: number; status?: string; failure_reason?: string },
    ) {
      const at = tick();
      return deliver(type, refundNow(`re_${name}_${suffix}`, change), at);
    },
    /** A charge.dispute.* event of dp_<name> with its status at that time. */
    dispute(type: string, status: string) {
      const at = tick();
      disputeOpened ??= at;
      const object = disputeObject({
        id: `dp_${name}`,
        charge: mainCharge,
        ...(!oldShapes && { payment_intent: pi }),
        status,
        amount,
        created: disputeOpened,
        due_by: disputeOpened + 7 * DAY,
      });
      return deliver(type, object, at);
    },
  };
};

export type Lifecycle = ReturnType<typeof lifecycle>;

/** A card declined, then a second charge that succeeds: the payment pi_<name> has an earlier charge
 * ch_<name>_declined besides its latest, ch_<name>. */
export const declinedThenPaid = (name: string): Webhook[] => {
  const life = lifecycle(name);
  return [
    life.paymentIntent('payment_intent.created', 'requires_payment_method'),
    life.charge('charge.failed', { id: `ch_${name}_declined`, status: 'failed' }),
    life.charge('charge.succeeded'),
    life.paymentIntent('payment_intent.succeeded', 'succeeded'),
  ];
};
