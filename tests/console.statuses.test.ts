import { PAYMENT_STATUSES } from '../src/api/rows.js';
import { DISPUTE_STATUSES, PAYMENT_INTENT_STATUSES } from '../src/domain/statuses.js';

describe("the console's status filters", () => {
  it('offer exactly the statuses the query API accepts', async () => {
    // A browser module without type declarations: its values are what is compared.
    const shown = (await import('../src/console/public/statuses.js' as string)) as Record<string, string[]>;
    expect(shown.PAYMENT_STATUSES).toEqual([...PAYMENT_STATUSES]);
    expect(shown.INTENT_STATUSES).toEqual([...PAYMENT_INTENT_STATUSES]);
    expect(shown.DISPUTE_STATUSES).toEqual([...DISPUTE_STATUSES]);
  });
});
