import type { Db } from '../src/db/port.js';
import type { SyncSummary } from '../src/sync/syncPass.js';
import { runCli } from './support/cli.js';
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { readModels, waitForCheckpointsAtHead } from './support/ledgerRows.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { accountEvents, deliveredShare, type AccountEvents } from './support/stripeApi/stripeAccountData.js';
import { startStripeApi, type StripeApiStandIn } from './support/stripeApi/stripeApiStandIn.js';
import { postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';
import { standInSyncPass } from './support/stripeApi/standInClient.js';

const CONNECTED = 'acct_1SyncConnected';

const syncOnce = (db: Db, api: StripeApiStandIn, accounts: string[] = []): Promise<SyncSummary> =>
  standInSyncPass(db, api, {
    client: { retry: { retries: 8, networkRetries: 2, initialDelayMs: 20, maxDelayMs: 200 } },
    accounts,
  });

const deliver = async (ledger: TestServer, bodies: Iterable<string>) => {
  for (const body of bodies) {
    const answer = await postWebhook(ledger.url, body);
    expect(answer.status).toBe(200);
  }
};

/** How many events the log holds, and how many distinct Stripe events (or snapshots) they are. */
const logCounts = async (db: Db) => {
  const { rows } = await db.query<{ total: string; distinct_ids: string; head: string }>(
    `SELECT count(*) AS total, count(DISTINCT metadata->>'stripe_event_id') AS distinct_ids,
            (SELECT position FROM eventstore.head) AS head FROM eventstore.events`,
  );
  return {
    total: Number(rows[0]!.total),
    distinct: Number(rows[0]!.distinct_ids),
    head: Number(rows[0]!.head),
  };
};

/** The read models that do not depend on arrival order (status history records transitions as they
 * were applied), plus how many history rows there are: one per event applied to a payment. */
const finalRows = async (db: Db) => {
  const { history, ...rows } = await readModels(db);
  return { ...rows, historyRows: history.length };
};
type FinalRows = Awaited<ReturnType<typeof finalRows>>;

/** A ledger fed every event by webhook: what the read models must equal. */
const referenceOf = async (bodies: Iterable<string>): Promise<FinalRows> => {
  const database = await createTestDatabase();
  const ledger = await startLedger(database.url);
  try {
    await deliver(ledger, bodies);
    await waitForCheckpointsAtHead(database.db);
    return await finalRows(database.db);
  } finally {
    await ledger.stop();
    await database.drop();
  }
};

describeWithPostgres('a second ledger process and a real server')('Stripe sync', () => {
  let api: StripeApiStandIn;
  let recent: AccountEvents;
  let connected: AccountEvents;
  let reference: FinalRows;
  const databases: TestDatabase[] = [];
  const ledgers: TestServer[] = [];

  const freshLedger = async (env: Record<string, string> = {}) => {
    const database = await createTestDatabase();
    databases.push(database);
    const ledger = await startLedger(database.url, { env });
    ledgers.push(ledger);
    return { database, ledger };
  };

  beforeAll(async () => {
    api = await startStripeApi({ seed: 11 });
    recent = accountEvents({ seed: 3, payments: 30, fromDaysAgo: 20, toDaysAgo: 8, prefix: 'rc' });
    connected = accountEvents({
      seed: 4,
      payments: 8,
      fromDaysAgo: 15,
      toDaysAgo: 9,
      prefix: 'cn',
      account: CONNECTED,
    });
    api.addEvents(recent.events);
    api.addEvents(connected.events, { account: CONNECTED });
    reference = await referenceOf([...recent.bodies.values(), ...connected.bodies.values()]);
  });

  afterEach(async () => {
    for (const ledger of ledgers.splice(0)) await ledger.stop();
    for (const database of databases.splice(0)) await database.drop();
    Object.assign(api.faults, { rateLimited: 0, serverErrors: 0, enforceRps: 0, shouldRetry: undefined });
  });
  afterAll(() => api.close());

  it('stores every event webhooks missed exactly once, connected accounts included, and the read models end exactly right', async () => {
    const { database, ledger } = await freshLedger();
    const all = [...recent.events, ...connected.events];
    const delivered = deliveredShare(all, 0.7, 5);
    const bodies = new Map([...recent.bodies, ...connected.bodies]);
    await deliver(
      ledger,
      [...delivered].map((id) => bodies.get(id)!),
    );
    expect((await logCounts(database.db)).total).toBe(delivered.size);

    const summary = await syncOnce(database.db, api, [CONNECTED]);

    expect(summary.events_seen).toBe(all.length);
    expect(summary.events_appended).toBe(all.length - delivered.size);
    const counts = await logCounts(database.db);
    expect(counts).toMatchObject({ total: all.length, distinct: all.length });
    await waitForCheckpointsAtHead(database.db);
    expect(await finalRows(database.db)).toEqual(reference);
    const { rows } = await database.db.query<{ account: string | null; n: string }>(
      `SELECT metadata->>'account' AS account, count(*) AS n FROM eventstore.events GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((r) => [r.account, Number(r.n)])).toEqual([
      [CONNECTED, connected.events.length],
      [null, recent.events.length],
    ]);

    const again = await syncOnce(database.db, api, [CONNECTED]);
    expect(again).toMatchObject({ events_appended: 0, objects_imported: 0 });
    expect((await logCounts(database.db)).head).toBe(counts.head);
  });

  it('fills a fresh ledger that never got a webhook from its own periodic sync alone', async () => {
    const { database, ledger } = await freshLedger({
      STRIPE_API_KEY: api.key,
      STRIPE_API_BASE: api.base,
      STRIPE_SYNC_INTERVAL: '1',
      STRIPE_API_RPS: '100',
      STRIPE_SYNC_ACCOUNTS: CONNECTED,
    });
    const total = recent.events.length + connected.events.length;
    const passes = async () => {
      const { rows } = await database.db.query<{ n: string }>(
        'SELECT count(*) AS n FROM ledger.stripe_sync_passes WHERE succeeded',
      );
      return Number(rows[0]!.n);
    };
    await waitFor(async () => (await passes()) >= 1, {
      timeoutMs: 30_000,
      what: 'a periodic sync pass to succeed',
    });
    expect((await logCounts(database.db)).total).toBe(total);
    await waitForCheckpointsAtHead(database.db);
    expect(await finalRows(database.db)).toEqual(reference);
    const metrics = await (await fetch(`${ledger.url}/metrics`)).text();
    expect(metrics).toContain(`stripe_ledger_sync_events_recovered_total{account="all"} ${total}`);
    expect(metrics).toMatch(/stripe_ledger_stripe_api_requests_total\{status="200"\} [1-9]/);
    expect(metrics).toMatch(/stripe_ledger_sync_last_success_timestamp_seconds [1-9]/);
  });

  it('rides out a 429 storm with random 500s and never exceeds STRIPE_API_RPS measured at the stand-in', async () => {
    const { database } = await freshLedger();
    api.faults.rateLimited = 0.4;
    api.faults.serverErrors = 0.1;
    api.faults.enforceRps = 5;
    const from = api.requests.length;
    const result = await runCli(['sync'], {
      DATABASE_URL: database.url,
      STRIPE_API_KEY: api.key,
      STRIPE_API_BASE: api.base,
      STRIPE_API_RPS: '5',
    });
    expect(result.stderr).toMatch(/^stripe-ledger: using PostgreSQL at [^\n]+\n$/);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as SyncSummary;
    expect(summary.events_appended).toBe(recent.events.length);
    // The money part of the pass ran too: this account has no balance transactions, and a ledger empty
    // of them agrees with an empty Stripe balance.
    expect(summary).toMatchObject({ balance_transactions: 0, payouts_reconciled: 0 });
    expect(summary.balance_check).toMatchObject({ kind: 'checked', matches: true });
    const mine = api.requests.slice(from);
    expect(mine.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    let most = 0;
    for (let i = 0, j = 0; i < mine.length; i += 1) {
      while (mine[i]!.at - mine[j]!.at >= 1000) j += 1;
      most = Math.max(most, i - j + 1);
    }
    expect(most).toBeLessThanOrEqual(5);
  });
});
