import { payout } from '../../tests/support/payoutShapes.js';
import { importObject } from './imported.js';

describe('importing a payout the history import listed', () => {
  it('makes a snapshot of a payout as GET /v1/payouts lists it, kept as listed', () => {
    const object = payout({ status: 'paid', reconciliation_status: 'completed' });
    const result = importObject('payout', object);
    if (result.kind !== 'ok') throw new Error(result.message);
    expect(result.event.data.object).toBe(object);
  });

  // The sync logs and skips what importObject refuses; appended, it would stop the payouts projection.
  it.each([
    ['an amount that is not an integer', { amount: '10450' }, 'payout.amount: expected integer, got string'],
    ['no status', { status: undefined }, 'payout.status: missing (expected string)'],
    ['no currency', { currency: undefined }, 'payout.currency: missing (expected string)'],
    [
      'an arrival date past the year 9999',
      { arrival_date: 253_402_300_800 },
      'payout.arrival_date: expected a unix time in seconds between the years 1 and 9999',
    ],
    ['a created time as text', { created: '2025-01-07' }, 'payout.created: expected integer, got string'],
  ])('refuses a payout with %s, naming the field', (_what, overrides, message) => {
    expect(importObject('payout', payout(overrides))).toEqual({
      kind: 'invalid',
      message: `po_1OaBc2: ${message}`,
    });
  });
});
