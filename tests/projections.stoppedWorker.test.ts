/**
 * SPEC section 6 and issue 13: a projector that stops responding (SIGSTOP: its kernel still answers TCP
 * keepalives, so the database sees a healthy idle session) is replaced by a standby within 30 s, and
 * when it wakes it applies nothing (the checkpoint fencing turns its batch away).
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

const TAKEOVER_DEADLINE_MS = 30_000;

describeWithPostgres('the projector runs as child processes sharing one PostgreSQL database')(
  'a projector process that stops responding',
  () => {
    let database: TestDatabase;
    let store: EventStore;
    let stopped: ProjectorProcess;
    let standby: ProjectorProcess;
    beforeAll(async () => {
      database = await createTestDatabase();
      store = postgresEventStore(database.db);
    });
    afterAll(async () => {
      stopped?.child.kill('SIGCONT');
      await Promise.all([stopped?.stop(), standby?.stop()]);
      await database?.drop();
    });

    const owners = async () =>
      (
        await database.db.query<{ owner: string | null }>(
          'SELECT owner FROM ledger.projection_checkpoints ORDER BY projection',
        )
      ).rows.map((row) => row.owner);
    const historyAndEvents = async () =>
      (
        await database.db.query<{ history: number; events: number }>(
          `SELECT (SELECT count(*)::int FROM ledger.payment_status_history) AS history,
                  (SELECT count(*)::int FROM eventstore.events) AS events`,
        )
      ).rows[0]!;

    it('is replaced by the standby within 30 s, and applies nothing once it wakes', async () => {
      await appendLifecycles(store, { count: 200 });
      stopped = spawnProjector(database.url);
      await waitForCheckpointsAtHead(database.db, { timeoutMs: 60_000 });
      await waitFor(async () => (await owners()).every((owner) => owner === stopped.owner), {
        what: 'the first process to hold every projection',
      });
      standby = spawnProjector(database.url);

      stopped.child.kill('SIGSTOP');
      await appendLifecycles(store, { count: 100, first: 201, seed: 2 });
      await waitFor(async () => (await owners()).every((owner) => owner === standby.owner), {
        timeoutMs: TAKEOVER_DEADLINE_MS,
        intervalMs: 100,
        what: `the standby to take every projection over (stderr: ${standby.stderr()})`,
      });
      await waitForCheckpointsAtHead(database.db, { timeoutMs: 60_000 });

      stopped.child.kill('SIGCONT');
      // It wakes in the middle of whatever it was doing, with events it read before it stopped; more
      // arrive meanwhile. Every event still takes effect exactly once, and the standby keeps the lead.
      await appendLifecycles(store, { count: 50, first: 301, seed: 3 });
      await waitForCheckpointsAtHead(database.db, { timeoutMs: 60_000 });
      await waitFor(async () => (await owners()).every((owner) => owner === standby.owner), {
        what: 'the standby to keep every projection',
      });
      expect(stopped.child.exitCode).toBeNull();
      const { history, events } = await historyAndEvents();
      expect(history).toBe(events);
      expect(await readModels(database.db)).toEqual(await cleanRunOf(database.db));
    }, 240_000);
  },
);
