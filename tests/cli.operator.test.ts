import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { migrate } from '../src/db/migrate.js';
import { openEmbeddedDb } from '../src/runtime/embedded.js';
import { runCli } from './support/cli.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

describe('stripe-ledger CLI, as an operator meets it', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'stripe-ledger-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    [['projections', 'status']],
    [['projections', 'rebuild', '--all']],
    [['events', 'show', 'pi_1']],
    [['migrate']],
    [['sync']],
  ])(
    'refuses %j on a new, empty embedded database when DATABASE_URL is missing, makes none, and says what to set',
    async (args) => {
      const none = join(dataDir, 'none');
      const result = await runCli(args, { LEDGER_DATA_DIR: none, STRIPE_API_KEY: 'rk_test_operator' });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `stripe-ledger: DATABASE_URL is not set and there is no embedded database in ${none}: set DATABASE_URL to the server's postgres://... URL (or LEDGER_DATA_DIR to the embedded server's folder; \`stripe-ledger serve\` makes a new one)\n`,
      );
      expect(existsSync(none)).toBe(false);
    },
  );

  it.each([
    ['cannot be read as a URL', 'postgres://ledger:p#ss@db.internal:5432/ledger'],
    [
      'its password has a % that is not followed by two hex digits',
      'postgres://ledger:50%off@db.internal/ledger',
    ],
  ])(
    'stops every command at a malformed DATABASE_URL with exit 2 and one line naming it (%s), never the password',
    async (problem, url) => {
      for (const args of [['migrate'], ['projections', 'status'], ['sync'], ['serve']]) {
        const result = await runCli(args, { DATABASE_URL: url, STRIPE_API_KEY: 'rk_test_operator' });
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(
          new RegExp(`^stripe-ledger: DATABASE_URL is invalid: ${problem}[^\n]*\n$`),
        );
        expect(result.stderr).not.toMatch(/p#ss|50%off/);
      }
    },
  );

  it.each([
    [['projections', 'frobnicate']],
    [['projections', 'retry']],
    [['serve', '--role', 'everything']],
    [['nonsense']],
  ])('exits 2, as the README says, on the usage error %j', async (args) => {
    const result = await runCli(args, {});
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: /);
  });

  it('says in one line that the port is in use', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const result = await runCli(['serve'], { PORT: String(port), LEDGER_DATA_DIR: dataDir });
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n').at(-1)).toBe(
        `stripe-ledger: port ${port} on 127.0.0.1 is in use by another process: stop it, or set PORT to a free port`,
      );
    } finally {
      taken.close();
    }
  }, 120_000);
});

describe('stripe-ledger CLI on an existing embedded database', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'stripe-ledger-cli-embedded-'));
    // What `npm start` leaves behind: an embedded database in LEDGER_DATA_DIR, migrated.
    const db = await openEmbeddedDb(dataDir, pino({ level: 'silent' }));
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([[['projections', 'status']], [['migrate']]])(
    'runs %j on it and says so on stderr, naming its folder',
    async (args) => {
      const result = await runCli(args, { LEDGER_DATA_DIR: dataDir });
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(
        `stripe-ledger: DATABASE_URL is not set: using the embedded database in ${dataDir}\n`,
      );
    },
    120_000,
  );
});

describeWithPostgres('it runs the CLI against a fresh PostgreSQL database')(
  'stripe-ledger CLI on a database that was never migrated',
  () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase({ migrated: false });
    });
    afterAll(async () => {
      await database.drop();
    });

    it('suggests migrate instead of a missing-relation error', async () => {
      const result = await runCli(['projections', 'status'], { DATABASE_URL: database.url });
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(
        `stripe-ledger: the database at ${new URL(database.url).host}/${database.name} has no ledger tables: run \`stripe-ledger migrate\` first, or check DATABASE_URL\n`,
      );
    });
  },
);
