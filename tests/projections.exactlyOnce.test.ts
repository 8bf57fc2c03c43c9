/**
 * SPEC section 6 and 10: each event takes effect exactly once, even when the projector process dies
 * with SIGKILL between applying a batch and anything else it meant to do.
 */
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { cleanRunOf } from './support/cleanRun.js';
import { readModels, waitForCheckpointsAtHead } from './support/ledgerRows.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { spawnProjector, type ProjectorProcess } from './support/projectorProcess.js';
import { appendLifecycles } from './support/storedLifecycles.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

type Progress = { projection: string; position: number; head: number };

describeWithPostgres('the projector runs as child processes sharing one PostgreSQL database')(
  'a projector process killed with SIGKILL in the middle of catching up',
  () => {
    let database: TestDatabase;
    const processes: ProjectorProcess[] = [];
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await Promise.all(processes.map((projector) => projector.stop()));
      await database?.drop();
    });

    const progress = async (): Promise<Progress[]> =>
      (
        await database.db.query<Progress>(
          `SELECT c.projection, c.position, h.position AS head
             FROM ledger.projection_checkpoints c, eventstore.head h ORDER BY c.projection`,
        )
      ).rows;

    it('resumes from its checkpoints when restarted and ends in the rows of an uninterrupted run', async () => {
      const stored = await appendLifecycles(postgresEventStore(database.db), { count: 1200 });
      expect(stored).toBeGreaterThan(3000);

      const first = spawnProjector(database.url);
      processes.push(first);
      let atKill: Progress[] = [];
      await waitFor(
        async () => {
          atKill = await progress();
          return atKill.some((p) => p.position > 0 && p.position < p.head);
        },
        { intervalMs: 2, timeoutMs: 60_000, what: `a checkpoint between 0 and the head (${first.stderr()})` },
      );
      first.child.kill('SIGKILL');
      expect(await first.exited).toBe('SIGKILL');
      // It died part of the way: what it committed stays, the rest is still to do.
      const afterKill = await progress();
      expect(afterKill.some((p) => p.position < p.head)).toBe(true);
      expect(afterKill.every((p) => p.head === stored)).toBe(true);

      const second = spawnProjector(database.url);
      processes.push(second);
      await waitForCheckpointsAtHead(database.db, { timeoutMs: 120_000 });
      await second.stop();

      const { rows: failures } = await database.db.query('SELECT * FROM ledger.projection_failures');
      expect(failures).toEqual([]);
      const rows = await readModels(database.db);
      expect(rows.payments.length).toBeGreaterThan(1000);
      expect(rows).toEqual(await cleanRunOf(database.db));
    }, 240_000);
  },
);
