import fc from 'fast-check';
import { reconcilePayout, type ReconciledPart } from '../../src/domain/balanceTransactions.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { foldBatch } from '../../src/projector/engine/foldBatch.js';
import { asStored } from '../../tests/support/moneyEvents.js';
import { balanceTransactionsProjection } from '../balance_transactions/projection.js';
import { journalProjection } from '../journal/projection.js';
import type { Projection } from '../projection.js';
import { payoutsProjection } from './projection.js';

type Json = Record<string, unknown>;

const CONTEXT = { account: null, livemode: false, recordedAt: new Date('2025-03-02T00:00:00Z') };
const DAY = 1_740_787_200; // 2025-03-01

type Charge = { amount: number; feeRate: number; second: number; description: string; category: string };

const charge: fc.Arbitrary<Charge> = fc.record({
  amount: fc.integer({ min: 50, max: 500_000 }),
  feeRate: fc.integer({ min: 0, max: 60 }),
  second: fc.integer({ min: 0, max: 3 * 86_400 }),
  // Transactions vary in size (descriptions, fee details): the parts are cut by bytes, not counted.
  description: fc.string({ maxLength: 300 }),
  category: fc.constantFrom('charge', 'refund', 'dispute', 'fee'),
});

/** A paid automatic payout of `charges`, its own transaction, and the listing Stripe gives for it. */
/** `firstId` may name an Object.prototype member: transaction ids are text the sender chooses. */
const payoutOf = (charges: Charge[], firstId = 'txn_0000') => {
  const transactions: Json[] = charges.map((c, i) => {
    const fee = Math.floor((c.amount * c.feeRate) / 1000);
    return {
      id: i === 0 ? firstId : `txn_${String(i).padStart(4, '0')}`,
      object: 'balance_transaction',
      amount: c.category === 'charge' ? c.amount : -c.amount,
      fee,
      net: (c.category === 'charge' ? c.amount : -c.amount) - fee,
      currency: 'usd',
      created: DAY + c.second,
      available_on: DAY + c.second + 86_400,
      description: c.description,
      reporting_category: c.category,
      source: `ch_${i}`,
      status: 'available',
      type: c.category === 'fee' ? 'stripe_fee' : c.category,
    };
  });
  const amount = transactions.reduce((sum, bt) => sum + (bt.net as number), 0);
  const payout = {
    id: 'po_parts',
    object: 'payout',
    amount,
    currency: 'usd',
    status: 'paid',
    created: DAY + 4 * 86_400,
    arrival_date: DAY + 5 * 86_400,
    automatic: true,
    balance_transaction: 'txn_po',
  };
  const own = {
    id: 'txn_po',
    object: 'balance_transaction',
    amount: -amount,
    fee: 0,
    net: -amount,
    currency: 'usd',
    created: payout.created,
    available_on: payout.created,
    reporting_category: 'payout',
    source: 'po_parts',
    status: 'available',
    type: 'payout',
  };
  return { payout, listing: [...transactions, own] };
};

const partsOf = (payout: Json, listing: Json[], budget: number): ReconciledPart[] => {
  const result = reconcilePayout(payout, listing, CONTEXT, budget);
  if (result.kind !== 'ok') throw new Error(result.message);
  return result.parts;
};

/** The one event the sync recorded before reconciliations came in parts: the whole listing, no
 * `reconciliation`, under the reconciliation's id. */
const singleEventOf = (payout: Json, listing: Json[]): ReconciledPart => {
  const [whole] = partsOf(payout, listing, Number.POSITIVE_INFINITY);
  const { reconciliation: _, ...data } = whole!.event.data as Json;
  return { ...whole!, event: { ...whole!.event, data } as ReconciledPart['event'] };
};

const MONEY: Projection[] = [payoutsProjection, balanceTransactionsProjection, journalProjection];

/**
 * Every row the money projections hold after these events, folded `batchSize` at a time, each state
 * stored and loaded again between batches as the engine does.
 */
const rowsOf = (events: readonly StoredEvent[], batchSize: number): Record<string, Json[]> => {
  const tables: Record<string, Json[]> = {};
  for (const projection of MONEY) {
    const { fold } = projection;
    const known = new Map<string, unknown>();
    for (let at = 0; at < events.length; at += batchSize) {
      const { states } = foldBatch(fold, known, fold.route(events.slice(at, at + batchSize), new Map()));
      for (const [key, state] of states) {
        known.set(key, fold.stored.fromRow(JSON.parse(JSON.stringify(fold.stored.toRow(state))) as Json));
      }
    }
    for (const [key, state] of known) {
      // The balance_transactions table is the fold's state itself.
      const rows = projection.rows?.(key, state) ?? { [projection.state.table]: [fold.stored.toRow(state)] };
      for (const [table, list] of Object.entries(rows)) {
        tables[table] = [...(tables[table] ?? []), ...list.map((row) => ({ key, ...row }))];
      }
    }
  }
  for (const rows of Object.values(tables))
    rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return tables;
};

/** Fee and net summed per reporting category, and the journal's accounts, from the rows. */
const sumsOf = (tables: Record<string, Json[]>) => {
  const sums: Record<string, number> = {};
  const add = (key: string, amount: unknown) => (sums[key] = (sums[key] ?? 0) + Number(amount));
  for (const bt of tables.balance_transactions ?? []) {
    add(`fee/${String(bt.reporting_category)}`, bt.fee);
    add(`net/${String(bt.reporting_category)}`, bt.net);
  }
  for (const line of tables.journal_lines ?? []) add(`account/${String(line.account)}`, line.amount);
  return sums;
};

const payoutRow = (tables: Record<string, Json[]>) => tables.payouts?.[0];

/** Events in an order given by `rank`, each repeated when `repeat` says so. */
const delivered = <T>(events: readonly T[], rank: (i: number) => number, repeat: Iterator<boolean>) =>
  events
    .flatMap((event) => (repeat.next().value ? [event, structuredClone(event)] : [event]))
    .map((event, i) => ({ event, rank: rank(i) }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ event }) => event);

const scenario = (minCharges: number) =>
  fc.record({
    charges: fc.array(charge, { minLength: minCharges, maxLength: 40 }),
    budget: fc.integer({ min: 400, max: 6_000 }),
    rank: fc.func(fc.integer()),
    repeat: fc.infiniteStream(fc.boolean()),
    batchSize: fc.integer({ min: 1, max: 6 }),
    withSingleEvent: fc.boolean(),
    firstId: fc.constantFrom('txn_0000', '__proto__', 'toString', 'constructor'),
  });

describe('a payout reconciled in parts (payouts, balance transactions, journal)', () => {
  it('folds to the rows and sums of the single event, whatever order the parts come in and however often', () => {
    fc.assert(
      fc.property(scenario(0), ({ charges, budget, rank, repeat, batchSize, withSingleEvent, firstId }) => {
        const { payout, listing } = payoutOf(charges, firstId);
        const single = singleEventOf(payout, listing);
        const parts = partsOf(payout, listing, budget);
        // A log may hold the single event of a pass before parts existed beside parts of a later one.
        const log = asStored(delivered(withSingleEvent ? [...parts, single] : parts, rank, repeat));

        const expected = rowsOf(asStored([single]), 1);
        const folded = rowsOf(log, batchSize);

        expect(folded).toEqual(expected);
        expect(sumsOf(folded)).toEqual(sumsOf(expected));
        expect(payoutRow(folded)).toMatchObject({
          transaction_count: charges.length,
          transactions_net: payout.amount,
          reconciled: true,
        });
        const fees = listing.reduce((sum, bt) => sum + (bt.fee as number), 0);
        expect(sumsOf(folded)['account/stripe_fees'] ?? 0).toBe(fees);
        expect(sumsOf(folded)['account/stripe_balance'] ?? 0).toBe(0);
      }),
      { numRuns: 150 },
    );
  });

  it('counts no transactions of a payout until every part is in, then the same as the single event', () => {
    fc.assert(
      fc.property(scenario(8), fc.nat(), ({ charges, budget, rank, repeat, batchSize }, missingSeed) => {
        const { payout, listing } = payoutOf(charges);
        const parts = partsOf(payout, listing, Math.min(budget, 2_000));
        fc.pre(parts.length > 1);
        const missing = missingSeed % parts.length;
        const early = delivered(
          parts.filter((_, i) => i !== missing),
          rank,
          repeat,
        );

        const partial = rowsOf(asStored(early), batchSize);
        expect(payoutRow(partial)).toMatchObject({
          status: 'paid',
          transaction_count: null,
          transactions_net: null,
          reconciled: false,
        });
        // The transactions the parts in hold are booked already: they are facts whatever the payout.
        const present = new Set(
          early.flatMap(({ event }) =>
            (event.data as { transactions: Json[] }).transactions.map((bt) => bt.id),
          ),
        );
        expect(partial.balance_transactions?.map((bt) => bt.key)).toEqual([...present].sort());

        const complete = rowsOf(asStored([...early, parts[missing]!]), batchSize);
        expect(complete).toEqual(rowsOf(asStored([singleEventOf(payout, listing)]), 1));
      }),
      { numRuns: 100 },
    );
  });

  it('reads a payout state stored before parts existed as reconciled by its single event', () => {
    const { payout, listing } = payoutOf([
      { amount: 10_000, feeRate: 29, second: 60, description: '', category: 'charge' },
      { amount: 2_500, feeRate: 0, second: 120, description: '', category: 'refund' },
    ]);
    const { fold } = payoutsProjection;
    const [event] = asStored([singleEventOf(payout, listing)]);
    const [routed] = fold.route([event!], new Map());
    const state = fold.evolve(undefined, routed!);
    const { listing: _, ...before } = (fold.stored.toRow(state) as { state: Json }).state;

    const loaded = fold.stored.fromRow({ state: before });

    expect(payoutsProjection.rows!('po_parts', loaded)).toEqual(payoutsProjection.rows!('po_parts', state));
    expect(payoutsProjection.rows!('po_parts', loaded).payouts![0]).toMatchObject({
      transaction_count: 2,
      reconciled: true,
    });
  });
});
