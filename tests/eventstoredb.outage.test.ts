/**
 * EventStoreDB away (its server stopped) or hung (connections open, nothing answers) while PostgreSQL
 * is fine: the operator's signals name the event store, and nothing waits on it without a deadline.
 */
import { STATUS_DEADLINE_MS } from '../src/api/projectionsRoute.js';
import { startInProcessServer, type InProcessServer } from './support/eventstoredb/inProcessServer.js';
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { TOKEN } from './support/queryApi.js';
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

/** Past this a request is one that hangs: the status read's deadline is 5 s (STATUS_DEADLINE_MS). */
const HANGS_AFTER_MS = 15_000;

describeWithPostgres('checkpoints live in PostgreSQL beside the read models')(
  'an EventStoreDB outage while PostgreSQL answers',
  () => {
    let esdb: InProcessServer;
    let proxy: TcpProxy;
    let database: TestDatabase;
    let ledger: TestServer;

    beforeAll(async () => {
      esdb = await startInProcessServer();
      proxy = await startTcpProxy({ host: '127.0.0.1', port: esdb.port });
      database = await createTestDatabase();
      ledger = await startLedger(database.url, {
        env: {
          EVENT_STORE: 'eventstoredb',
          EVENTSTORE_CONNECTION_STRING: `esdb://127.0.0.1:${proxy.port}?tls=false`,
        },
      });
    });
    afterAll(async () => {
      await ledger?.stop();
      await proxy?.close();
      await esdb?.stop();
      await database?.drop();
    });

    const projectionsAnswer = async () => {
      const started = Date.now();
      const response = await fetch(`${ledger.url}/api/projections`, {
        headers: { authorization: `Bearer ${TOKEN}` },
        signal: AbortSignal.timeout(HANGS_AFTER_MS),
      });
      return {
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
        ms: Date.now() - started,
      };
    };
    const gauges = async () => {
      const text = await (await fetch(`${ledger.url}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
      return {
        database: value('stripe_ledger_database_up'),
        eventStore: value('stripe_ledger_event_store_up'),
      };
    };

    it('says both are up while both answer', async () => {
      expect((await projectionsAnswer()).status).toBe(200);
      await waitFor(async () => (await gauges()).eventStore === 1, { what: 'event_store_up 1' });
      expect(await gauges()).toEqual({ database: 1, eventStore: 1 });
    });

    it('answers GET /api/projections 503 within its deadline and flags only the event store while it hangs', async () => {
      proxy.freeze();
      try {
        // Status is read at most once a second: the read before the freeze may still answer.
        await waitFor(async () => (await projectionsAnswer()).status === 503, {
          what: 'a 503 while it hangs',
        });
        const answer = await projectionsAnswer();
        expect(answer).toMatchObject({ status: 503, body: { error: { code: 'status_unavailable' } } });
        // Its deadline, and some room for a busy machine: not the 15 s past which it hangs.
        expect(answer.ms).toBeLessThan(STATUS_DEADLINE_MS + 4000);
        await waitFor(async () => (await gauges()).eventStore === 0, { what: 'event_store_up 0' });
        expect((await gauges()).database).toBe(1);
      } finally {
        await proxy.restore();
      }
      await waitFor(async () => (await projectionsAnswer()).status === 200, {
        what: 'the projections to answer again',
        timeoutMs: 30_000,
      });
    });

    it('answers 503, not 500, while its server is down, and comes back by itself', async () => {
      await esdb.stop();
      try {
        await waitFor(async () => (await projectionsAnswer()).status === 503, { what: 'a 503 while down' });
        const answer = await projectionsAnswer();
        expect(answer.body).toMatchObject({ error: { code: 'status_unavailable' } });
        await waitFor(async () => (await gauges()).eventStore === 0, { what: 'event_store_up 0' });
        expect((await gauges()).database).toBe(1);
      } finally {
        await esdb.restart();
      }
      await waitFor(async () => (await projectionsAnswer()).status === 200, {
        what: 'the projections to answer again',
        timeoutMs: 30_000,
      });
      await waitFor(async () => (await gauges()).eventStore === 1, { what: 'event_store_up 1 again' });
    });
  },
);
