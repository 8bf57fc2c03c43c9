import pg from 'pg';
import { LOCK_LOST_MESSAGE } from '../src/projector/rebuildLock.js';
import { runCli } from './support/cli.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { startStripeApi } from './support/stripeApi/stripeApiStandIn.js';
import { proxyInFront, type TcpProxy } from './support/tcpProxy.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

/** `text`, matched literally in a RegExp. */
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Past this, a command that hangs on a silent database is a command that hangs (its deadline is 12 s). */
const ANSWERS_WITHIN_MS = 25_000;

describeWithPostgres('the CLI runs as a child process through a TCP proxy to PostgreSQL')(
  'operator commands on a PostgreSQL that stops answering',
  () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let proxiedUrl: string;
    beforeEach(async () => {
      database = await createTestDatabase();
      ({ proxy, url: proxiedUrl } = await proxyInFront(database.url));
    });
    afterEach(async () => {
      await proxy.close();
      await database.drop();
    });

    /**
     * Runs the command through the proxy and freezes the proxy once a statement of the command on `table`
     * has reached the server: the connections stay open, and the answer never comes back. A lock held on
     * the table keeps the statement waiting until the proxy is frozen, so the freeze lands exactly there.
     */
    const frozenOnceWaitingOn = async (
      args: string[],
      table: string,
      answersWithinMs = ANSWERS_WITHIN_MS,
      env: Record<string, string> = {},
    ) => {
      const locker = new pg.Client({ connectionString: database.url });
      await locker.connect();
      try {
        await locker.query('BEGIN');
        await locker.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
        const started = Date.now();
        const result = runCli(args, { ...env, DATABASE_URL: proxiedUrl }, answersWithinMs + 5000);
        await waitFor(
          async () =>
            (
              await database.db.query(
                `SELECT 1 FROM pg_stat_activity
                  WHERE datname = current_database() AND wait_event_type = 'Lock'
                    AND application_name LIKE 'stripe-ledger%'`,
              )
            ).rows.length > 0,
          { what: `the command to wait for ${table}`, timeoutMs: 15_000 },
        );
        proxy.freeze();
        await locker.query('COMMIT');
        return { ...(await result), ms: Date.now() - started };
      } finally {
        await locker.end();
      }
    };

    const address = () => {
      const { hostname, port } = new URL(proxiedUrl);
      return `${hostname}:${port}/${database.name}`;
    };
    /** The line for a database that went silent: the statement waiting for its answer, or a connection
     * the command opened meanwhile (statements of one command run side by side), gives up first. */
    const unanswered = (doing: string) =>
      new RegExp(
        `^stripe-ledger: the database at ${escape(address())} did not (answer within 12 s|accept a connection within 5 s) while ${escape(doing)}: check that PostgreSQL is up and not overloaded$`,
      );

    it('`projections status` gives up within its deadline and says in one line which database did not answer', async () => {
      const result = await frozenOnceWaitingOn(['projections', 'status'], 'ledger.projection_checkpoints');
      expect(result.ms).toBeLessThan(ANSWERS_WITHIN_MS);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const [using, failure, ...more] = result.stderr.split('\n');
      expect(using).toBe(`stripe-ledger: using PostgreSQL at ${address()}`);
      expect(failure).toMatch(unanswered("reading the projections' status"));
      expect(more).toEqual(['']);
    }, 60_000);

    it('`events show` gives up the same way', async () => {
      const result = await frozenOnceWaitingOn(
        ['events', 'show', 'pi_frozen'],
        'ledger.payment_status_history',
      );
      expect(result.ms).toBeLessThan(ANSWERS_WITHIN_MS);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n').at(-2)).toMatch(unanswered('reading the events of payment pi_frozen'));
    }, 60_000);

    it('`sync` brings the schema up to date, then gives up on its own statements within their deadline', async () => {
      const api = await startStripeApi({ seed: 3 });
      try {
        const result = await frozenOnceWaitingOn(['sync'], 'ledger.stripe_sync_cursors', ANSWERS_WITHIN_MS, {
          STRIPE_API_KEY: api.key,
          STRIPE_API_BASE: api.base,
        });
        expect(result.ms).toBeLessThan(ANSWERS_WITHIN_MS);
        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr.split('\n').at(-2)).toMatch(unanswered('syncing with Stripe'));
      } finally {
        await api.close();
      }
    }, 60_000);

    it('`projections rebuild` ends once its lock goes unanswered, swaps nothing and says why', async () => {
      const payments = `SELECT 'ledger.payments'::regclass::oid::int AS oid`;
      const live = (await database.db.query(payments)).rows;
      // Its long work has no deadline; the pings of its lock go unanswered for 15 s (LEASE_SILENCE_MS).
      const rebuildWithinMs = 30_000;
      const result = await frozenOnceWaitingOn(
        ['projections', 'rebuild', 'payments'],
        'ledger.payments',
        rebuildWithinMs,
      );
      expect(result.ms).toBeLessThan(rebuildWithinMs);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n').at(-2)).toBe(`stripe-ledger: ${LOCK_LOST_MESSAGE}`);
      expect(result.stdout).not.toContain('swapped');
      expect((await database.db.query(payments)).rows).toEqual(live);
    }, 60_000);
  },
);
