/** A payout as Stripe's API shows it, and the event envelope a webhook wraps it in (test-only). */
export const payout = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'po_1OaBc2',
  object: 'payout',
  amount: 10_450,
  arrival_date: 1_736_294_400,
  automatic: true,
  balance_transaction: 'txn_1OaBc3',
  created: 1_736_208_000,
  currency: 'usd',
  failure_balance_transaction: null,
  failure_code: null,
  livemode: false,
  method: 'standard',
  reconciliation_status: 'in_progress',
  status: 'in_transit',
  type: 'bank_account',
  ...overrides,
});

export const envelope = (type: string, object: unknown) => ({
  id: `evt_${type.replace(/\W/g, '_')}`,
  object: 'event',
  api_version: '2024-06-20',
  created: 1_736_208_100,
  livemode: false,
  type,
  request: { id: null, idempotency_key: null },
  data: { object },
});
