/**
 * A rebuild parks the states it has not touched lately, compressed (src/projector/engine/parkedStates.ts).
 * Taking a state back must give what reading it from its table would: the stored row's JSON, key
 * included, whatever the text holds (any unicode, quotes, the characters the compression dictionary
 * came from).
 */
import fc from 'fast-check';
import type { Fold } from '../projections/projection.js';
import { parkedStates } from '../src/projector/engine/parkedStates.js';

type State = { id: string; doc: unknown };

/** A fold whose state needs its key from the row, as the balance-transaction fold's does. */
const fold: Fold<State> = {
  name: 'test',
  route: () => [],
  evolve: (state) => state!,
  merge: (a) => a,
  stored: {
    columns: ['doc'],
    json: ['doc'],
    toRow: (state) => ({ doc: state.doc }),
    fromRow: (row) => ({ id: String(row.item_id), doc: row.doc }),
  },
};

const jsonValue = fc.jsonValue().map((value) => JSON.parse(JSON.stringify(value)) as unknown);

describe('parked states', () => {
  it('gives back every parked state as its stored row gives it, and forgets it once taken', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary' }), jsonValue), { selector: ([k]) => k }),
        (items) => {
          const parked = parkedStates(fold, 'item_id');
          for (const [key, doc] of items) parked.park(key, { id: key, doc });
          expect(parked.size).toBe(items.length);
          for (const [key, doc] of items) expect(parked.take(key)).toEqual({ id: key, doc });
          expect(parked.size).toBe(0);
          expect(parked.bytes).toBe(0);
          expect(parked.take(items[0]?.[0] ?? 'none')).toBeUndefined();
        },
      ),
    );
  });

  it('keeps the last state parked under a key, and counts its memory once', () => {
    const parked = parkedStates(fold, 'item_id');
    parked.park('a', { id: 'a', doc: { n: 1, text: 'x'.repeat(500) } });
    const once = parked.bytes;
    parked.park('a', { id: 'a', doc: { n: 2, text: 'x'.repeat(500) } });
    expect(parked.size).toBe(1);
    expect(parked.bytes).toBeLessThan(once * 1.5);
    expect(parked.take('a')).toEqual({ id: 'a', doc: { n: 2, text: 'x'.repeat(500) } });
  });

  it('holds a repetitive state in a fraction of its JSON', () => {
    const parked = parkedStates(fold, 'item_id');
    const doc = (n: number) => ({
      snapshot: { amount: n, currency: 'usd', customerId: `cus_${n}`, livemode: false },
    });
    parked.park('first', { id: 'first', doc: doc(1) });
    const before = parked.bytes;
    parked.park('second', { id: 'second', doc: doc(2) });
    expect(parked.bytes - before).toBeLessThan(
      JSON.stringify({ item_id: 'second', doc: doc(2) }).length + 96,
    );
  });
});
