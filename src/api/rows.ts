import { z } from 'zod';
import { DISPUTE_STATUSES, PAYMENT_INTENT_STATUSES, REFUND_STATUSES } from '../domain/statuses.js';

/** The read-model rows the API answers with (SPEC section 5): column names are the contract. These
 * schemas describe responses in the OpenAPI document, name the selected columns, and give CSV its header. */

export const PAYMENT_STATUSES = [
  'pending',
  'failed',
  'requires_action',
  'processing',
  'authorized',
  'paid',
  'partially_refunded',
  'refunded',
  'canceled',
] as const;

const time = z.iso.datetime().describe('ISO-8601, UTC');
const amount = z.int().describe("integer, in the currency's minor unit");
const text = z.string().nullable();

export const paymentRow = z.object({
  payment_id: z.string(),
  livemode: z.boolean(),
  account_id: text,
  order_id: text,
  customer_id: text,
  currency: z.string(),
  amount,
  amount_received: amount,
  amount_refunded: amount,
  status: z.enum(PAYMENT_INTENT_STATUSES),
  payment_status: z.enum(PAYMENT_STATUSES),
  dispute_status: z.enum(DISPUTE_STATUSES).nullable(),
  latest_charge_id: text,
  failure_code: text,
  failure_message: text,
  created_at: time,
  paid_at: time
    .nullable()
    .describe('when it first succeeded (the earliest Stripe event proving it, whatever the arrival order)'),
  updated_at: time,
  last_stripe_event_id: text,
});

export const orderRow = z.object({
  order_id: z.string(),
  livemode: z.boolean(),
  currency: z.string(),
  payment_status: z.enum(PAYMENT_STATUSES),
  amount_paid: amount,
  amount_refunded: amount,
  payment_count: z.int(),
  updated_at: time,
});

export const historyRow = z.object({
  payment_id: z.string(),
  order_id: text,
  stripe_event_id: z.string(),
  event_type: z.string(),
  from_status: z.enum(PAYMENT_STATUSES).nullable(),
  to_status: z.enum(PAYMENT_STATUSES),
  occurred_at: time,
  recorded_at: time,
});

export const refundRow = z.object({
  refund_id: z.string(),
  payment_id: text,
  charge_id: text,
  amount,
  currency: z.string(),
  status: z.enum(REFUND_STATUSES),
  reason: text,
  failure_reason: text,
  created_at: time,
  updated_at: time,
});

export const disputeRow = z.object({
  dispute_id: z.string(),
  payment_id: text,
  charge_id: text,
  amount,
  currency: z.string(),
  status: z.enum(DISPUTE_STATUSES),
  reason: text,
  evidence_due_by: time.nullable(),
  opened_at: time,
  closed_at: time.nullable(),
  updated_at: time,
});

export const webhookEventRow = z.object({
  id: z.int().describe('position in the event log'),
  event_type: z.string().describe("Stripe's event type"),
  event_id: z.string().describe("Stripe's event id"),
  payload: z.record(z.string(), z.unknown()).describe('the Stripe object as delivered, plus derived keys'),
  processed: z.boolean().describe('every projection has applied it'),
  error_message: text.describe('open projection failures at this event'),
  created_at: time,
  processed_at: time.nullable(),
});

export const dailyRow = z.object({
  day: z.iso.date(),
  livemode: z
    .boolean()
    .nullable()
    .describe("the payment's; null for a refund or dispute of a payment not known yet"),
  currency: z.string(),
  gross_paid: amount.describe('amount_received of payments that first succeeded that day (their paid_at)'),
  refunded: amount.describe('pending or succeeded refunds created that day'),
  disputed: amount.describe('disputes lost, by the day they closed'),
  net: amount.describe('gross_paid - refunded - disputed'),
  payments_paid: z.int(),
});

export const columnsOf = (row: z.ZodObject) => Object.keys(row.shape);

const isTime = (schema: unknown) =>
  (schema instanceof z.ZodNullable ? schema.unwrap() : schema) instanceof z.ZodISODateTime;

/**
 * The SELECT list of a row read from `alias`. Times become JSON strings in ISO-8601 UTC
 * ("2024-05-03T12:00:00Z", fractions when the value has them): PostgreSQL's JSON encoding of a timestamp
 * is exact and independent of DateStyle and TimeZone, and several times cheaper than to_char.
 */
export const selectList = (row: z.ZodObject, alias: string) =>
  Object.entries(row.shape)
    .map(([column, schema]) =>
      isTime(schema)
        ? `(rtrim(to_json(${alias}.${column} AT TIME ZONE 'UTC')::text, '"') || 'Z"')::json AS ${column}`
        : `${alias}.${column}`,
    )
    .join(', ');
