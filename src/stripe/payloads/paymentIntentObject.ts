import { idSuffix, stripeList, type Json } from './stripeList.js';

export type PaymentIntentShape = {
  id: string;
  status: string;
  amount: number;
  /** Lowercase ISO code. */
  currency: string;
  created: number;
  livemode?: boolean;
  customer?: string | Json | null;
  description?: string | null;
  metadata?: Json;
  /** Default: the amount once succeeded, else 0. */
  amount_received?: number;
  /** Default: the amount while it waits for capture, else 0. */
  amount_capturable?: number;
  capture_method?: string;
  latest_charge?: string | null;
  /** Set: the API <= 2022-08-01 shape, its charges embedded instead of `latest_charge`. */
  charges?: Json[];
  last_payment_error?: Json | null;
  canceled_at?: number | null;
  cancellation_reason?: string | null;
};

/** A payment intent; `overrides` replace any field, for what the shape does not name. */
export const paymentIntentObject = (p: PaymentIntentShape, overrides: Json = {}): Json => ({
  id: p.id,
  object: 'payment_intent',
  amount: p.amount,
  amount_capturable: p.amount_capturable ?? (p.status === 'requires_capture' ? p.amount : 0),
  amount_details: { tip: {} },
  amount_received: p.amount_received ?? (p.status === 'succeeded' ? p.amount : 0),
  application: null,
  application_fee_amount: null,
  automatic_payment_methods: null,
  canceled_at: p.canceled_at ?? null,
  cancellation_reason: p.cancellation_reason ?? null,
  capture_method: p.capture_method ?? 'automatic',
  ...(p.charges === undefined
    ? {}
    : { charges: stripeList(p.charges, `/v1/charges?payment_intent=${p.id}`) }),
  client_secret: `${p.id}_secret_${idSuffix(p.id)}`,
  confirmation_method: 'automatic',
  created: p.created,
  currency: p.currency,
  customer: p.customer ?? null,
  description: p.description ?? null,
  invoice: null,
  last_payment_error: p.last_payment_error ?? null,
  ...(p.charges === undefined ? { latest_charge: p.latest_charge ?? null } : {}),
  livemode: p.livemode ?? false,
  metadata: p.metadata ?? {},
  next_action:
    p.status === 'requires_action'
      ? { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } }
      : null,
  on_behalf_of: null,
  payment_method: p.status === 'requires_payment_method' ? null : `pm_${idSuffix(p.id)}`,
  payment_method_configuration_details: null,
  payment_method_options: {
    card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' },
  },
  payment_method_types: ['card'],
  processing: null,
  receipt_email: null,
  review: null,
  setup_future_usage: null,
  shipping: null,
  source: null,
  statement_descriptor: null,
  statement_descriptor_suffix: null,
  status: p.status,
  transfer_data: null,
  transfer_group: null,
  ...overrides,
});
