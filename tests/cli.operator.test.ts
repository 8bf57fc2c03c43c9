import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

describe('stripe-ledger CLI, as an operator meets it', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'stripe-ledger-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to open a new, empty embedded database when DATABASE_URL is missing, and says what to set', async () => {
    const result = await runCli(['projections', 'status'], { LEDGER_DATA_DIR: join(dataDir, 'none') });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `stripe-ledger: DATABASE_URL is not set and there is no embedded database in ${join(dataDir, 'none')}: set DATABASE_URL to the server's postgres://... URL (or LEDGER_DATA_DIR to the embedded server's folder)\n`,
    );
  });

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
        `stripe-ledger: the database at ${new URL(database.url).host} has no ledger tables: run \`stripe-ledger migrate\` first, or check DATABASE_URL\n`,
      );
    });
  },
);
