import { recordBalanceTransaction, reconcilePayout } from './balanceTransactions.js';
import type { NewEvent } from './ledgerEvent.js';
import type { ReconciliationPart } from './payoutParts.js';

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

/** A PayoutReconciled part's data. */
const dataOf = (event: NewEvent) =>
  event.data as { transactions: { id: string }[]; reconciliation: ReconciliationPart };

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

  const parts = (listing: unknown[], budget?: number) => {
    const result = reconcilePayout(payout, listing, context, budget);
    if (result.kind !== 'ok') throw new Error(result.message);
    return result.parts.map(({ stream, event }) => ({
      stream,
      id: event.id,
      type: event.type,
      data: dataOf(event),
    }));
  };
  /** `count` charge transactions of about 580 bytes each as JSON, ids in a shuffled order. */
  const charges = (count: number) =>
    Array.from({ length: count }, (_, i) =>
      bt({ id: `txn_${String((i * 7919) % count).padStart(5, '0')}`, description: 'x'.repeat(250) }),
    );

  it('records a listing that fits one part as the single event it always was: same id, whatever the order', () => {
    const [a, ...more] = parts([bt(), own]);
    expect(more).toEqual([]);
    expect(a!.stream).toBe('payout-po_1');
    expect(a!.type).toBe('PayoutReconciled');
    // UUIDv5 of "payout_reconciled:po_1:txn_1,txn_po": the id the event had before parts, so a payout
    // reconciled then is a duplicate now, not a second reconciliation.
    expect(a!.id).toBe('8711c276-9301-52eb-8ecf-02997e7d9772');
    expect(parts([own, bt()])[0]!.id).toBe(a!.id);
    expect(a!.data).toMatchObject({
      reconciliation: { id: a!.id, index: 0, count: 1, listed: 2 },
    });
    expect(parts([own])[0]!.id).not.toBe(a!.id);
  });

  it('splits a listing over the byte budget into parts within it, each transaction in exactly one', () => {
    const listing = [own, ...charges(300)];
    const budget = 16 * 1024;
    const split = parts(listing, budget);

    expect(split.length).toBeGreaterThanOrEqual(Math.ceil(JSON.stringify(listing).length / budget));
    const ids = split.flatMap(({ data }) => data.transactions.map((t) => t.id));
    expect(ids).toEqual(listing.map((t) => t.id).sort());
    const { id } = split[0]!.data.reconciliation;
    split.forEach(({ stream, data }, index) => {
      expect(stream).toBe('payout-po_1');
      expect(Buffer.byteLength(JSON.stringify(data.transactions))).toBeLessThanOrEqual(budget);
      expect(data.reconciliation).toEqual({ id, index, count: split.length, listed: 301 });
    });
    expect(new Set(split.map((part) => part.id)).size).toBe(split.length);
  });

  it('cuts a daily payout of 2,000 charges, over 1 MiB as one event, into parts of at most 256 KiB', () => {
    const listing = [own, ...charges(2_000)];
    expect(Buffer.byteLength(JSON.stringify(listing))).toBeGreaterThan(1024 * 1024);
    const split = parts(listing);
    expect(split.length).toBeGreaterThan(4);
    for (const { data } of split) {
      expect(Buffer.byteLength(JSON.stringify(data.transactions))).toBeLessThanOrEqual(256 * 1024);
    }
  });

  it('gives the parts of the same listing the same ids on every recording, whatever the order and repeats', () => {
    const listing = [own, ...charges(120)];
    const ids = (list: unknown[]) => parts(list, 8 * 1024).map((part) => part.id);
    expect(ids([...listing].reverse())).toEqual(ids(listing));
    expect(ids([...listing, ...listing.slice(0, 30)])).toEqual(ids(listing));
    // Another listing of the same payout is another reconciliation: none of its parts is taken for ours.
    const other = ids(listing.slice(1));
    expect(other.filter((id) => ids(listing).includes(id))).toEqual([]);
  });

  it('refuses a listing with a malformed transaction, naming it', () => {
    expect(reconcilePayout(payout, [own, { id: 'txn_x' }], context)).toMatchObject({
      kind: 'invalid',
      message: expect.stringMatching(/^transactions\[1\]\./),
    });
  });
});
