import { pino } from 'pino';
import { projections } from '../../projections/index.js';
import type { Db } from '../../src/db/port.js';
import { postgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import { startProjector } from '../../src/projector/projector.js';
import { readModels, waitForCheckpointsAtHead, type ReadModels } from './ledgerRows.js';
import { asAppended } from './storedEvents.js';
import { createTestDatabase } from './testDatabase.js';

/**
 * The read models of an uninterrupted run over the same events: the source store's events, copied in
 * global order onto the same streams of a fresh database, projected there by one projector from 0.
 */
export const cleanRunOf = async (source: Db): Promise<ReadModels> => {
  const from = postgresEventStore(source);
  const database = await createTestDatabase();
  try {
    const store = postgresEventStore(database.db);
    for (let after = 0; ;) {
      const page = await from.readAll(after, 2000);
      if (page.length === 0) break;
      await store.appendMany(
        page.map((event) => ({
          stream: event.stream,
          expectedVersion: 'any' as const,
          events: [asAppended(event)],
        })),
      );
      after = page.at(-1)!.position;
    }
    const projector = await startProjector({
      db: database.db,
      store,
      projections,
      logger: pino({ level: 'silent' }),
    });
    try {
      await waitForCheckpointsAtHead(database.db, { timeoutMs: 120_000 });
    } finally {
      await projector.stop();
    }
    return await readModels(database.db);
  } finally {
    await database.drop();
  }
};
