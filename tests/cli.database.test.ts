import { pino } from 'pino';
import { serve } from '../src/cli/serve.js';
import { loadConfig } from '../src/config/config.js';
import { runCli } from './support/cli.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { TEST_SECRET } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

/** The test database's URL with a password in it (trust authentication ignores it), to see it is never shown. */
const withPassword = (url: string, password: string): string => {
  const withIt = new URL(url);
  if (withIt.password === '') withIt.password = password;
  return withIt.toString();
};

const addressOf = (database: TestDatabase): string => {
  const { hostname, port } = new URL(database.url);
  return `${hostname}:${port || 5432}/${database.name}`;
};

describeWithPostgres('the CLI runs as a child process on a PostgreSQL URL')(
  'every command says which PostgreSQL database it uses (SPEC section 7)',
  () => {
    const PASSWORD = 'n0t-t0-be-sh0wn';
    let database: TestDatabase;
    let url: string;
    let usingIt: string;
    beforeAll(async () => {
      database = await createTestDatabase();
      url = withPassword(database.url, PASSWORD);
      usingIt = `stripe-ledger: using PostgreSQL at ${addressOf(database)}\n`;
    });
    afterAll(async () => {
      await database.drop();
    });

    it.each([
      [['migrate'], 0],
      [['projections', 'status'], 0],
      [['projections', 'failures'], 0],
      [['projections', 'retry', 'payments'], 0],
      [['projections', 'rebuild', 'refunds'], 0],
      [['events', 'show', 'pi_nowhere'], 1],
    ])('%j names host:port/database first on stderr, never the password', async (args, code) => {
      const result = await runCli(args as string[], { DATABASE_URL: url });
      expect(result.code).toBe(code);
      expect(result.stderr.startsWith(usingIt)).toBe(true);
      expect(result.stderr).not.toContain(PASSWORD);
      expect(result.stdout).not.toContain(PASSWORD);
    });

    it.each(['migrate', 'projections status', 'events show pi_x'])(
      '`%s` says what the server refused when the database does not exist, not that it does not answer',
      async (command) => {
        const args = command.split(' ');
        const missing = new URL(database.url);
        missing.pathname = '/sl_no_such_database';
        const result = await runCli(args, { DATABASE_URL: missing.toString() });
        expect(result.code).not.toBe(0);
        const last = result.stderr.trim().split('\n').at(-1)!;
        expect(last).toContain('database "sl_no_such_database" does not exist');
        expect(last).not.toContain('does not answer');
      },
    );

    it('names it for sync too, before saying the Stripe API is out of reach', async () => {
      const result = await runCli(['sync'], {
        DATABASE_URL: url,
        STRIPE_API_KEY: 'sk_test_database_named_first',
        STRIPE_API_BASE: 'http://127.0.0.1:9',
      });
      expect(result.code).toBe(1);
      const lines = result.stderr.split('\n');
      expect(`${lines[0]}\n`).toBe(usingIt);
      expect(lines[1]).toMatch(/^stripe-ledger: cannot reach the Stripe API at http:\/\/127\.0\.0\.1:9 /);
      expect(result.stderr).not.toContain(PASSWORD);
    });

    it('names it for serve, once the database is open', async () => {
      const notices: string[] = [];
      const running = await serve(
        loadConfig({ DATABASE_URL: url, STRIPE_WEBHOOK_SECRET: TEST_SECRET, PORT: '0' }),
        pino({ level: 'silent' }),
        { role: 'web', notice: (text) => notices.push(text) },
      );
      await running.stop();
      expect(notices).toEqual([usingIt]);
    });
  },
);

describeWithPostgres('it runs the CLI against a fresh PostgreSQL database')(
  'stripe-ledger sync on a database no ledger ran on yet',
  () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase({ migrated: false });
    });
    afterAll(async () => {
      await database.drop();
    });

    it('migrates it first, as serve would, and says which database it is', async () => {
      const result = await runCli(['sync'], {
        DATABASE_URL: database.url,
        STRIPE_API_KEY: 'sk_test_database_named_first',
        STRIPE_API_BASE: 'http://127.0.0.1:9',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`^stripe-ledger: using PostgreSQL at ${addressOf(database).replaceAll('.', '\\.')}\n`),
      );
      const { rows } = await database.db.query<{ migrated: boolean }>(
        `SELECT to_regclass('ledger.stripe_sync_cursors') IS NOT NULL AS migrated`,
      );
      expect(rows[0]!.migrated).toBe(true);
    });
  },
);
