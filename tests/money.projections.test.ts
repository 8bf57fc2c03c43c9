import type { StoredEvent } from '../src/eventstore/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { rebuildProjections } from '../src/projector/rebuild.js';
import { balanceTransactionsProjection } from '../projections/balance_transactions/projection.js';
import { journalBalancesAt } from '../projections/journal/balancesAt.js';
import { journalProjection } from '../projections/journal/projection.js';
import type { Projection } from '../projections/projection.js';
import { payoutsProjection } from '../projections/payouts/projection.js';
import { applyInBatches, createTarget, shuffled, snapshotOf, storeEvents } from './support/dbTesting.js';
import { asStored, moneyEventsOf } from './support/moneyEvents.js';
import { DAY, generateMoneyHistory, START, type MoneyHistory } from './support/moneyHistory.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const MONEY: Projection[] = [balanceTransactionsProjection, payoutsProjection, journalProjection];

describe('money projections (balance transactions, payouts, journal) on PostgreSQL', () => {
  let database: TestDatabase;
  let history: MoneyHistory;
  let stored: StoredEvent[];

  // A schema per projection, as a rebuild of that projection alone would build it.
  const schemaOf = (schema: string, projection: Projection) =>
    schema === 'ledger' ? schema : `${schema}_${projection.name}`;
  const applyAll = async (events: readonly StoredEvent[], batchSize: number, schema = 'ledger') => {
    for (const projection of MONEY) {
      const target =
        schema === 'ledger'
          ? { schema }
          : await createTarget(database.db, schemaOf(schema, projection), projection);
      await applyInBatches(database.db, projection, events, batchSize, target);
    }
  };
  const snapshot = async (schema: string) => {
    const out: Record<string, unknown[]> = {};
    for (const projection of MONEY) {
      Object.assign(out, await snapshotOf(database.db, projection, schemaOf(schema, projection)));
    }
    return out;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    history = generateMoneyHistory({ seed: 12, days: 24, paymentsPerDay: 4, currencies: ['usd', 'eur'] });
    const events = asStored(moneyEventsOf(history));
    // Delivered out of order, some twice (the sync re-reading a page, a webhook redelivered).
    const arrival = shuffled([
      ...events,
      ...events.filter((_, i) => i % 7 === 0).map((e) => structuredClone(e)),
    ]);
    stored = await storeEvents(database.db, arrival);
    await applyAll(stored, 500);
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
  });

  it('holds every balance transaction with its fee, net, category, payment and payout', async () => {
    const { rows } = await database.db.query<Record<string, unknown>>(
      `SELECT balance_transaction_id AS id, type, reporting_category, payment_id, payout_id, amount::int, fee::int,
              net::int, currency, status, extract(epoch FROM created_at)::int AS created
         FROM ledger.balance_transactions`,
    );
    expect(rows).toHaveLength(history.transactions.length);
    const byId = new Map(rows.map((row) => [row.id, row]));
    const payoutOf = new Map(
      history.payouts
        .filter((p) => p.status === 'paid')
        .flatMap((p) => history.payoutTransactions.get(p.id as string)!.map((id) => [id, p.id])),
    );
    for (const bt of history.transactions) {
      const source = bt.source as { object?: string; payment_intent?: string } | string | null;
      const payment = typeof source === 'object' && source !== null ? (source.payment_intent ?? null) : null;
      expect(byId.get(bt.id)).toEqual({
        id: bt.id,
        type: bt.type,
        reporting_category: bt.reporting_category,
        payment_id: payment,
        payout_id: payoutOf.get(bt.id as string) ?? (bt.type === 'payout' ? (bt.source as string) : null),
        amount: bt.amount,
        fee: bt.fee,
        net: bt.net,
        currency: bt.currency,
        status: bt.status,
        created: bt.created,
      });
    }
  });

  it('reconciles every paid payout to the cent, and no payout that is not paid', async () => {
    const { rows } = await database.db.query<{
      payout_id: string;
      status: string;
      reconciled: boolean;
      amount: string;
      transactions_net: string | null;
    }>('SELECT payout_id, status, reconciled, amount, transactions_net FROM ledger.payouts');
    expect(rows).toHaveLength(history.payouts.length);
    expect(history.payouts.filter((p) => p.status === 'paid').length).toBeGreaterThan(20);
    for (const row of rows) {
      const payout = history.payouts.find((p) => p.id === row.payout_id)!;
      expect(row.status).toBe(payout.status);
      expect(row.reconciled).toBe(payout.status === 'paid');
      if (row.status === 'paid') expect(row.transactions_net).toBe(row.amount);
    }
  });

  it('keeps settlement totals equal to the transactions summed by day, currency and category', async () => {
    const summed = await database.db.query(
      `SELECT (created_at AT TIME ZONE 'UTC')::date::text AS day, currency, reporting_category,
              count(*)::int AS count, sum(amount)::int AS gross, sum(fee)::int AS fee, sum(net)::int AS net
         FROM ledger.balance_transactions GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
    );
    const kept = await database.db.query(
      `SELECT day::text, currency, reporting_category, count::int, gross::int, fee::int, net::int
         FROM ledger.settlement_daily ORDER BY 1, 2, 3`,
    );
    expect(kept.rows).toEqual(summed.rows);
  });

  it('books a balanced journal whose stripe_balance is Stripe balance, with daily movements that add up', async () => {
    const entries = await database.db.query(
      'SELECT balance_transaction_id FROM ledger.journal_lines GROUP BY 1 HAVING sum(amount) <> 0',
    );
    expect(entries.rows).toEqual([]);
    const trial = await database.db.query(
      'SELECT currency FROM ledger.journal_lines GROUP BY 1 HAVING sum(amount) <> 0',
    );
    expect(trial.rows).toEqual([]);
    const { rows } = await database.db.query<{ currency: string; balance: string }>(
      `SELECT currency, sum(amount)::text AS balance FROM ledger.journal_lines WHERE account = 'stripe_balance' GROUP BY 1`,
    );
    for (const [currency, { available, pending }] of history.balance) {
      expect(rows.find((r) => r.currency === currency)?.balance).toBe(String(available + pending));
    }
    const daily = await database.db.query(
      `SELECT l.day::text, l.account, l.currency, l.amount::text FROM (
         SELECT (occurred_at AT TIME ZONE 'UTC')::date AS day, account, currency, sum(amount) AS amount
           FROM ledger.journal_lines GROUP BY 1, 2, 3) l
       FULL JOIN ledger.journal_daily d USING (day, account, currency)
       WHERE l.amount IS DISTINCT FROM d.amount`,
    );
    expect(daily.rows).toEqual([]);
    const unknown = await database.db.query(
      `SELECT DISTINCT account FROM ledger.journal_lines WHERE account = 'climate_order_purchase'`,
    );
    expect(unknown.rows).toHaveLength(1);
  });

  it("sums stripe_balance up to a time, as the balance check reads it: whole days, then that day's lines", async () => {
    const expected = (cut: number) => {
      const sums = new Map<string, number>();
      for (const bt of history.transactions) {
        if ((bt.created as number) > cut) continue;
        const currency = bt.currency as string;
        sums.set(currency, (sums.get(currency) ?? 0) + (bt.net as number));
      }
      return sums;
    };
    const someCreated = history.transactions[history.transactions.length >> 1]!.created as number;
    for (const cut of [START + 9 * DAY + 13 * 3600, START + 12 * DAY, someCreated, someCreated - 1]) {
      const balances = await journalBalancesAt(
        database.db,
        { bound: new Date(cut * 1000).toISOString(), inclusive: true },
        'stripe_balance',
      );
      expect(balances.every((b) => b.account === 'stripe_balance')).toBe(true);
      const mine = new Map(balances.map((b) => [b.currency, b.balance]));
      for (const [currency, sum] of expected(cut))
        expect([cut, currency, mine.get(currency)]).toEqual([cut, currency, sum]);
    }
  });

  it('ends in the same rows applied one event at a time, and in yet another order (rebuilt equals live)', async () => {
    await applyAll(stored, 1, 'one_by_one');
    await applyAll([...stored].reverse(), 97, 'reversed');
    const live = await snapshot('ledger');
    expect(await snapshot('one_by_one')).toEqual(live);
    expect(await snapshot('reversed')).toEqual(live);
  }, 120_000);

  it('changes nothing when the same events are applied again', async () => {
    const before = await snapshot('ledger');
    await applyAll(stored, 1000);
    expect(await snapshot('ledger')).toEqual(before);
  });

  it('keeps a transaction of an unknown source at account level', async () => {
    const { rows } = await database.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ledger.balance_transactions WHERE payment_id IS NULL AND type = 'stripe_fee'`,
    );
    expect(rows[0]!.n).toBeGreaterThan(0);
    expect(stored.some((e) => e.stream === 'balance-platform')).toBe(true);
  });

  it('throws on a transaction it cannot book and writes nothing of its batch', async () => {
    const good = stored.find((e) => e.type === 'BalanceTransactionRecorded')!;
    const broken = structuredClone(good);
    broken.id = '00000000-0000-4000-8000-000000000001';
    Object.assign((broken.data as { object: Record<string, unknown> }).object, { id: 'txn_broken', net: 1 });
    for (const projection of [journalProjection]) {
      const target = await createTarget(database.db, `poison_${projection.name}`, projection);
      await expect(applyInBatches(database.db, projection, [good, broken], 10, target)).rejects.toThrow(
        /net 1 is not amount/,
      );
      expect(Object.values(await snapshotOf(database.db, projection, target.schema)).flat()).toEqual([]);
    }
    const missing = structuredClone(good);
    (missing.data as { object: Record<string, unknown> }).object.id = 'txn_missing';
    delete (missing.data as { object: Record<string, unknown> }).object.amount;
    for (const projection of [balanceTransactionsProjection, journalProjection]) {
      const target = await createTarget(database.db, `missing_${projection.name}`, projection);
      await expect(applyInBatches(database.db, projection, [good, missing], 10, target)).rejects.toThrow(
        /data\.object\.amount: expected an integer/,
      );
    }
  });

  it('rebuilds the same rows as live, whether it holds every state in memory or writes them every few', async () => {
    const live = await snapshot('ledger');
    const store = postgresEventStore(database.db);
    await rebuildProjections({ db: database.db, store, projections: MONEY, batchSize: 300 });
    expect(await snapshot('ledger')).toEqual(live);
    await rebuildProjections({
      db: database.db,
      store,
      projections: MONEY,
      batchSize: 50,
      maxStatesInMemory: 7,
      maxParkedBytes: 2_000,
    });
    expect(await snapshot('ledger')).toEqual(live);
  }, 120_000);
});
