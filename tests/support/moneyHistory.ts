/**
 * A Stripe account's money over a stretch of days, as Stripe's balance would record it: card payments
 * (fee 2.9% + 30), refunds (one in a while fails and comes back as refund_failure), disputes lost and
 * won (with the 15.00 dispute fee, returned when won), Stripe's own fees, an adjustment in a category
 * nobody has seen before, and one automatic payout per day and currency of whatever became available
 * since the last, skipped on a day that nets negative (carried into the next) and failing now and then
 * (payout_failure credits the balance back, paid out again later). Seeded: the same seed gives the same
 * account. Objects carry the fields Stripe's API returns that the ledger reads, and then some.
 */

export const DAY = 86_400;
/** 2025-01-06T00:00:00Z */
export const START = 1_736_121_600;

type Json = Record<string, unknown>;

export type MoneyOptions = {
  seed: number;
  days: number;
  paymentsPerDay: number;
  currencies?: readonly string[];
  /** Prefix of every id, so several accounts can share one database. */
  prefix?: string;
};

export type GeneratedPayment = { intent: Json; charge: Json; refunds: Json[]; disputes: Json[] };

export type MoneyHistory = {
  /** The time the account is looked at: statuses are as of then. */
  now: number;
  payments: GeneratedPayment[];
  /** Every balance transaction as of `now`, sources expanded (the stand-in collapses them unless asked). */
  transactions: Json[];
  payouts: Json[];
  /** Each payout's transactions (its own included), as `GET /v1/balance_transactions?payout=` lists them. */
  payoutTransactions: Map<string, string[]>;
  /** Stripe's balance as of `now`, per currency. */
  balance: Map<string, { available: number; pending: number }>;
};

const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

export const generateMoneyHistory = (options: MoneyOptions): MoneyHistory => {
  const random = rng(options.seed);
  const currencies = options.currencies ?? ['usd', 'eur'];
  const prefix = options.prefix ?? `m${options.seed}`;
  let counter = 0;
  const next = (kind: string) => `${kind}_${prefix}${(counter += 1).toString(36).padStart(6, '0')}`;
  const now = START + options.days * DAY;
  const transactions: Json[] = [];
  const payments: GeneratedPayment[] = [];
  const payouts: Json[] = [];
  const payoutTransactions = new Map<string, string[]>();
  // Transactions not paid out yet, per currency.
  const unpaid = new Map<string, Json[]>(currencies.map((c) => [c, []]));

  const transaction = (fields: {
    type: string;
    category: string;
    amount: number;
    fee: number;
    currency: string;
    created: number;
    availableOn?: number;
    source: Json | string | null;
  }): Json => {
    const availableOn = fields.availableOn ?? fields.created;
    const bt: Json = {
      id: next('txn'),
      object: 'balance_transaction',
      amount: fields.amount,
      available_on: availableOn,
      created: fields.created,
      currency: fields.currency,
      description: null,
      exchange_rate: null,
      fee: fields.fee,
      fee_details:
        fields.fee === 0
          ? []
          : [
              {
                amount: fields.fee,
                currency: fields.currency,
                description: 'Stripe processing fees',
                type: 'stripe_fee',
              },
            ],
      net: fields.amount - fields.fee,
      reporting_category: fields.category,
      source: fields.source,
      status: availableOn <= now ? 'available' : 'pending',
      type: fields.type,
    };
    transactions.push(bt);
    unpaid.get(fields.currency)!.push(bt);
    return bt;
  };

  const pay = (day: number, currency: string) => {
    const created = START + day * DAY + 12 * 3600 + Math.floor(random() * 3600);
    const amount = 500 + Math.floor(random() * 20_000);
    const intentId = next('pi');
    const chargeId = next('ch');
    const charge: Json = {
      id: chargeId,
      object: 'charge',
      amount,
      amount_captured: amount,
      amount_refunded: 0,
      currency,
      created,
      livemode: false,
      paid: true,
      captured: true,
      status: 'succeeded',
      payment_intent: intentId,
      balance_transaction: null,
      refunded: false,
    };
    const intent: Json = {
      id: intentId,
      object: 'payment_intent',
      amount,
      amount_received: amount,
      currency,
      created,
      livemode: false,
      status: 'succeeded',
      latest_charge: chargeId,
      metadata: {},
    };
    const fee = Math.round(amount * 0.029) + 30;
    const bt = transaction({
      type: 'charge',
      category: 'charge',
      amount,
      fee,
      currency,
      created,
      availableOn: created + 2 * DAY,
      source: charge,
    });
    charge.balance_transaction = bt.id;
    const payment: GeneratedPayment = { intent, charge, refunds: [], disputes: [] };
    payments.push(payment);
    const roll = random();
    if (roll < 0.12) {
      const refundAt = created + DAY * (1 + Math.floor(random() * 3));
      const refunded = random() < 0.5 ? amount : Math.floor(amount / 2);
      const fails = random() < 0.1;
      const refund: Json = {
        id: next('re'),
        object: 'refund',
        amount: refunded,
        currency,
        created: refundAt,
        charge: chargeId,
        payment_intent: intentId,
        status: fails ? 'failed' : 'succeeded',
        failure_reason: fails ? 'expired_or_canceled_card' : null,
        reason: 'requested_by_customer',
      };
      payment.refunds.push(refund);
      charge.amount_refunded = refunded;
      transaction({
        type: 'refund',
        category: 'refund',
        amount: -refunded,
        fee: 0,
        currency,
        created: refundAt,
        source: refund,
      });
      if (fails) {
        transaction({
          type: 'payment_failure_refund',
          category: 'refund_failure',
          amount: refunded,
          fee: 0,
          currency,
          created: refundAt + DAY,
          source: refund,
        });
      }
    } else if (roll < 0.16) {
      const openedAt = created + DAY * (2 + Math.floor(random() * 3));
      const won = random() < 0.5;
      const dispute: Json = {
        id: next('dp'),
        object: 'dispute',
        amount,
        currency,
        created: openedAt,
        charge: chargeId,
        payment_intent: intentId,
        reason: 'fraudulent',
        status: won ? 'won' : 'lost',
      };
      payment.disputes.push(dispute);
      transaction({
        type: 'adjustment',
        category: 'dispute',
        amount: -amount,
        fee: 1500,
        currency,
        created: openedAt,
        source: dispute,
      });
      if (won) {
        transaction({
          type: 'adjustment',
          category: 'dispute_reversal',
          amount,
          fee: -1500,
          currency,
          created: openedAt + 3 * DAY,
          source: dispute,
        });
      }
    }
  };

  const payout = (day: number, currency: string) => {
    const at = START + day * DAY + 6 * 3600;
    const due = unpaid
      .get(currency)!
      .filter((bt) => (bt.available_on as number) <= at && (bt.created as number) <= at);
    const amount = due.reduce((sum, bt) => sum + (bt.net as number), 0);
    // A day that nets zero or negative pays nothing: its transactions wait for the next payout.
    if (due.length === 0 || amount <= 0) return;
    const id = next('po');
    const failed = random() < 0.06 && at + 2 * DAY <= now;
    const paid = at + DAY <= now;
    const own = transaction({
      type: 'payout',
      category: 'payout',
      amount: -amount,
      fee: 0,
      currency,
      created: at,
      source: id,
    });
    const body: Json = {
      id,
      object: 'payout',
      amount,
      arrival_date: at + DAY,
      automatic: true,
      balance_transaction: own.id,
      created: at,
      currency,
      destination: 'ba_test',
      failure_balance_transaction: null,
      failure_code: null,
      livemode: false,
      method: 'standard',
      reconciliation_status: paid ? 'completed' : 'in_progress',
      status: failed ? 'failed' : paid ? 'paid' : 'in_transit',
      type: 'bank_account',
    };
    payouts.push(body);
    payoutTransactions.set(id, [...due.map((bt) => bt.id as string), own.id as string]);
    const paidOut = new Set([...due, own]);
    unpaid.set(
      currency,
      unpaid.get(currency)!.filter((bt) => !paidOut.has(bt)),
    );
    if (failed) {
      const reversal = transaction({
        type: 'payout_failure',
        category: 'payout_reversal',
        amount,
        fee: 0,
        currency,
        created: at + 2 * DAY,
        source: id,
      });
      body.failure_balance_transaction = reversal.id;
      body.failure_code = 'account_closed';
    }
  };

  for (let day = 0; day < options.days; day += 1) {
    for (const currency of currencies) {
      payout(day, currency);
      const count = Math.floor(options.paymentsPerDay * (0.5 + random()));
      for (let i = 0; i < count; i += 1) pay(day, currency);
      if (random() < 0.1) {
        transaction({
          type: 'stripe_fee',
          category: 'fee',
          amount: -(100 + Math.floor(random() * 900)),
          fee: 0,
          currency,
          created: START + day * DAY + 20 * 3600,
          source: null,
        });
      }
      if (random() < 0.03) {
        // A category the ledger has never heard of: booked to its own account.
        transaction({
          type: 'adjustment',
          category: 'climate_order_purchase',
          amount: -250,
          fee: 0,
          currency,
          created: START + day * DAY + 21 * 3600,
          source: null,
        });
      }
    }
  }
  // Objects dated after `now` (refunds and disputes of the last days) are in the future: leave them out.
  const seen = transactions.filter((bt) => (bt.created as number) <= now);
  const balance = new Map<string, { available: number; pending: number }>(
    currencies.map((c) => [c, { available: 0, pending: 0 }]),
  );
  for (const bt of seen) {
    const b = balance.get(bt.currency as string)!;
    if (bt.status === 'available') b.available += bt.net as number;
    else b.pending += bt.net as number;
  }
  const inPast = (o: Json) => (o.created as number) <= now;
  return {
    now,
    payments: payments.map((p) => ({
      ...p,
      refunds: p.refunds.filter(inPast),
      disputes: p.disputes.filter(inPast),
    })),
    transactions: seen,
    payouts,
    payoutTransactions,
    balance,
  };
};
