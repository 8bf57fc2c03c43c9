import fc from 'fast-check';
import { asStored, moneyEventsOf } from '../../tests/support/moneyEvents.js';
import { generateMoneyHistory } from '../../tests/support/moneyHistory.js';
import { joinedFactsOf } from '../money/balanceTransactionFacts.js';
import { journalEntry, STRIPE_BALANCE, type JournalLine } from './entry.js';

const histories = fc.record({
  seed: fc.integer(),
  days: fc.integer({ min: 1, max: 25 }),
  paymentsPerDay: fc.integer({ min: 1, max: 8 }),
  currencies: fc.subarray(['usd', 'eur', 'jpy', 'gbp'], { minLength: 1 }),
});

const sumBy = (lines: readonly JournalLine[], key: (line: JournalLine) => string) => {
  const sums = new Map<string, number>();
  for (const line of lines) sums.set(key(line), (sums.get(key(line)) ?? 0) + line.amount);
  return sums;
};

describe('the journal of generated accounts (refunds that fail, disputes lost and won, failed payouts, several currencies, negative days)', () => {
  it('books entries that each sum to zero, trial balances of zero per currency, and Stripe balance as stripe_balance', () => {
    fc.assert(
      fc.property(histories, (options) => {
        const history = generateMoneyHistory(options);
        const lines = joinedFactsOf(asStored(moneyEventsOf(history))).flatMap(journalEntry);
        for (const sum of sumBy(lines, (l) => l.balance_transaction_id).values()) expect(sum).toBe(0);
        for (const sum of sumBy(lines, (l) => l.currency).values()) expect(sum).toBe(0);
        expect(lines.every((l) => l.amount !== 0)).toBe(true);
        const ledger = sumBy(
          lines.filter((l) => l.account === STRIPE_BALANCE),
          (l) => l.currency,
        );
        for (const [currency, { available, pending }] of history.balance) {
          expect(ledger.get(currency) ?? 0).toBe(available + pending);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('books the same lines whatever the order and however often each event is recorded', () => {
    fc.assert(
      fc.property(
        histories,
        fc.func(fc.integer()),
        fc.infiniteStream(fc.boolean()),
        (options, rank, duplicate) => {
          const events = asStored(moneyEventsOf(generateMoneyHistory(options)));
          const shuffled = events
            .flatMap((e) => (duplicate.next().value ? [e, structuredClone(e)] : [e]))
            .map((e, i) => ({ e, r: rank(i) }))
            .sort((a, b) => a.r - b.r)
            .map(({ e }) => e);
          const key = (l: JournalLine) => `${l.balance_transaction_id}/${l.line}`;
          const book = (evs: typeof events) =>
            joinedFactsOf(evs)
              .flatMap(journalEntry)
              .sort((a, b) => (key(a) < key(b) ? -1 : 1));
          expect(book(shuffled)).toEqual(book(events));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('books a reporting category it has never seen to an account of its own', () => {
    const lines = journalEntry({
      id: 'txn_new',
      type: 'adjustment',
      reportingCategory: 'carbon_removal',
      sourceId: null,
      paymentId: null,
      payoutId: null,
      amount: -250,
      fee: 0,
      net: -250,
      currency: 'usd',
      status: 'available',
      availableOn: 0,
      created: 0,
      livemode: false,
    });
    expect(lines.map((l) => [l.account, l.amount])).toEqual([
      ['stripe_balance', -250],
      ['carbon_removal', 250],
    ]);
  });
});
