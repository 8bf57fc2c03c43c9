import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { projectionStatus } from '../src/projector/status.js';
import { runCli } from './support/cli.js';
import { newEvent } from './support/eventStoreContract.js';
import { webRoleSignals } from './support/ledgerServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

describeWithPostgres('the CLI and a web-role server run on PostgreSQL')(
  'events waiting with no projector running',
  () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
      const store = postgresEventStore(database.db);
      for (let i = 0; i < 5; i += 1) await store.append(`payment-pi_stalled_${i}`, [newEvent()], 'any');
      // Appended a minute ago, and no worker has run since.
      await database.db.query(`UPDATE eventstore.events SET recorded_at = now() - interval '1 minute'`);
    });
    afterAll(async () => {
      await database?.drop();
    });

    it('are stalled in projections status, not idle, and the command exits 4 saying what to start', async () => {
      const status = await projectionStatus(database.db, postgresEventStore(database.db));
      expect(status.find((s) => s.name === 'payments')).toMatchObject({ state: 'stalled', lag_events: 5 });
      const result = await runCli(['projections', 'status'], { DATABASE_URL: database.url });
      expect(result.code).toBe(4);
      expect(result.stdout).toMatch(/payments\s+stalled/);
      expect(result.stderr.trim().split('\n').at(-1)).toMatch(
        /^stripe-ledger: .*payments.* behind and no projector is running: start one \(`stripe-ledger serve`/,
      );
    });

    it('are idle while the events are younger than a worker needs to say it is there', async () => {
      const soon = new Date(Date.now() - 50_000);
      const status = await projectionStatus(database.db, postgresEventStore(database.db), soon);
      expect(status.find((s) => s.name === 'payments')?.state).toBe('idle');
    });

    it('make a web role’s health degraded, naming them, and its /metrics flag them', async () => {
      const { health, metrics } = await webRoleSignals(database.url);
      expect(health.status).toBe('degraded');
      expect(health.stalled_projections).toContain('payments');
      expect(metrics).toContain('stripe_ledger_projection_stalled{projection="payments"} 1');
    });
  },
);
