import { recordBalanceTransaction, reconcilePayout } from './balanceTransactions.js';

const context = { account: null, livemode: false, recordedAt: new Date('2025-02-01T00:00:00Z') };

const bt = (overrides: Record<string, unknown> = {}) => ({
  id: 'txn_1',
  object: 'balance_transaction',
  amount: 10_000,
  available_on: 1_736_380_800,
  created: 1_736_208_000,
  currency: 'usd',
  fee: 320,
  net: 9_680,
  reporting_category: 'charge',
  source: { id: 'ch_1', object: 'charge', payment_intent: 'pi_1' },
  status: 'pending',
  type: 'charge',
  ...overrides,
});

const recorded = (object: unknown, lookedUp: string | null = null) => {
  const result = recordBalanceTransaction(object, lookedUp, context);
  if (result.kind !== 'ok') throw new Error(result.message);
  return result;
};

describe('recording a balance transaction', () => {
  it("files a charge's transaction under the charge's payment intent", () => {
    const result = recorded(bt());
    expect(result.stream).toBe('payment-pi_1');
    expect(result.event.type).toBe('BalanceTransactionRecorded');
    expect(result.event.data).toMatchObject({ derived: { kind: 'balance_transaction', payment_id: 'pi_1' } });
  });

  it("files a refund's and a dispute's transaction under the payment intent they name", () => {
    const refund = { id: 're_1', object: 'refund', charge: 'ch_1', payment_intent: 'pi_7' };
    const dispute = { id: 'dp_1', object: 'dispute', charge: { id: 'ch_2', payment_intent: 'pi_8' } };
    expect(recorded(bt({ source: refund, type: 'refund', amount: -5, fee: 0, net: -5 })).stream).toBe(
      'payment-pi_7',
    );
    expect(recorded(bt({ source: dispute, type: 'adjustment', amount: -5, fee: 0, net: -5 })).stream).toBe(
      'payment-pi_8',
    );
  });

  it('uses the charge link the store knows when only a charge id is given, else the charge itself', () => {
    expect(recorded(bt({ source: 'ch_9' }), 'pi_9').stream).toBe('payment-pi_9');
    expect(recorded(bt({ source: 'ch_9' })).stream).toBe('payment-ch_9');
  });

  it("files a payout's own transaction under the payout", () => {
    const result = recorded(
      bt({
        source: 'po_1',
        type: 'payout',
        reporting_category: 'payout',
        amount: -9_680,
        fee: 0,
        net: -9_680,
      }),
    );
    expect(result.stream).toBe('payout-po_1');
  });

  it('keeps a transaction of an unknown source in the account-level stream', () => {
    const fee = bt({
      source: null,
      type: 'stripe_fee',
      reporting_category: 'fee',
      amount: -500,
      fee: 0,
      net: -500,
    });
    expect(recorded(fee).stream).toBe('balance-platform');
    const connected = recordBalanceTransaction(fee, null, { ...context, account: 'acct_1' });
    expect(connected.kind === 'ok' && connected.stream).toBe('balance-acct_1');
    expect(recorded(bt({ source: 'tr_1', type: 'transfer' })).stream).toBe('balance-platform');
  });

  it('gives the same event id to the same transaction in the same status, a new one when its status moves', () => {
    const pending = recorded(bt()).event.id;
    expect(recorded(bt()).event.id).toBe(pending);
    expect(recorded(bt({ status: 'available' })).event.id).not.toBe(pending);
  });

  it('refuses a transaction whose net is not amount - fee, or lacks an amount, naming the field', () => {
    expect(recordBalanceTransaction(bt({ net: 1 }), null, context)).toEqual({
      kind: 'invalid',
      message: 'balance_transaction.net: must equal amount - fee',
    });
    expect(recordBalanceTransaction(bt({ amount: undefined }), null, context)).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('balance_transaction.amount: missing'),
    });
  });
});

describe('reconciling a payout', () => {
  const payout = {
    id: 'po_1',
    object: 'payout',
    amount: 9_680,
    currency: 'usd',
    status: 'paid',
    created: 1_736_380_800,
    automatic: true,
    balance_transaction: 'txn_po',
  };
  const own = bt({
    id: 'txn_po',
    source: 'po_1',
    type: 'payout',
    reporting_category: 'payout',
    amount: -9_680,
    fee: 0,
    net: -9_680,
  });

  it('records the payout with its transactions in its stream, idempotently whatever their order', () => {
    const a = reconcilePayout(payout, [bt(), own], context);
    const b = reconcilePayout(payout, [own, bt()], context);
    if (a.kind !== 'ok' || b.kind !== 'ok') throw new Error('not recorded');
    expect(a.stream).toBe('payout-po_1');
    expect(a.event.type).toBe('PayoutReconciled');
    expect(a.event.id).toBe(b.event.id);
    expect(reconcilePayout(payout, [own], context)).toMatchObject({
      kind: 'ok',
      event: { id: expect.not.stringMatching(a.event.id) },
    });
  });

  it('refuses a listing with a malformed transaction, naming it', () => {
    expect(reconcilePayout(payout, [own, { id: 'txn_x' }], context)).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/^transactions\[1\]\./),
    });
  });
});
