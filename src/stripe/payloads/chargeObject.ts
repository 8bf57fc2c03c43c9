import { idSuffix, stripeList, type Json } from './stripeList.js';

export type ChargeShape = {
  id: string;
  /** Null: a Charges API payment, the charge is its own payment. */
  payment_intent: string | null;
  status: 'succeeded' | 'pending' | 'failed';
  amount: number;
  /** Lowercase ISO code. */
  currency: string;
  created: number;
  livemode?: boolean;
  customer?: string | null;
  description?: string | null;
  metadata?: Json;
  /** Default: succeeded. False: authorised, waiting for capture. */
  captured?: boolean;
  amount_captured?: number;
  amount_refunded?: number;
  /** Default: whether the whole amount is refunded. */
  refunded?: boolean;
  failure_code?: string | null;
  failure_message?: string | null;
  /** Set: the API <= 2022-08-01 shape with its refunds embedded. */
  refunds?: Json[];
};

const APPROVED = {
  network_status: 'approved_by_network',
  reason: null,
  risk_level: 'normal',
  risk_score: 21,
  seller_message: 'Payment complete.',
  type: 'authorized',
};

const DECLINED = {
  network_status: 'declined_by_network',
  reason: 'generic_decline',
  risk_level: 'normal',
  risk_score: 48,
  seller_message: 'The bank did not return any further details with this decline.',
  type: 'issuer_declined',
};

/** A card charge; `overrides` replace any field, for what the shape does not name. */
export const chargeObject = (c: ChargeShape, overrides: Json = {}): Json => {
  const captured = c.captured ?? c.status === 'succeeded';
  const paid = c.status === 'succeeded';
  const failed = c.status === 'failed';
  const amountRefunded = c.amount_refunded ?? 0;
  return {
    id: c.id,
    object: 'charge',
    amount: c.amount,
    amount_captured: c.amount_captured ?? (captured ? c.amount : 0),
    amount_refunded: amountRefunded,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: captured ? `txn_${idSuffix(c.id)}` : null,
    billing_details: {
      address: { city: null, country: 'US', line1: null, line2: null, postal_code: '94103', state: null },
      email: null,
      name: null,
      phone: null,
    },
    calculated_statement_descriptor: 'STRIPE LEDGER',
    captured,
    created: c.created,
    currency: c.currency,
    customer: c.customer ?? null,
    description: c.description ?? null,
    destination: null,
    dispute: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: c.failure_code ?? (failed ? 'card_declined' : null),
    failure_message: c.failure_message ?? (failed ? 'Your card was declined.' : null),
    fraud_details: {},
    invoice: null,
    livemode: c.livemode ?? false,
    metadata: c.metadata ?? {},
    on_behalf_of: null,
    outcome: failed ? DECLINED : APPROVED,
    paid,
    payment_intent: c.payment_intent,
    payment_method: `pm_${idSuffix(c.id)}`,
    payment_method_details: {
      card: {
        amount_authorized: failed ? null : c.amount,
        brand: 'visa',
        country: 'US',
        exp_month: 12,
        exp_year: 2034,
        funding: 'credit',
        last4: failed ? '0002' : '4242',
        network: 'visa',
        three_d_secure: null,
        wallet: null,
      },
      type: 'card',
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: paid ? `https://pay.stripe.com/receipts/payment/${idSuffix(c.id)}` : null,
    refunded: c.refunded ?? amountRefunded >= c.amount,
    ...(c.refunds === undefined ? {} : { refunds: stripeList(c.refunds, `/v1/charges/${c.id}/refunds`) }),
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: c.status,
    transfer_data: null,
    transfer_group: null,
    ...overrides,
  };
};
