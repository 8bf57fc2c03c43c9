/** fast-check generators of payment lifecycles (test-only). */
import fc from 'fast-check';
import type { Flow, LifecycleSpec } from './lifecycles.js';

const FLOWS: Flow[] = [
  'paid',
  'threeDS',
  'failedThenPaid',
  'failureOnly',
  'canceled',
  'authorized',
  'manualCapture',
  'legacyCharge',
];

/** Refund amounts that never exceed the 2000 paid. */
const refundsArb = fc
  .array(
    fc.record({
      share: fc.integer({ min: 1, max: 4 }),
      fate: fc.constantFrom('succeeded' as const, 'pending' as const, 'failsLater' as const),
      orphan: fc.boolean(),
    }),
    { maxLength: 3 },
  )
  .map((refunds) =>
    refunds.map(({ share, ...rest }) => ({
      ...rest,
      amount: Math.floor((2000 * share) / 4 / refunds.length),
    })),
  );

/** Lifecycle specs for fast-check. */
export const specArb: fc.Arbitrary<LifecycleSpec> = fc.record({
  n: fc.integer({ min: 1, max: 1000 }),
  flow: fc.constantFrom(...FLOWS),
  oldApi: fc.boolean(),
  refunds: refundsArb,
  dispute: fc.option(
    fc.record({
      outcome: fc.constantFrom('lost' as const, 'won' as const, 'inquiry' as const),
      orphan: fc.boolean(),
    }),
    { nil: null },
  ),
  gaps: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }),
});
