import pg from 'pg';
import { BASE } from './support/generate.js';
import { runCli } from './support/cli.js';
import { get } from './support/queryApi.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';
import { postWebhook } from './support/stripeEvents.js';
import { waitFor } from './support/waitFor.js';
import { describeWithPostgres } from './support/needsPostgres.js';

/** A refund in a status no projection ranks: the refunds projection stops at it. */
const unrankable = JSON.stringify({
  id: 'evt_truth_unrankable',
  object: 'event',
  api_version: '2024-06-20',
  created: BASE,
  livemode: false,
  type: 'refund.created',
  data: {
    object: {
      id: 're_truth_unrankable',
      object: 'refund',
      amount: 7900,
      currency: 'usd',
      status: 'in_limbo',
      charge: 'ch_truth_unknown',
      payment_intent: 'pi_truth_unknown',
      created: BASE,
    },
  },
});

describeWithPostgres('the CLI runs as its own process against PostgreSQL')(
  'a failed projection, as everyone who depends on it sees it',
  () => {
    let ledger: SeededLedger;
    beforeAll(async () => {
      ledger = await seededLedger({ seed: 13, payments: 20 });
      expect((await postWebhook(ledger.url, unrankable)).status).toBe(200);
      await waitFor(
        async () =>
          (await get(ledger.url, '/api/projections')).body.data.some(
            (p) => p.name === 'refunds' && p.state === 'failed',
          ),
        { what: 'the refunds projection to fail' },
      );
    });
    afterAll(async () => {
      await ledger?.close();
    });

    it('health answers 200 degraded, naming it, with no payload fragment in its last error', async () => {
      let health: Awaited<ReturnType<typeof get>> | undefined;
      await waitFor(
        async () => {
          health = await get(ledger.url, '/api/webhooks/health', { token: null });
          return health.body.status !== 'ok';
        },
        { what: 'health to leave ok' },
      );
      expect(health).toMatchObject({ status: 200, body: { status: 'degraded' } });
      const projections = health!.body.projections as { name: string; state: string }[];
      expect(health!.body.failed_projections).toContain('refunds');
      expect(health!.body.failed_projections).toEqual(
        projections.filter((p) => p.state === 'failed').map((p) => p.name),
      );
      const refunds = (health!.body.projections as { name: string; last_error: string }[]).find(
        (p) => p.name === 'refunds',
      );
      expect(refunds!.last_error).toMatch(/status/);
      expect(refunds!.last_error).not.toContain('in_limbo');
    });

    it('marks finance answers that read it with Ledger-Stale, and no answer that does not read it', async () => {
      const payment = await fetch(`${ledger.url}/api/payments/pi_none`, {
        headers: { authorization: 'Bearer test-token-0123456789' },
      });
      expect(payment.headers.get('ledger-stale')?.split(', ')).toContain('refunds');
      await payment.text();
      // The daily report dates refunds from the payments projection: it does not read refunds.
      const report = await fetch(`${ledger.url}/api/reports/daily?from=2020-01-01&to=2030-12-31`, {
        headers: { authorization: 'Bearer test-token-0123456789' },
      });
      const { stale } = (await report.json()) as { stale: { projection: string }[] };
      expect(stale.map((s) => s.projection)).not.toContain('refunds');
      const refunds = await fetch(`${ledger.url}/api/refunds?format=csv`, {
        headers: { authorization: 'Bearer test-token-0123456789' },
      });
      expect(refunds.headers.get('ledger-stale')).toBe('refunds');
      await refunds.text();
      // A route names only the projections it reads.
      const orders = await fetch(`${ledger.url}/api/orders?limit=1`, {
        headers: { authorization: 'Bearer test-token-0123456789' },
      });
      expect([null, 'orders']).toContain(orders.headers.get('ledger-stale'));
    });

    it('health stays degraded, naming it, while projection status cannot be read in time', async () => {
      // A transaction holding the checkpoints as a busy database would: status cannot be read for a while.
      const blocker = new pg.Client({ connectionString: ledger.database.url });
      await blocker.connect();
      try {
        await blocker.query('BEGIN');
        await blocker.query('LOCK TABLE ledger.projection_checkpoints IN ACCESS EXCLUSIVE MODE');
        let health: Awaited<ReturnType<typeof get>> | undefined;
        await waitFor(
          async () => {
            health = await get(ledger.url, '/api/webhooks/health', { token: null });
            return health.body.projections_unknown === true;
          },
          { timeoutMs: 20_000, what: 'health to find projection status unanswered' },
        );
        expect(health).toMatchObject({
          status: 200,
          body: { status: 'degraded', projections_unknown: true },
        });
        expect(health!.body.failed_projections).toContain('refunds');
      } finally {
        await blocker.end();
      }
    });

    it('makes `projections status` exit 3, so it can serve as a health check', async () => {
      const run = await runCli(['projections', 'status', '--json'], { DATABASE_URL: ledger.database.url });
      expect(run.code).toBe(3);
      expect(JSON.parse(run.stdout)).toContainEqual(
        expect.objectContaining({ name: 'refunds', state: 'failed' }),
      );
    });
  },
);
