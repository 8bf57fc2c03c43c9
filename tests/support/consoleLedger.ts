import { projections } from '../../projections/index.js';
import { UNMODELLED } from '../../src/domain/events.js';
import { postgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { COUNTS_TABLE_SQL, countingProjection } from './countingProjection.js';
import { newEvent } from './eventStoreContract.js';
import { BASE, DAY, generator, type Delivery } from './generate.js';
import { moneyEventsOf } from './moneyEvents.js';
import { generateMoneyHistory, START, type MoneyHistory } from './moneyHistory.js';
import { HOSTILE_TEXT, IMG, paymentLife, PLAIN_TEXT, SCRIPT } from './paymentLife.js';
import { startLedger, type TestServer } from './ledgerServer.js';
import { deliver, waitForProjections } from './queryApi.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';
import type { Payment } from './stripeObjects.js';

/** The projection the console tests break on purpose, beside the real ones. */
export const AUDIT = 'audit_counts';

export const HOSTILE: Payment = {
  pi: 'pi_hostile0001',
  ch: 'ch_hostile0001',
  amount: 4200,
  currency: 'usd',
  livemode: false,
  created: BASE + 2 * DAY,
  customer: 'cus_hostile',
  orderId: `order${IMG}`,
};

/** A payment whose only attempt failed with a hostile message: it keeps failure_message. */
export const HOSTILE_FAILED: Payment = {
  ...HOSTILE,
  pi: 'pi_hostile0002',
  ch: 'ch_hostile0002',
  orderId: `order${SCRIPT}`,
};

/** A zero-decimal currency: 12,345 yen is 12345 in Stripe's minor units. */
export const YEN: Payment = {
  pi: 'pi_yen0001',
  ch: 'ch_yen0001',
  amount: 12_345,
  currency: 'jpy',
  livemode: true,
  created: BASE + 3 * DAY,
  customer: 'cus_yen',
  orderId: 'order_yen',
};

/** 00:00 UTC of a day after the generated account's first, as Stripe sends a payout's arrival_date. */
const arrivalOn = (day: number) => START + day * DAY;

/**
 * A manual payout (automatic: false), paid: Stripe lists no transactions for it, so it never
 * reconciles. The newest payout, arriving on 2025-01-20 (00:00 UTC).
 */
export const MANUAL_PAYOUT = {
  id: 'po_manual0001',
  automatic: false,
  status: 'paid',
  created: arrivalOn(12) - 3600,
  arrival_date: arrivalOn(14),
} as const;

/** An automatic payout that failed: it was never paid out. */
export const FAILED_PAYOUT = {
  id: 'po_failed0001',
  automatic: true,
  status: 'failed',
  created: arrivalOn(12) - 7200,
  arrival_date: arrivalOn(13),
} as const;

export type ConsoleLedger = {
  url: string;
  /** Balance transactions and payouts of a generated Stripe account (SPEC section 12). */
  money: MoneyHistory;
  database: TestDatabase;
  server: TestServer;
  /** Appends an event that the audit projection cannot apply: it stops there, failed. */
  breakAuditProjection(): Promise<void>;
  close(): Promise<void>;
};

/**
 * A ledger for the console: generated payment lives, a payment with hostile Stripe text, a yen
 * payment, delivered through the webhook endpoint; the real projections plus one the test can break.
 */
export const consoleLedger = async (options: { seed: number; payments: number }): Promise<ConsoleLedger> => {
  const database = await createTestDatabase();
  await database.db.query(COUNTS_TABLE_SQL);
  let broken = false;
  const audit = countingProjection(AUDIT, { broken: () => broken });
  const server = await startLedger(database.url, { projections: [...projections, audit] });
  const money = generateMoneyHistory({
    seed: options.seed,
    days: 12,
    paymentsPerDay: 3,
    currencies: ['usd', 'eur'],
  });
  try {
    const gen = generator(options.seed);
    await deliver(server.url, [
      ...Array.from({ length: options.payments }, () => gen.payment()).flat(),
      ...paymentLife(HOSTILE, HOSTILE_TEXT),
      ...paymentLife(HOSTILE_FAILED, HOSTILE_TEXT).slice(0, 2),
      ...paymentLife(YEN, PLAIN_TEXT),
    ]);
    // The account's payments arrive as webhooks; its balance transactions and payouts as the sync
    // and payout webhooks record them.
    await deliver(server.url, money.payments.flatMap(paymentWebhooks));
    await deliver(server.url, [MANUAL_PAYOUT, FAILED_PAYOUT].map(payoutWebhook));
    const store = postgresEventStore(database.db);
    for (const { stream, event } of moneyEventsOf(money)) await store.append(stream, [event], 'any');
    await waitForProjections(server.url, projections.length + 1);
  } catch (error) {
    await server.stop();
    await database.drop();
    throw error;
  }
  return {
    url: server.url,
    money,
    database,
    server,
    breakAuditProjection: async () => {
      broken = true;
      // An event type the real projections pass over, so only the audit projection stops on it.
      const object = { id: 'cus_poison', description: HOSTILE_TEXT.description, metadata: { note: IMG } };
      const poison = newEvent({
        type: UNMODELLED,
        data: { object, derived: { kind: 'other' }, poison: true },
      });
      await postgresEventStore(database.db).append('payment-pi_poison', [poison], 'any');
    },
    close: async () => {
      await server.stop();
      await database.drop();
    },
  };
};

/** A webhook delivery of `type` about `object`, sent when it was created. */
const webhook = (id: string, type: string, object: Record<string, unknown>, created: number): Delivery => {
  const body = JSON.stringify({
    id,
    object: 'event',
    api_version: '2024-06-20',
    created,
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
  return { id, type, created, body };
};

/** payment_intent.succeeded and charge.succeeded deliveries for a generated account's payment. */
const paymentWebhooks = (payment: MoneyHistory['payments'][number]): Delivery[] =>
  (
    [
      ['payment_intent.succeeded', payment.intent],
      ['charge.succeeded', payment.charge],
    ] as const
  ).map(([type, object]) =>
    webhook(`evt_money_${type.split('.')[0]}_${String(object.id)}`, type, object, Number(object.created)),
  );

/** payout.paid or payout.failed for one of the payouts above. */
const payoutWebhook = (payout: typeof MANUAL_PAYOUT | typeof FAILED_PAYOUT): Delivery => {
  const { id, status, created } = payout;
  const object = {
    ...payout,
    object: 'payout',
    amount: 125_00,
    currency: 'usd',
    balance_transaction: null,
    destination: 'ba_test',
    failure_code: status === 'failed' ? 'account_closed' : null,
    livemode: false,
    method: 'standard',
    type: 'bank_account',
  };
  return webhook(`evt_payout_${status}_${id}`, `payout.${status}`, object, created + 3600);
};
