import { recordBalanceTransaction, reconcilePayout } from '../src/domain/balanceTransactions.js';
import type { AppendRequest } from '../src/eventstore/port.js';

/**
 * A year of an account's balance, streamed day by day as the sync would record it: card charges (fee
 * 2.9% + 30, available two days later; recorded pending, then available), refunds, disputes, Stripe
 * fees, and one automatic payout per day and currency reconciled with its transactions. Seeded; kept
 * lean (one day in memory at a time) so a million transactions fit in a benchmark process.
 */
const DAY = 86_400;
/** 2025-01-01T00:00:00Z */
export const YEAR_START = 1_735_689_600;

const random = (seed: number) => {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
};

type Json = Record<string, unknown>;

const transaction = (
  id: string,
  fields: { type: string; category: string; amount: number; fee: number; currency: string },
  created: number,
  source: unknown,
  availableOn = created,
): Json => ({
  id,
  object: 'balance_transaction',
  amount: fields.amount,
  fee: fields.fee,
  net: fields.amount - fields.fee,
  currency: fields.currency,
  status: 'available',
  type: fields.type,
  reporting_category: fields.category,
  source,
  created,
  available_on: availableOn,
});

export type MoneyDay = { requests: AppendRequest[]; transactions: number };

export function* moneyLog(options: { transactions: number; currencies: readonly string[]; days?: number }) {
  const days = options.days ?? 365;
  const next = random(42);
  // About 1.25 transactions per payment (refunds, disputes), plus fees and the payout's own.
  const perDay = Math.max(1, Math.round(options.transactions / (days * options.currencies.length * 1.25)));
  const context = (at: number) => ({ account: null, livemode: true, recordedAt: new Date(at * 1000) });
  let n = 0;
  const unpaid = new Map<string, Json[]>(options.currencies.map((c) => [c, []]));
  const id = (kind: string) => `${kind}_bench${(n += 1).toString(36).padStart(8, '0')}`;
  for (let day = 0; day < days; day += 1) {
    const requests: AppendRequest[] = [];
    let transactions = 0;
    const record = (bt: Json, pendingFirst: boolean) => {
      transactions += 1;
      if (pendingFirst) {
        const pending = recordBalanceTransaction(
          { ...bt, status: 'pending' },
          null,
          context(bt.created as number),
        );
        if (pending.kind === 'ok')
          requests.push({ stream: pending.stream, events: [pending.event], expectedVersion: 'any' });
      }
      const recorded = recordBalanceTransaction(bt, null, context(bt.created as number));
      if (recorded.kind !== 'ok') throw new Error(recorded.message);
      requests.push({ stream: recorded.stream, events: [recorded.event], expectedVersion: 'any' });
    };
    for (const currency of options.currencies) {
      const start = YEAR_START + day * DAY;
      const due = unpaid.get(currency)!.filter((bt) => (bt.available_on as number) <= start + 6 * 3600);
      const amount = due.reduce((sum, bt) => sum + (bt.net as number), 0);
      if (amount > 0) {
        const payout = id('po');
        const own = transaction(
          id('txn'),
          { type: 'payout', category: 'payout', amount: -amount, fee: 0, currency },
          start + 6 * 3600,
          payout,
        );
        record(own, false);
        const object = {
          id: payout,
          object: 'payout',
          amount,
          currency,
          status: 'paid',
          automatic: true,
          created: start + 6 * 3600,
          arrival_date: start + DAY,
          balance_transaction: own.id,
        };
        const reconciled = reconcilePayout(object, [...due, own], context(start + DAY));
        if (reconciled.kind !== 'ok') throw new Error(reconciled.message);
        requests.push({ stream: reconciled.stream, events: [reconciled.event], expectedVersion: 'any' });
        const paid = new Set(due);
        unpaid.set(
          currency,
          unpaid.get(currency)!.filter((bt) => !paid.has(bt)),
        );
      }
      for (let i = 0; i < perDay; i += 1) {
        const created = start + Math.floor(next() * DAY);
        const gross = 500 + Math.floor(next() * 20_000);
        const fee = Math.round(gross * 0.029) + 30;
        const pi = id('pi');
        const charge = transaction(
          id('txn'),
          { type: 'charge', category: 'charge', amount: gross, fee, currency },
          created,
          { id: id('ch'), object: 'charge', payment_intent: pi },
          created + 2 * DAY,
        );
        record(charge, true);
        unpaid.get(currency)!.push({ ...charge, source: (charge.source as Json).id });
        const roll = next();
        if (roll < 0.2) {
          const refund = transaction(
            id('txn'),
            { type: 'refund', category: 'refund', amount: -gross, fee: 0, currency },
            created + 60,
            { id: id('re'), object: 'refund', payment_intent: pi },
          );
          record(refund, false);
          unpaid.get(currency)!.push({ ...refund, source: (refund.source as Json).id });
        } else if (roll < 0.25) {
          const dispute = transaction(
            id('txn'),
            { type: 'adjustment', category: 'dispute', amount: -gross, fee: 1500, currency },
            created + 120,
            { id: id('dp'), object: 'dispute', payment_intent: pi },
          );
          record(dispute, false);
          unpaid.get(currency)!.push({ ...dispute, source: (dispute.source as Json).id });
        }
      }
      const fee = transaction(
        id('txn'),
        { type: 'stripe_fee', category: 'fee', amount: -900, fee: 0, currency },
        start + 23 * 3600,
        null,
      );
      record(fee, false);
      unpaid.get(currency)!.push(fee);
    }
    yield { requests, transactions } satisfies MoneyDay;
  }
}
