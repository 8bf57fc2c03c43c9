import { createServer } from 'node:net';

// globalSetup.cjs is plain CommonJS, run by jest before any worker starts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const globalSetup = require('./support/globalSetup.cjs') as () => Promise<void>;

/** A local port nobody listens on: PostgreSQL "down". */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

const withEnv = async <T>(env: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> => {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const assign = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  assign(env);
  try {
    return await work();
  } finally {
    assign(saved);
  }
};

const skipped: string[] = [];
jest.spyOn(console, 'warn').mockImplementation((message: string) => void skipped.push(message));
const kind = process.env.STRIPE_LEDGER_TEST_DATABASE;
process.env.STRIPE_LEDGER_TEST_DATABASE = 'embedded';
jest.isolateModules(() => {
  const { describeWithPostgres } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('./support/needsPostgres.js') as typeof import('./support/needsPostgres.js');
  describeWithPostgres('two workers compete for one lease')('a test of lease handover', () => {
    it('does not run on the embedded database', () => {
      throw new Error('ran on the embedded database');
    });
  });
});
if (kind === undefined) delete process.env.STRIPE_LEDGER_TEST_DATABASE;
else process.env.STRIPE_LEDGER_TEST_DATABASE = kind;

describe('test runs without PostgreSQL', () => {
  it('skip the tests that need it, saying which and why', () => {
    expect(skipped).toEqual([
      expect.stringMatching(
        /^skipped "a test of lease handover": it needs PostgreSQL \(two workers compete for one lease\)/,
      ),
    ]);
  });

  it('are decided once, in globalSetup: the embedded database when PostgreSQL does not answer', async () => {
    const port = await closedPort();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const decided = await withEnv(
        {
          TEST_DATABASE_ADMIN_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
          STRIPE_LEDGER_TEST_DATABASE: undefined,
        },
        async () => {
          await globalSetup();
          return process.env.STRIPE_LEDGER_TEST_DATABASE;
        },
      );
      expect(decided).toBe('embedded');
      expect(stderr.mock.calls.join('')).toContain('the tests run on the embedded database');
    } finally {
      stderr.mockRestore();
    }
  });

  it('fail at once when PostgreSQL is asked for and does not answer', async () => {
    const port = await closedPort();
    await withEnv(
      {
        TEST_DATABASE_ADMIN_URL: `postgres://postgres@127.0.0.1:${port}/postgres`,
        STRIPE_LEDGER_TEST_DATABASE: 'postgres',
      },
      () =>
        expect(globalSetup()).rejects.toThrow(
          `tests need PostgreSQL at postgres://postgres@127.0.0.1:${port}/postgres`,
        ),
    );
  });

  it('serve the embedded test database itself to a server started on its url, in process, whatever the role', async () => {
    const kind = process.env.STRIPE_LEDGER_TEST_DATABASE;
    process.env.STRIPE_LEDGER_TEST_DATABASE = 'embedded';
    try {
      await jest.isolateModulesAsync(async () => {
        /* eslint-disable @typescript-eslint/no-require-imports */
        const { createTestDatabase } =
          require('./support/testDatabase.js') as typeof import('./support/testDatabase.js');
        const { startLedger } =
          require('./support/ledgerServer.js') as typeof import('./support/ledgerServer.js');
        const { postWebhook } =
          require('./support/stripeEvents.js') as typeof import('./support/stripeEvents.js');
        const { demoScenario } =
          require('../src/cli/demoEvents.js') as typeof import('../src/cli/demoEvents.js');
        /* eslint-enable @typescript-eslint/no-require-imports */
        const database = await createTestDatabase();
        expect(database.url).toMatch(/^embedded:\/\/embedded_[0-9a-f]{12}$/);
        expect(database.db.kind).toBe('embedded');
        const server = await startLedger(database.url, { role: 'web' });
        try {
          const [event] = demoScenario().events;
          expect(await postWebhook(server.url, event!.body)).toMatchObject({ status: 200 });
          const { rows } = await database.db.query('SELECT event_id FROM eventstore.events');
          expect(rows).toHaveLength(1);
        } finally {
          await server.stop();
        }
        expect(await database.db.ping()).toBe(true);
        await database.drop();
      });
    } finally {
      if (kind === undefined) delete process.env.STRIPE_LEDGER_TEST_DATABASE;
      else process.env.STRIPE_LEDGER_TEST_DATABASE = kind;
    }
  });
});
