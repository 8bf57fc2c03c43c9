/**
 * zod schemas for Stripe webhook payloads. They check only the fields the ledger reads and accept every
 * other field: Stripe adds fields to all API versions over time. They only validate: the payload is
 * stored exactly as delivered, never zod's copy. So they are plain (stripping) objects: a copy of the
 * declared fields only is about seven times cheaper than a passthrough copy of every field, per webhook.
 * Shapes were checked against payloads from 2012-era samples to 2026 API versions (see
 * /work/shared/stripe-fixtures/MANIFEST.md).
 */
import { z } from 'zod';
import { ORDER_ID_MAX, orderIdFits } from './orderId.js';

/** Every number the ledger reads (amounts in minor units, unix times) is an integer. */
const int = () => z.int();
// Stripe's ids are at most 255 characters; longer ones could not be indexed (a stream, a charge link).
const id = () => z.string().min(1).max(255);

const FIRST_SECOND = -62_135_596_800; // 0001-01-01T00:00:00Z
const LAST_SECOND = 253_402_300_799; // 9999-12-31T23:59:59Z
const TIME_RANGE = { error: 'expected a unix time in seconds between the years 1 and 9999' };

/** A unix time the read models turn into a timestamptz. `Date#toISOString` throws past the year 275760
 * and PostgreSQL refuses ISO text of years outside 1-9999 (`+010000-...`, `0000-...`): a time out of
 * that range would be stored, then stop the projections. */
export const unixTime = () => z.int().min(FIRST_SECOND, TIME_RANGE).max(LAST_SECOND, TIME_RANGE);

/** An expandable reference: an id, or the expanded object carrying that id. */
const ref = z.union([id(), z.object({ id: id() })], {
  error: 'expected an id string, an expanded object with a string id, or null',
});

/** A charge reference; an expanded charge may also name its payment intent. */
const chargeRef = z.union([id(), z.object({ id: id(), payment_intent: ref.nullish() })], {
  error: 'expected a charge id string, an expanded charge object, or null',
});

/** Stripe lists (`{object: 'list', data: [...]}`). 2013 samples send `refunds: {}`, so data may be absent. */
const listOf = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item).optional() });

/** Only `order_id` is read from metadata (ledger.payments.order_id). Stripe keeps metadata values to 500
 * characters; a longer one could not be indexed (the order id indexes), so it would be stored and then
 * stop the projections that keep orders. */
const metadata = z
  .object({
    order_id: z
      .string()
      .refine(orderIdFits, { error: `expected at most ${ORDER_ID_MAX} characters, as Stripe allows` })
      .optional(),
  })
  .nullish();

/** Stripe's event ids (`evt_...`) and types (`charge.refunded`, `v1.billing.meter.error_report_triggered`):
 * an event spelled otherwise is no Stripe event, and could not be found with the webhook events
 * list's filters once stored. */
const EVENT_ID = /^(?!.*--)[A-Za-z0-9_-]{1,255}$/;
const EVENT_TYPE = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

export const envelopeSchema = z.object({
  id: z.string().regex(EVENT_ID, 'expected a Stripe event id: 1 to 255 letters, digits, _ or -'),
  type: z
    .string()
    .max(100, 'expected a Stripe event type of at most 100 characters')
    .regex(EVENT_TYPE, 'expected a Stripe event type such as charge.refunded'),
  created: unixTime(),
  livemode: z.boolean(),
  // Absent on payloads that predate the field.
  api_version: z.string().nullish(),
  // Only set on events of connected accounts.
  account: z.string().nullish(),
  // A bare string (or null) before API 2017-05-25, `{id, idempotency_key}` after.
  request: z
    .union([z.string(), z.object({ id: z.string().nullish(), idempotency_key: z.string().nullish() })])
    .nullish(),
  data: z.object({
    object: z.object({}),
    previous_attributes: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const refundSchema = z.object({
  object: z.literal('refund'),
  id: id(),
  amount: int(),
  currency: z.string(),
  // Declared nullable in Stripe's API spec.
  status: z.string().nullable(),
  // Null for refunds not made against a charge; payment_intent is absent or null for legacy charges.
  charge: chargeRef.nullish(),
  payment_intent: ref.nullish(),
  reason: z.string().nullish(),
  failure_reason: z.string().nullish(),
  created: unixTime(),
  metadata,
});

export const chargeSchema = z.object({
  object: z.literal('charge'),
  id: id(),
  amount: int(),
  amount_refunded: int().optional(),
  amount_captured: int().optional(),
  currency: z.string(),
  // Absent on pre-2015 charges, which only carry `paid` / `captured`.
  status: z.string().nullish(),
  paid: z.boolean(),
  captured: z.boolean().optional(),
  refunded: z.boolean().optional(),
  created: unixTime(),
  livemode: z.boolean(),
  // Absent or null on legacy Charges-API payments: the charge is then its own payment.
  payment_intent: ref.nullish(),
  customer: ref.nullish(),
  failure_code: z.string().nullish(),
  failure_message: z.string().nullish(),
  // Embedded through API 2022-08-01, expand-only from 2022-11-15.
  refunds: listOf(refundSchema).nullish(),
  dispute: ref.nullish(),
  metadata,
});

export const paymentIntentSchema = z.object({
  object: z.literal('payment_intent'),
  id: id(),
  amount: int(),
  currency: z.string(),
  // Any string: accounts pinned before 2019-02-11 send requires_source / requires_source_action.
  status: z.string(),
  created: unixTime(),
  livemode: z.boolean(),
  metadata,
  customer: ref.nullish(),
  amount_received: int().optional(),
  amount_capturable: int().optional(),
  // `charges` is embedded through API 2022-08-01; `latest_charge` replaces it from 2022-11-15.
  charges: listOf(chargeSchema).nullish(),
  latest_charge: ref.nullish(),
  last_payment_error: z
    .looseObject({
      code: z.string().nullish(),
      message: z.string().nullish(),
      decline_code: z.string().nullish(),
    })
    .nullish(),
  canceled_at: int().nullish(),
  cancellation_reason: z.string().nullish(),
});

export const disputeSchema = z.object({
  object: z.literal('dispute'),
  // Absent on 2013-era samples, when a charge had at most one dispute and it had no id of its own.
  id: id().optional(),
  amount: int(),
  currency: z.string(),
  status: z.string(),
  reason: z.string(),
  charge: chargeRef,
  // Added around 2019-11; absent or null on older payloads and legacy charges.
  payment_intent: ref.nullish(),
  created: unixTime(),
  evidence_details: z.object({ due_by: unixTime().nullish() }).nullish(),
  // Pre-2014 name of evidence_details.due_by.
  evidence_due_by: unixTime().nullish(),
  is_charge_refundable: z.boolean().optional(),
  // A plain array of balance transaction objects (never a list object) in every API version; absent on
  // 2013-era samples. A closed dispute is dated by the crediting ones (their amount and created).
  balance_transactions: z.array(z.object({ amount: int(), created: unixTime() })).nullish(),
});

export const objectSchemas = {
  payment_intent: paymentIntentSchema,
  charge: chargeSchema,
  refund: refundSchema,
  dispute: disputeSchema,
} as const;

export type StripeEnvelope = z.infer<typeof envelopeSchema>;
export type StripePaymentIntent = z.infer<typeof paymentIntentSchema>;
export type StripeCharge = z.infer<typeof chargeSchema>;
export type StripeRefund = z.infer<typeof refundSchema>;
export type StripeDispute = z.infer<typeof disputeSchema>;
