/**
 * SPEC section 6: one active worker per projection across processes, a standby taking over when it
 * dies. Two `serve --role projector` processes run against one database at once.
 */
import type { EventStore } from '../src/eventstore/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { cleanRunOf } from './support/cleanRun.js';
import { readModels, waitForCheckpointsAtHead } from './support/ledgerRows.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { spawnProjector, type ProjectorProcess } from './support/projectorProcess.js';
import { appendLifecycles } from './support/storedLifecycles.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

describeWithPostgres('the projector runs as child processes sharing one PostgreSQL database')(
  'two projector processes at once',
  () => {
    let database: TestDatabase;
    let store: EventStore;
    let first: ProjectorProcess;
    let second: ProjectorProcess;
    beforeAll(async () => {
      database = await createTestDatabase();
      store = postgresEventStore(database.db);
    });
    afterAll(async () => {
      await Promise.all([first?.stop(), second?.stop()]);
      await database?.drop();
    });

    const owners = async (): Promise<Map<string, string | null>> => {
      const { rows } = await database.db.query<{ projection: string; owner: string | null }>(
        'SELECT projection, owner FROM ledger.projection_checkpoints ORDER BY projection',
      );
      return new Map(rows.map((row) => [row.projection, row.owner]));
    };
    /** History rows against stored events: every generated event concerns a payment that has a row. */
    const historyAndEvents = async () =>
      (
        await database.db.query<{ history: number; events: number }>(
          `SELECT (SELECT count(*)::int FROM ledger.payment_status_history) AS history,
                  (SELECT count(*)::int FROM eventstore.events) AS events`,
        )
      ).rows[0]!;

    it('applies every event once while both compete for the projections', async () => {
      await appendLifecycles(store, { count: 800 });
      first = spawnProjector(database.url);
      second = spawnProjector(database.url);
      // More arrive while they catch up.
      await appendLifecycles(store, { count: 200, first: 801, seed: 2 });
      await waitForCheckpointsAtHead(database.db, { timeoutMs: 120_000 });

      const active = new Set((await owners()).values());
      expect([...active].every((owner) => owner === first.owner || owner === second.owner)).toBe(true);
      const { history, events } = await historyAndEvents();
      expect(history).toBe(events);
      expect(await readModels(database.db)).toEqual(await cleanRunOf(database.db));
    }, 240_000);

    it('hands the projections of the one killed with SIGKILL to the other, which projects new events', async () => {
      const holder = (await owners()).get('payments');
      const [killed, survivor] = holder === first.owner ? [first, second] : [second, first];
      expect(holder).toBe(killed.owner);
      killed.child.kill('SIGKILL');
      expect(await killed.exited).toBe('SIGKILL');

      const head = await store.headPosition();
      await appendLifecycles(store, { count: 100, first: 1001, seed: 3 });
      await waitFor(async () => [...(await owners()).values()].every((owner) => owner === survivor.owner), {
        timeoutMs: 15_000,
        what: `${survivor.owner} to hold every projection (stderr: ${survivor.stderr()})`,
      });
      await waitForCheckpointsAtHead(database.db, { timeoutMs: 30_000 });
      expect(await store.headPosition()).toBeGreaterThan(head);

      const { history, events } = await historyAndEvents();
      expect(history).toBe(events);
      expect(await readModels(database.db)).toEqual(await cleanRunOf(database.db));
    }, 240_000);
  },
);
