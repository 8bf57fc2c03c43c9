import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projections as allProjections } from '../projections/index.js';
import { sampleLifecycles, storeEvents } from './support/dbTesting.js';
import { runCli } from './support/cli.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { at, CH, chargeEvent, created, PI, succeeded } from './support/cardPayment.js';
import { dispute, refund, stripeEvent } from './support/testEvents.js';

describeWithPostgres('the CLI runs as a child process on a PostgreSQL URL')('stripe-ledger CLI', () => {
  let database: TestDatabase;
  let env: Record<string, string>;
  let stored = 0;
  let usingIt: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    env = { DATABASE_URL: database.url };
    const { hostname, port } = new URL(database.url);
    usingIt = `stripe-ledger: using PostgreSQL at ${hostname}:${port || 5432}/${database.name}\n`;
    const events = sampleLifecycles(15, 99).flatMap((lifecycle) => lifecycle.events);
    await storeEvents(database.db, events);
    stored = events.length;
  });
  afterAll(async () => {
    await database.drop();
  });

  it('rebuilds every projection, prints JSON progress lines off a terminal, and exits 0', async () => {
    const result = await runCli(['projections', 'rebuild', '--all'], env);
    expect(result.stderr).toBe(usingIt);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.at(-1)).toMatchObject({
      event: 'swapped',
      projections: expect.arrayContaining(['payments', 'refunds']),
    });
    expect(lines.some((line) => line.event === 'progress')).toBe(true);
    const { rows } = await database.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM ledger.payments',
    );
    expect(rows[0]!.count).toBe(15);
  });

  it('shows every projection with its position, head and lag', async () => {
    const result = await runCli(['projections', 'status', '--json'], env);
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as {
      name: string;
      lag_events: number;
      head: number;
      position: number;
    }[];
    expect(status.map((s) => s.name).sort()).toEqual([
      'balance_transactions',
      'disputes',
      'journal',
      'orders',
      'payment_status_history',
      'payments',
      'payouts',
      'refunds',
    ]);
    // The stored events have positions 1 to `stored` (69 for this seed): every projection sees exactly
    // that head, and its lag is what separates its checkpoint from it.
    expect(stored).toBe(69);
    expect(status.map((s) => s.head)).toEqual(Array(allProjections.length).fill(stored));
    expect(status.map((s) => s.lag_events)).toEqual(status.map((s) => s.head - s.position));
    const table = await runCli(['projections', 'status'], env);
    expect(table.stdout).toMatch(/^name\s+state\s+position\s+head\s+lag_events/);
  });

  it("shows a payment's stream event by event with its status changes", async () => {
    await runCli(['projections', 'rebuild', 'payment_status_history'], env);
    const result = await runCli(['events', 'show', 'pi_L2'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^version\s+position\s+type/);
    expect(result.stdout).toMatch(/PaymentCreated\s+evt_test_\d+\s+\S+\s+\(new\) -> pending/);
  });

  it('stops quietly with 0 when its reader closes the pipe early, as `| head` does', async () => {
    const result = await runCli(['events', 'show', 'pi_L2'], env, 60_000, { closedStdout: true });
    expect(result).toMatchObject({ code: 0, stderr: usingIt });
  });

  it('lists no failures and answers retry of a healthy projection plainly', async () => {
    expect((await runCli(['projections', 'failures'], env)).stdout).toBe('no open failures\n');
    const retry = await runCli(['projections', 'retry', 'payments'], env);
    expect(retry).toMatchObject({ code: 0, stdout: 'payments: not failed, nothing to retry\n' });
  });

  it('resumes a failed projection and says so when no projector is running to retry it', async () => {
    await database.db.query(
      `INSERT INTO ledger.projection_checkpoints (projection, position, state, last_error)
       VALUES ('refunds', 0, 'failed', 'stopped by the test')
       ON CONFLICT (projection) DO UPDATE SET state = 'failed', last_error = 'stopped by the test', heartbeat_at = NULL`,
    );
    const retry = await runCli(['projections', 'retry', 'refunds'], env);
    expect(retry).toMatchObject({ code: 0, stdout: 'refunds: resumed\n' });
    expect(retry.stderr.trim().split('\n').at(-1)).toBe(
      'stripe-ledger: no projector is running: start one (`stripe-ledger serve`, or `serve --role projector`) to retry the failed event',
    );
  });

  it('exits non-zero with one clear line for an unknown projection', async () => {
    const result = await runCli(['projections', 'rebuild', 'paymnts'], env);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toBe(
      'stripe-ledger: unknown projection paymnts: known are payments, orders, payment_status_history, refunds, disputes, balance_transactions, payouts, journal\n',
    );
  });

  it('exits non-zero with one clear line when the database is down', async () => {
    const result = await runCli(['projections', 'status'], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none',
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^stripe-ledger: cannot use the database at 127\.0\.0\.1:1\/none: /);
  });

  it('refuses a second rebuild while one runs', async () => {
    const lease = await database.db.tryLease('rebuild');
    try {
      const result = await runCli(['projections', 'rebuild', 'payments'], env);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toBe(`${usingIt}stripe-ledger: a rebuild is already running\n`);
    } finally {
      await lease!.release();
    }
  });

  it('exits non-zero naming the variable when configuration is bad', async () => {
    const result = await runCli(['projections', 'status'], { DATABASE_URL: 'mysql://nope' });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'stripe-ledger: DATABASE_URL is invalid: must be a postgres:// or postgresql:// URL\n',
    );
  });

  it.each(['notaurl', 'ftp://127.0.0.1:4000', 'http//127.0.0.1'])(
    'demo exits 2 naming --url when it is %j, not an http URL, and sends nothing',
    async (url) => {
      const result = await runCli(['demo', '--url', url], {});
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `error: option '--url <url>' argument '${url}' is invalid. must be an http:// or https:// URL, such as http://127.0.0.1:4000\n`,
      );
    },
  );

  it('exits 2 naming LEDGER_DATA_DIR, and makes nothing, when it names a file instead of a folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stripe-ledger-cli-'));
    try {
      const file = join(dir, 'not-a-folder');
      writeFileSync(file, 'kept as it is');
      const result = await runCli(['serve'], { LEDGER_DATA_DIR: file, PORT: '0' });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n').at(-1)).toBe(
        `stripe-ledger: LEDGER_DATA_DIR is invalid: ${file} cannot hold the embedded database (it is a file, not a folder)`,
      );
      expect(readFileSync(file, 'utf8')).toBe('kept as it is');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithPostgres('the CLI runs as a child process on a PostgreSQL URL')(
  'events show, for a payment whose refund and dispute came before its charge',
  () => {
    let database: TestDatabase;
    let env: Record<string, string>;
    beforeAll(async () => {
      database = await createTestDatabase();
      env = { DATABASE_URL: database.url };
      // The refund and the dispute name only the charge, not yet known: they are filed in its stream.
      const early = [
        stripeEvent(
          'charge.refund.updated',
          refund({ id: 're_e', charge: CH, amount: 500, status: 'succeeded' }),
          at(1),
        ),
        stripeEvent(
          'charge.dispute.created',
          dispute({ id: 'dp_e', charge: CH, status: 'needs_response' }),
          at(2),
        ),
      ];
      expect(early.map((event) => event.stream)).toEqual([`payment-${CH}`, `payment-${CH}`]);
      await storeEvents(database.db, [
        ...early,
        created(3),
        chargeEvent('charge.succeeded', 4, { status: 'succeeded' }),
        succeeded(5),
      ]);
      expect((await runCli(['projections', 'rebuild', '--all'], env)).code).toBe(0);
    });
    afterAll(async () => {
      await database.drop();
    });

    it("tells the payment's whole story: its stream and its charge's, in log order, with each status change", async () => {
      const result = await runCli(['events', 'show', PI, '--json'], env);
      expect(result.code).toBe(0);
      const rows = JSON.parse(result.stdout) as {
        stream: string;
        type: string;
        status_change: string | null;
      }[];
      expect(rows.map((row) => [row.stream, row.type])).toEqual([
        [`payment-${CH}`, 'RefundUpdated'],
        [`payment-${CH}`, 'DisputeOpened'],
        [`payment-${PI}`, 'PaymentCreated'],
        [`payment-${PI}`, 'ChargeSucceeded'],
        [`payment-${PI}`, 'PaymentSucceeded'],
      ]);
      expect(rows.every((row) => row.status_change !== null)).toBe(true);
      const table = await runCli(['events', 'show', PI], env);
      expect(table.stdout).toMatch(/^stream\s+version\s+position\s+type/);
    });

    it('says which payment a charge belongs to when asked for the charge', async () => {
      const result = await runCli(['events', 'show', CH], env);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(
        `${CH} is a charge of payment ${PI}: events show ${PI} tells its whole story`,
      );
    });
  },
);
