/**
 * What finance asks the query API during a working day, in proportion: filtered first pages, later pages
 * by cursor, payment details, orders, refunds, disputes needing a response, the daily report for a month,
 * the webhook events list and projection status. `paymentIds` and `cursors` come from the ledger under
 * test (refresh them as it grows).
 */
export type FinanceQuery = { kind: string; path: string };

const FIRST_PAGES = [
  '/api/payments?limit=50',
  '/api/payments?limit=100&payment_status=paid',
  '/api/payments?limit=20&currency=usd',
  '/api/payments?limit=50&livemode=true&payment_status=refunded',
  '/api/payments?limit=50&created_from=2024-03-05&created_to=2024-03-07',
];

const MIX: [string, number][] = [
  ['payments', 0.25],
  ['next page', 0.15],
  ['payment', 0.25],
  ['orders', 0.07],
  ['refunds', 0.07],
  ['disputes', 0.05],
  ['daily report', 0.06],
  ['webhook events', 0.05],
  ['projections', 0.05],
];

export const financeQueries = (seed = 11) => {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  let paymentIds: string[] = [];
  let cursors: string[] = [];
  const pathOf = (kind: string): string => {
    switch (kind) {
      case 'payments':
        return pick(FIRST_PAGES);
      case 'next page':
        return cursors.length > 0 ? pick(cursors) : pick(FIRST_PAGES);
      case 'payment':
        return paymentIds.length > 0 ? `/api/payments/${pick(paymentIds)}` : pick(FIRST_PAGES);
      case 'orders':
        return '/api/orders?limit=50';
      case 'refunds':
        return '/api/refunds?limit=50&status=succeeded';
      case 'disputes':
        return '/api/disputes?status=needs_response&limit=100';
      case 'daily report':
        return '/api/reports/daily?from=2024-03-01&to=2024-03-31';
      case 'webhook events':
        return '/api/webhooks/events?limit=50';
      default:
        return '/api/projections';
    }
  };
  return {
    update: (next: { paymentIds?: string[]; cursors?: string[] }) => {
      paymentIds = next.paymentIds ?? paymentIds;
      cursors = next.cursors ?? cursors;
    },
    next: (): FinanceQuery => {
      let roll = random();
      const kind = MIX.find(([, share]) => (roll -= share) < 0)?.[0] ?? 'projections';
      return { kind, path: pathOf(kind) };
    },
  };
};
