/**
 * Done-when of the money issue, end to end: a stand-in Stripe account of hundreds of payments with
 * refunds (one failing), disputes lost and won, Stripe fees and 20+ automatic daily payouts per
 * currency; the sync records it through the real `stripe` client, the projector folds it, the finance
 * API answers.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino from 'pino';
import { Registry } from 'prom-client';
import { projectionWatch } from '../src/health/projectionWatch.js';
import { queryApiRouter } from '../src/api/queryRouter.js';
import { lastBalanceCheck } from '../src/api/reconciliation.js';
import { newEventOf, streamFor, translate } from '../src/domain/translate.js';
import { watchBalanceChecks } from '../src/observability/balanceCheckMetrics.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { startProjector, type Projector } from '../src/projector/projector.js';
import { syncMoney } from '../src/sync/moneySync.js';
import { projections } from '../projections/index.js';
import { generateMoneyHistory, type MoneyHistory } from './support/moneyHistory.js';
import { loadMoneyAccount } from './support/stripeApi/moneyAccount.js';
import { startStripeApi, type StripeApiStandIn } from './support/stripeApi/stripeApiStandIn.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';
import { standInClient } from './support/stripeApi/standInClient.js';

const TOKEN = 'money-test-token-0123456789';
const RANGE = 'from=2025-01-01&to=2025-12-31';
type Json = Record<string, unknown>;

describe('money from a stand-in Stripe account to the finance API', () => {
  let database: TestDatabase;
  let api: StripeApiStandIn;
  let projector: Projector;
  let server: ReturnType<express.Express['listen']>;
  let base: string;
  let history: MoneyHistory;
  let first: Awaited<ReturnType<typeof syncMoney>>;

  const get = async (path: string, accept = 'application/json') => {
    const response = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}`, accept } });
    const text = await response.text();
    return { status: response.status, text, body: (accept.includes('json') ? JSON.parse(text) : {}) as Json };
  };
  const all = async (path: string): Promise<Json[]> => {
    const rows: Json[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Json[]; next_cursor: string | null } = (
        await get(`${path}${path.includes('?') ? '&' : '?'}limit=1000${cursor ? `&cursor=${cursor}` : ''}`)
      ).body as never;
      rows.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return rows;
  };

  const settlement = async () => (await get(`/api/reports/settlement?${RANGE}`)).body.data as Json[];

  const sync = () => {
    return syncMoney({
      db: database.db,
      store: postgresEventStore(database.db),
      stripe: standInClient(api),
      scopes: [{ account: null }],
    });
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    history = generateMoneyHistory({ seed: 2026, days: 30, paymentsPerDay: 6, currencies: ['usd', 'eur'] });
    api = await startStripeApi({ seed: 3 });
    loadMoneyAccount(api, history);
    // Stripe's API is flaky now and then: the sync retries through it.
    api.faults.rateLimited = 0.05;
    api.faults.serverErrors = 0.02;
    api.faults.shouldRetry = 'true';
    const store = postgresEventStore(database.db);
    projector = await startProjector({
      db: database.db,
      store,
      projections,
      logger: pino({ level: 'silent' }),
      pollMs: 50,
    });
    const app = express();
    app.use(
      queryApiRouter({
        db: database.db,
        store,
        apiTokens: [TOKEN],
        watch: projectionWatch(database.db, store),
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    first = await sync();
  }, 240_000);
  afterAll(async () => {
    await projector?.stop();
    server?.close();
    await api?.close();
    await database?.drop();
  });

  it('is an account of hundreds of payments, failing refunds, disputes lost and won, and 20+ daily payouts', () => {
    expect(history.payments.length).toBeGreaterThan(300);
    const types = history.transactions.map((bt) => `${String(bt.type)}/${String(bt.reporting_category)}`);
    for (const kind of [
      'refund/refund',
      'payment_failure_refund/refund_failure',
      'adjustment/dispute',
      'adjustment/dispute_reversal',
      'stripe_fee/fee',
      'payout_failure/payout_reversal',
    ]) {
      expect(types).toContain(kind);
    }
    for (const currency of ['usd', 'eur']) {
      const paid = history.payouts.filter((p) => p.currency === currency && p.status === 'paid');
      expect(paid.length).toBeGreaterThanOrEqual(20);
    }
    expect(first.invalid).toEqual([]);
  });

  it('holds every balance transaction with its fee, net, category, payment and payout', async () => {
    const rows = await all('/api/balance-transactions');
    expect(rows).toHaveLength(history.transactions.length);
    const byId = new Map(rows.map((row) => [row.balance_transaction_id, row]));
    const paidBy = new Map<string, string>();
    for (const payout of history.payouts) {
      if (payout.status !== 'paid') continue;
      for (const id of history.payoutTransactions.get(payout.id as string)!)
        paidBy.set(id, payout.id as string);
    }
    for (const bt of history.transactions) {
      const source = bt.source as { payment_intent?: string } | string | null;
      expect(byId.get(bt.id)).toMatchObject({
        amount: bt.amount,
        fee: bt.fee,
        net: bt.net,
        reporting_category: bt.reporting_category,
        status: bt.status,
        payment_id: typeof source === 'object' && source !== null ? (source.payment_intent ?? null) : null,
        payout_id: paidBy.get(bt.id as string) ?? (bt.type === 'payout' ? source : null),
      });
    }
  });

  it('reads transactions as Stripe lists them: no payout field, the payout known only by the ?payout= filter', async () => {
    const stripe = async (path: string) =>
      (await (
        await fetch(`${api.base}${path}`, { headers: { authorization: `Bearer ${api.key}` } })
      ).json()) as {
        data: Json[];
      };
    const listed = await stripe('/v1/balance_transactions?limit=100');
    expect(listed.data).toHaveLength(100);
    expect(listed.data.filter((bt) => 'payout' in bt)).toEqual([]);
    const payout = history.payouts.find((p) => p.status === 'paid')!;
    const paidOut = await stripe(`/v1/balance_transactions?payout=${String(payout.id)}&limit=100`);
    expect(paidOut.data.map((bt) => bt.id).sort()).toEqual(
      [...history.payoutTransactions.get(payout.id as string)!].sort(),
    );
  });

  it('reconciles every paid payout to the cent', async () => {
    const payouts = await all('/api/payouts?status=paid');
    expect(payouts.length).toBe(history.payouts.filter((p) => p.status === 'paid').length);
    for (const payout of payouts) {
      expect(payout).toMatchObject({ reconciled: true, transactions_net: payout.amount });
    }
    const one = (await get(`/api/payouts/${String(payouts[0]!.payout_id)}`)).body as Json & {
      transactions: Json[];
      totals: { reporting_category: string; net: number }[];
    };
    expect(one.transactions.length).toBe((payouts[0]!.transaction_count as number) + 1);
    expect(one.totals.reduce((sum, t) => sum + t.net, 0)).toBe(0);
  });

  it('answers a settlement report equal to the transactions summed by day, currency and category', async () => {
    const report = (await get('/api/reports/settlement?from=2025-01-01&to=2025-12-31')).body.data as Json[];
    const summed = new Map<string, { count: number; gross: number; fee: number; net: number }>();
    for (const bt of history.transactions) {
      const day = new Date((bt.created as number) * 1000).toISOString().slice(0, 10);
      const key = `${day}/${String(bt.currency)}/${String(bt.reporting_category)}`;
      const mine = summed.get(key) ?? { count: 0, gross: 0, fee: 0, net: 0 };
      mine.count += 1;
      mine.gross += bt.amount as number;
      mine.fee += bt.fee as number;
      mine.net += bt.net as number;
      summed.set(key, mine);
    }
    expect(
      new Map(
        report.map((r) => [
          `${String(r.day)}/${String(r.currency)}/${String(r.reporting_category)}`,
          { count: r.count, gross: r.gross, fee: r.fee, net: r.net },
        ]),
      ),
    ).toEqual(summed);
    const csv = await get('/api/reports/settlement?from=2025-01-01&to=2025-12-31&format=csv', 'text/csv');
    const lines = csv.text.trim().split(/\r?\n/);
    expect(lines[0]).toBe('day,currency,reporting_category,count,gross,fee,net');
    expect(lines).toHaveLength(report.length + 1);
  });

  it('answers CSV of the first `limit` rows of the settlement report for ?format=csv&limit=', async () => {
    const whole = await settlement();
    expect(whole.length).toBeGreaterThan(5);
    const csv = await get(`/api/reports/settlement?${RANGE}&format=csv&limit=5`, 'text/csv');
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split(/\r?\n/);
    expect(lines[0]).toBe('day,currency,reporting_category,count,gross,fee,net');
    expect(lines.slice(1).map((line) => line.split(',').slice(0, 3).join('/'))).toEqual(
      whole.slice(0, 5).map((r) => `${String(r.day)}/${String(r.currency)}/${String(r.reporting_category)}`),
    );
    const all = await get(`/api/reports/settlement?${RANGE}&format=csv`, 'text/csv');
    expect(all.text.trim().split(/\r?\n/)).toHaveLength(whole.length + 1);
  });

  it('pages the settlement report by limit and next_cursor, together the whole report in order', async () => {
    const whole = await settlement();
    const rows: Json[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: { data: Json[]; next_cursor: string | null } = (
        await get(`/api/reports/settlement?${RANGE}&limit=4${cursor === null ? '' : `&cursor=${cursor}`}`)
      ).body as never;
      expect(page.data.length).toBeLessThanOrEqual(4);
      rows.push(...page.data);
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(Math.ceil(whole.length / 4));
    expect(rows).toEqual(whole);
  });

  it('answers 400 naming limit or cursor when one of the settlement report is bad', async () => {
    expect((await get(`/api/reports/settlement?${RANGE}&limit=0`)).body).toMatchObject({
      error: { parameter: 'limit' },
    });
    const forged = Buffer.from(JSON.stringify(['settlement', 'yesterday', 'usd', 'charge'])).toString(
      'base64url',
    );
    const bad = await get(`/api/reports/settlement?${RANGE}&cursor=${forged}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { parameter: 'cursor' } });
  });
  it('says the journal matches Stripe balance, and the journal stripe_balance equals it', async () => {
    expect(first.balance_check).toMatchObject({ kind: 'checked', matches: true });
    const { body } = await get('/api/reconciliation');
    expect(body.matches).toBe(true);
    const entries = body.stripe_balance as Json[];
    expect(entries.map((e) => e.currency)).toEqual(['eur', 'usd']);
    const balances = (await get('/api/journal/balances')).body.data as Json[];
    for (const [currency, { available, pending }] of history.balance) {
      expect(entries.find((e) => e.currency === currency)).toMatchObject({
        ledger: available + pending,
        stripe_available: available,
        stripe_pending: pending,
        stripe_total: available + pending,
        matches: true,
      });
      const inJournal = balances.filter((b) => b.currency === currency);
      expect(inJournal.find((b) => b.account === 'stripe_balance')?.balance).toBe(available + pending);
      expect(inJournal.reduce((sum, b) => sum + (b.balance as number), 0)).toBe(0);
    }
  });

  it("shows a payment's balance transactions, with fee and net, beside its webhooks", async () => {
    const disputed = history.payments.find((p) => p.disputes.length > 0)!;
    const intent = disputed.intent;
    const translated = translate({
      id: `evt_pi_${String(intent.id)}`,
      object: 'event',
      api_version: '2024-06-20',
      created: intent.created,
      livemode: false,
      type: 'payment_intent.succeeded',
      data: { object: intent },
    });
    if (translated.kind !== 'ok') throw new Error(translated.message);
    const t = translated.event;
    await postgresEventStore(database.db).append(
      streamFor(t.data.derived, null, t.stripe.id).stream,
      [newEventOf(t, new Date())],
      'any',
    );
    let payment: Json = {};
    await waitFor(
      async () => {
        const answer = await get(`/api/payments/${String(intent.id)}`);
        payment = answer.body;
        return answer.status === 200;
      },
      { what: 'the payment in the read model' },
    );
    const categories = (payment.balance_transactions as Json[]).map((bt) => bt.reporting_category);
    expect(categories).toEqual(
      disputed.disputes[0]!.status === 'won'
        ? ['charge', 'dispute', 'dispute_reversal']
        : ['charge', 'dispute'],
    );
    const charge = (payment.balance_transactions as Json[])[0]!;
    expect(charge.fee).toBe(Math.round((intent.amount as number) * 0.029) + 30);
    expect(charge.net).toBe((intent.amount as number) - (charge.fee as number));
  });

  it('exports whether the last balance check matched, per currency, for alerting', async () => {
    const registry = new Registry();
    watchBalanceChecks(registry, () => lastBalanceCheck(database.db));
    const text = await registry.metrics();
    expect(text).toContain('stripe_ledger_balance_check_matches{currency="usd"} 1');
    expect(text).toContain('stripe_ledger_balance_check_difference{currency="eur"} 0');
  });

  it('answers journal balances at a past time from whole days and the lines of the last one', async () => {
    const at = '2025-01-20T13:00:00Z';
    const { body } = await get(`/api/journal/balances?at=${at}`);
    const cut = Date.parse(at) / 1000;
    const expected = history.transactions
      .filter((bt) => (bt.created as number) <= cut && bt.currency === 'usd')
      .reduce((sum, bt) => sum + (bt.net as number), 0);
    expect(body.at).toBe('2025-01-20T13:00:00.000Z');
    const balance = (body.data as Json[]).find((b) => b.account === 'stripe_balance' && b.currency === 'usd');
    expect(balance?.balance).toBe(expected);
    const dayEnd = (await get('/api/journal/balances?at=2025-01-20')).body;
    expect(dayEnd.at).toBe('2025-01-20T23:59:59.999Z');
    // The instant it answers for gives the same balances: the next day's midnight is not in it.
    expect((await get(`/api/journal/balances?at=${String(dayEnd.at)}`)).body).toEqual(dayEnd);
  });

  it('filters balance transactions, exports them as CSV, and answers 400 or 404 naming the problem', async () => {
    const payout = history.payouts.find((p) => p.status === 'paid')!;
    const paidOut = await all(
      `/api/balance-transactions?payout_id=${String(payout.id)}&reporting_category=charge`,
    );
    expect(paidOut.length).toBeGreaterThan(0);
    expect(paidOut.every((bt) => bt.payout_id === payout.id && bt.reporting_category === 'charge')).toBe(
      true,
    );
    const csv = await get('/api/balance-transactions?currency=eur&type=payout', 'text/csv');
    const lines = csv.text.trim().split(/\r?\n/);
    expect(lines[0]!.split(',')).toContain('reporting_category');
    expect(lines.length - 1).toBe(
      history.transactions.filter((bt) => bt.currency === 'eur' && bt.type === 'payout').length,
    );
    const bad = await get('/api/balance-transactions?reporting_category=Robert%27);DROP');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { code: 'invalid_parameter', parameter: 'reporting_category' } });
    expect((await get('/api/reports/settlement?from=2025-02-01&to=2025-01-01')).body).toMatchObject({
      error: { parameter: 'to' },
    });
    expect((await get('/api/journal/balances?at=yesterday')).status).toBe(400);
    expect((await get('/api/payouts/po_nope')).status).toBe(404);
  });

  it('appends nothing on a second pass when nothing changed, and still matches', async () => {
    const again = await sync();
    expect(again.balance_transactions_appended).toBe(0);
    expect(again.payouts_reconciled).toBe(0);
    expect(again.balance_check).toMatchObject({ kind: 'checked', matches: true });
  }, 120_000);

  it('says matches: false, naming the currency, when Stripe holds a cent the ledger does not', async () => {
    const funds = (field: 'available' | 'pending') =>
      [...history.balance].map(([currency, b]) => ({
        amount: b[field] + (currency === 'usd' && field === 'pending' ? 1 : 0),
        currency,
      }));
    api.setBalance({ available: funds('available'), pending: funds('pending') });
    const third = await sync();
    expect(third.balance_check).toMatchObject({ kind: 'checked', matches: false });
    const { body } = await get('/api/reconciliation');
    expect(body.matches).toBe(false);
    expect((body.stripe_balance as Json[]).filter((e) => !e.matches).map((e) => e.currency)).toEqual(['usd']);
  }, 120_000);
});
