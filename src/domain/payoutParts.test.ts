import { coverageOf, joinCoverage, splitByBytes, type ListingCoverage } from './payoutParts.js';

const part = (index: number, ids: string[]) =>
  coverageOf(`event-${index}`, { id: 'rec-1', index, count: 3, listed: 5 }, ids);

const joined = (...coverages: ListingCoverage[]) => coverages.reduce(joinCoverage);

describe("how much of a payout's listing the log holds", () => {
  it('is whole once the parts of one reconciliation hold every transaction it listed, in any order', () => {
    const parts = [part(0, ['a', 'b']), part(1, ['c', 'd']), part(2, ['e'])];
    expect(joined(parts[0]!, parts[1]!)).toEqual({
      whole: false,
      partial: { 'rec-1': { listed: 5, ids: ['a', 'b', 'c', 'd'] } },
    });
    expect(joined(parts[2]!, parts[0]!, parts[0]!, parts[1]!)).toEqual({ whole: true });
    expect(joined(parts[1]!, parts[2]!, parts[0]!)).toEqual({ whole: true });
  });

  it('does not count parts of another listing of the payout towards this one', () => {
    const other = coverageOf('event-x', { id: 'rec-2', index: 0, count: 2, listed: 4 }, ['c', 'd', 'e']);
    expect(joined(part(0, ['a', 'b']), other).whole).toBe(false);
  });

  it('takes an event recorded before parts existed (no reconciliation) as a whole listing by itself', () => {
    expect(coverageOf('event-old', undefined, ['a', 'b', 'b'])).toEqual({ whole: true });
    expect(coverageOf('event-empty', undefined, [])).toEqual({ whole: true });
  });

  it.each(['__proto__', 'toString', 'constructor'])(
    'counts the parts of a reconciliation whose id is %s like any other',
    (id) => {
      const of = (index: number, ids: string[]) =>
        coverageOf(`event-${index}`, { id, index, count: 2, listed: 3 }, ids);
      const other = coverageOf('event-x', { id: 'rec-2', index: 0, count: 2, listed: 4 }, ['x']);
      const first = joined(other, of(0, ['a']));
      expect(first.whole).toBe(false);
      expect(!first.whole && Object.entries(first.partial)).toContainEqual([id, { listed: 3, ids: ['a'] }]);
      expect(joined(other, of(0, ['a']), of(1, ['b', 'c']))).toEqual({ whole: true });
      expect(joined(other, of(1, ['b', 'c']), of(0, ['a']))).toEqual({ whole: true });
    },
  );

  it('refuses a reconciliation it cannot read, naming the event', () => {
    expect(() => coverageOf('event-bad', { id: 'rec-1', index: 3, count: 3, listed: 5 }, ['a'])).toThrow(
      /^event event-bad \(PayoutReconciled\): data.reconciliation should be/,
    );
    expect(() => coverageOf('event-bad', 'rec-1', ['a'])).toThrow(/data.reconciliation/);
  });
});

describe('cutting items by bytes', () => {
  it('keeps order, stays within the budget, and gives an item over it a run of its own', () => {
    const items = ['aaaa', 'b'.repeat(40), 'cc', 'dd', 'ee'];
    const runs = splitByBytes(items, 20);
    expect(runs).toEqual([['aaaa'], ['b'.repeat(40)], ['cc', 'dd', 'ee']]);
    expect(splitByBytes([], 20)).toEqual([[]]);
  });
});
