/**
 * The balance check against a busy account: Stripe's balance is read at an instant inside a request,
 * while the journal dates each line at its transaction's `created`, in whole seconds. A transaction of
 * the read's own second may come after the read, one created while the request was in flight may be in
 * the answer: neither is a mismatch. A cent the journal has at no such cut still is.
 */
import pino from 'pino';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { startProjector, type Projector } from '../src/projector/projector.js';
import { syncMoney } from '../src/sync/moneySync.js';
import { projections } from '../projections/index.js';
import { startStripeApi, type StripeApiStandIn } from './support/stripeApi/stripeApiStandIn.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { adjustment, standInClient } from './support/stripeApi/standInClient.js';

/** 2025-03-03T12:00:00Z */
const NOON = 1_741_003_200;

let counter = 0;
const adjustmentAt = (created: number, amount: number) =>
  adjustment(`txn_check${(counter += 1).toString().padStart(4, '0')}`, created, amount);

describe('the balance check on a busy account', () => {
  let database: TestDatabase;
  let api: StripeApiStandIn;
  let projector: Projector;

  beforeEach(async () => {
    database = await createTestDatabase();
    api = await startStripeApi();
    projector = await startProjector({
      db: database.db,
      store: postgresEventStore(database.db),
      projections,
      logger: pino({ level: 'silent' }),
      pollMs: 50,
    });
  });
  afterEach(async () => {
    await projector?.stop();
    await api?.close();
    await database?.drop();
  });

  /** Stripe's account holds `transactions`; its balance answers `balance` cents of usd. */
  const given = (transactions: ReturnType<typeof adjustment>[], balance: number) => {
    api.addObjects(transactions);
    api.setBalance({ available: [{ amount: balance, currency: 'usd' }], pending: [] });
  };

  /** A money pass whose clock reads `clock` in turn (the last one repeated): first the balance request's start. */
  const syncAt = (...clock: number[]) => {
    let call = 0;
    return syncMoney({
      db: database.db,
      store: postgresEventStore(database.db),
      stripe: standInClient(api),
      scopes: [{ account: null }],
      now: () => new Date(clock[Math.min((call += 1) - 1, clock.length - 1)]!),
    });
  };

  it('matches when a transaction of the read’s own second came after Stripe read its balance', async () => {
    const earlier = adjustmentAt(NOON - 3_600, 10_000);
    // Created at 12:00:00.700: the balance read at 12:00:00.400 did not have it.
    const sameSecond = adjustmentAt(NOON, 2_500);
    given([earlier, sameSecond], 10_000);

    const { balance_check: check } = await syncAt(NOON * 1000 + 400);

    const readAt = new Date(NOON * 1000 + 400).toISOString();
    expect(check).toMatchObject({
      kind: 'checked',
      checked_at: readAt,
      checkedAt: readAt,
      matches: true,
      entries: [{ currency: 'usd', ledger: 10_000, stripe_total: 10_000, matches: true }],
    });
  });

  it('matches when Stripe’s answer took in a transaction created while the request was in flight', async () => {
    const earlier = adjustmentAt(NOON - 3_600, 10_000);
    const inFlight = adjustmentAt(NOON + 1, 700);
    given([earlier, inFlight], 10_700);

    // Sent at 12:00:00.900, answered at 12:00:01.100, the balance read at 12:00:01.050.
    const { balance_check: check } = await syncAt(NOON * 1000 + 900, (NOON + 1) * 1000 + 100);

    expect(check).toMatchObject({
      kind: 'checked',
      matches: true,
      entries: [{ currency: 'usd', ledger: 10_700, stripe_total: 10_700, matches: true }],
    });
  });

  it('says matches: false, showing the nearest journal figure, when Stripe’s total fits no cut around the read', async () => {
    const earlier = adjustmentAt(NOON - 3_600, 10_000);
    const sameSecond = adjustmentAt(NOON, 2_500);
    given([earlier, sameSecond], 12_501);

    const { balance_check: check } = await syncAt(NOON * 1000 + 400);

    expect(check).toMatchObject({
      kind: 'checked',
      matches: false,
      entries: [{ currency: 'usd', ledger: 12_500, stripe_total: 12_501, matches: false }],
    });
    const { rows } = await database.db.query<{ ledger: string; matches: boolean }>(
      'SELECT ledger, matches FROM ledger.balance_checks',
    );
    expect(rows.map((row) => ({ ledger: Number(row.ledger), matches: row.matches }))).toEqual([
      { ledger: 12_500, matches: false },
    ]);
  });
});
