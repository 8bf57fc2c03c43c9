/**
 * A daily automatic payout of thousands of charges on EventStoreDB, which takes no append over 1 MiB:
 * as one PayoutReconciled its reconciliation was refused in every pass, the cursors never moved, and the
 * balance check never ran. Recorded in parts under the limit, it reconciles; a pass stopped between its
 * parts is finished by the next one.
 */
import pino from 'pino';
import { PAYOUT_RECONCILED } from '../src/domain/moneyEvents.js';
import type { EventStore, StoredEvent } from '../src/eventstore/port.js';
import { startProjector, type Projector } from '../src/projector/projector.js';
import { syncMoney, type MoneyStore } from '../src/sync/moneySync.js';
import { projections } from '../projections/index.js';
import { useInProcessStore } from './support/eventstoredb/inProcessStore.js';
import { standInClient } from './support/stripeApi/standInClient.js';
import { startStripeApi, type StripeApiStandIn } from './support/stripeApi/stripeApiStandIn.js';
import { waitFor } from './support/waitFor.js';

type Json = Record<string, unknown>;

const MIB = 1024 * 1024;
/** 2025-03-03T00:00:00Z */
const DAY = 1_740_960_000;

/** A card charge as Stripe lists its balance transaction (source not expanded), about 600 bytes. */
const chargeTransaction = (payout: string, i: number, created: number): Json => {
  const amount = 1_000 + ((i * 7_919) % 90_000);
  const fee = Math.round(amount * 0.029) + 30;
  return {
    id: `txn_${payout}_${String(i).padStart(5, '0')}`,
    object: 'balance_transaction',
    amount,
    available_on: created + 2 * 86_400,
    balance_type: 'payments',
    created,
    currency: 'usd',
    description: `Subscription renewal, monthly plan, for customer cus_${payout}${i}, invoice in_${payout}${i}`,
    exchange_rate: null,
    fee,
    fee_details: [
      {
        amount: fee,
        application: null,
        currency: 'usd',
        description: 'Stripe processing fees',
        type: 'stripe_fee',
      },
    ],
    net: amount - fee,
    reporting_category: 'charge',
    source: `ch_${payout}_${i}`,
    status: 'available',
    type: 'charge',
  };
};

/**
 * The charge a transaction's source names, as `expand[]=data.source` gives it. The charges belong to 200
 * payment intents, so the balance-transaction pass appends to 200 payment streams at a time: on
 * EventStoreDB every stream is an append of its own, each taking PostgreSQL connections (claims, charge
 * links), and a thousand at once wait longer than the pool's connect timeout on a loaded machine.
 */
const chargeOf = (payout: string, i: number, bt: Json): Json => ({
  id: bt.source,
  object: 'charge',
  amount: bt.amount,
  currency: bt.currency,
  created: bt.created,
  payment_intent: `pi_${payout}_${i % 200}`,
  status: 'succeeded',
});

/** A paid automatic payout of `charges` card charges created on `day`, paid out the day after. */
const dailyPayout = (id: string, charges: number, day: number) => {
  const transactions = Array.from({ length: charges }, (_, i) =>
    chargeTransaction(id, i, day + Math.floor((i * 86_399) / charges)),
  );
  const sources = transactions.map((bt, i) => chargeOf(id, i, bt));
  const amount = transactions.reduce((sum, bt) => sum + (bt.net as number), 0);
  const created = day + 86_400 + 3_600;
  const payout = {
    id,
    object: 'payout',
    amount,
    arrival_date: created + 86_400,
    automatic: true,
    balance_transaction: `txn_${id}_own`,
    created,
    currency: 'usd',
    method: 'standard',
    status: 'paid',
    type: 'bank_account',
  };
  const own = {
    id: `txn_${id}_own`,
    object: 'balance_transaction',
    amount: -amount,
    available_on: created,
    created,
    currency: 'usd',
    description: 'STRIPE PAYOUT',
    fee: 0,
    fee_details: [],
    net: -amount,
    reporting_category: 'payout',
    source: id,
    status: 'available',
    type: 'payout',
  };
  return { payout, listing: [...transactions, own], sources };
};

const isPart = (event: StoredEvent) => event.type === PAYOUT_RECONCILED;
const partData = (event: StoredEvent) =>
  event.data as { transactions: { id: string }[]; reconciliation: { count: number } };

describe('a payout too large for one EventStoreDB append, synced from Stripe', () => {
  const esdb = useInProcessStore();
  let api: StripeApiStandIn;
  let projector: Projector;
  /** Stripe's balance: what was charged and not paid out yet. */
  const unpaid = chargeTransaction('later', 0, DAY + 2 * 86_400);

  beforeAll(async () => {
    api = await startStripeApi();
    projector = await startProjector({
      db: esdb.database.db,
      store: esdb.store,
      projections,
      logger: pino({ level: 'silent' }),
      pollMs: 50,
    });
    api.setBalance({ available: [{ amount: unpaid.net, currency: 'usd' }], pending: [] });
  });
  afterAll(async () => {
    await projector?.stop();
    await api?.close();
  });

  /** Stripe pays out `payout` with every transaction of `listing` (and holds them, and it). */
  const given = ({ payout, listing, sources }: ReturnType<typeof dailyPayout>, ...others: Json[]) => {
    api.addObjects(sources);
    api.addObjects([...listing, ...others].sort((a, b) => (a.created as number) - (b.created as number)));
    api.addObjects([payout]);
    api.payOut(
      payout.id,
      listing.map((bt) => bt.id as string),
    );
  };

  const sync = (store: MoneyStore = esdb.store) =>
    syncMoney({
      db: esdb.database.db,
      store,
      stripe: standInClient(api, { requestsPerSecond: 1_000 }),
      scopes: [{ account: null }],
    });

  const parts = async (payoutId: string) =>
    (await esdb.store.readStream(`payout-${payoutId}`)).filter(isPart);

  const payoutRow = async (payoutId: string) => {
    const head = await esdb.store.headPosition();
    await waitFor(
      async () => {
        const { rows } = await esdb.database.db.query<{ position: string }>(
          `SELECT position FROM ledger.projection_checkpoints WHERE projection = 'payouts'`,
        );
        return Number(rows[0]?.position ?? 0) >= head;
      },
      { what: 'the payouts projection at the head of the log', timeoutMs: 30_000 },
    );
    const { rows } = await esdb.database.db.query<Json>(
      `SELECT status, transaction_count, transactions_net::int, amount::int, reconciled
         FROM ledger.payouts WHERE payout_id = $1`,
      [payoutId],
    );
    return rows[0];
  };

  /** The store, except that a pass dies once it has appended `kept` parts of a reconciliation, as a
   * killed process or a dropped connection leaves it. */
  const stoppingAfterParts = (store: EventStore, kept: number): EventStore => ({
    ...store,
    appendMany: async (requests) => {
      if (!requests.some((request) => request.events.some((event) => event.type === PAYOUT_RECONCILED))) {
        return store.appendMany(requests);
      }
      await store.appendMany(requests.slice(0, kept));
      throw new Error(`the connection dropped after ${kept} parts of the reconciliation`);
    },
  });

  it('reconciles a daily payout of 2,000 charges, over 1 MiB as one event, in parts, and the balance check runs', async () => {
    const daily = dailyPayout('po_daily', 2_000, DAY);
    expect(Buffer.byteLength(JSON.stringify(daily.listing))).toBeGreaterThan(MIB);
    given(daily, unpaid);

    const first = await sync();

    expect(first).toMatchObject({
      payouts_reconciled: 1,
      invalid: [],
      balance_check: { kind: 'checked', matches: true, entries: [{ currency: 'usd', ledger: unpaid.net }] },
    });
    const stored = await parts('po_daily');
    expect(stored.length).toBeGreaterThan(4);
    for (const part of stored) expect(Buffer.byteLength(JSON.stringify(part.data))).toBeLessThan(MIB / 2);
    const ids = stored.flatMap((part) => partData(part).transactions.map((bt) => bt.id));
    expect(ids.sort()).toEqual(daily.listing.map((bt) => bt.id as string).sort());
    expect(await payoutRow('po_daily')).toEqual({
      status: 'paid',
      transaction_count: 2_000,
      transactions_net: daily.payout.amount,
      amount: daily.payout.amount,
      reconciled: true,
    });

    const again = await sync();
    expect(again).toMatchObject({ payouts_reconciled: 0, balance_transactions_appended: 0 });
    expect(await parts('po_daily')).toHaveLength(stored.length);
  }, 180_000);

  it('finishes a reconciliation a pass left between parts, appending only the parts it lacked', async () => {
    const next = dailyPayout('po_next', 1_200, DAY + 3 * 86_400);
    given(next);

    await expect(sync(stoppingAfterParts(esdb.store, 2))).rejects.toThrow(/dropped after 2 parts/);
    const before = await parts('po_next');
    expect(before).toHaveLength(2);
    expect(partData(before[0]!).reconciliation.count).toBeGreaterThan(2);
    expect(await payoutRow('po_next')).toMatchObject({
      status: 'paid',
      transaction_count: null,
      transactions_net: null,
      reconciled: false,
    });

    const resumed = await sync();

    expect(resumed).toMatchObject({
      payouts_reconciled: 1,
      invalid: [],
      balance_check: { kind: 'checked', matches: true },
    });
    const after = await parts('po_next');
    expect(after).toHaveLength(partData(before[0]!).reconciliation.count);
    expect(after.slice(0, 2).map((part) => part.id)).toEqual(before.map((part) => part.id));
    const ids = after.flatMap((part) => partData(part).transactions.map((bt) => bt.id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(next.listing.length);
    expect(await payoutRow('po_next')).toMatchObject({
      transaction_count: 1_200,
      transactions_net: next.payout.amount,
      reconciled: true,
    });
  }, 180_000);
});
