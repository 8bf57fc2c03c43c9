/**
 * applyGroup moves a checkpoint only from where the batch was read: a batch that changes no row moves
 * it with one fenced statement, and a worker that lost its lease (a zombie, still holding a batch read
 * from an old checkpoint) moves nothing and applies nothing.
 */
import { pino } from 'pino';
import type { StoredEvent } from '../src/eventstore/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { applyGroup } from '../src/projector/applyGroup.js';
import { ensureCheckpoints } from '../src/projector/checkpoints.js';
import type { Projection } from '../projections/projection.js';
import { COUNTS_TABLE_SQL, countingProjection } from './support/countingProjection.js';
import { newEvent } from './support/eventStoreContract.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const logger = pino({ level: 'silent' });

/** A projection none of whose rows any event changes (as refunds for payment events). */
const quiet = (): Projection => {
  const counting = countingProjection('quiet');
  return { ...counting, fold: { ...counting.fold, route: () => [] } };
};

describe('applying a batch to a group of projections', () => {
  let database: TestDatabase;
  let events: StoredEvent[];
  beforeEach(async () => {
    database = await createTestDatabase();
    await database.db.query(COUNTS_TABLE_SQL);
    await ensureCheckpoints(database.db, ['quiet', 'counted']);
    const store = postgresEventStore(database.db);
    for (let index = 0; index < 6; index += 1) {
      await store.append(`payment-pi_${index % 2}`, [newEvent()], 'any');
    }
    events = await store.readAll(0, 100);
  });
  afterEach(() => database.drop());

  const position = async (projection: string) =>
    (
      await database.db.query<{ position: number }>(
        'SELECT position FROM ledger.projection_checkpoints WHERE projection = $1',
        [projection],
      )
    ).rows[0]!.position;
  const applied = async () =>
    (
      await database.db.query<{ total: number }>(
        "SELECT coalesce(sum(applied), 0)::int AS total FROM ledger.test_counts WHERE projection = 'counted'",
      )
    ).rows[0]!.total;
  const apply = (projections: Projection[], from: number, batch: StoredEvent[]) =>
    applyGroup(database.db, logger, { projections, events: batch, from, links: new Map() });

  it('moves the checkpoint of a projection whose rows the batch does not change', async () => {
    await apply([quiet()], 0, events.slice(0, 4));
    expect(await position('quiet')).toBe(4);
    await apply([quiet(), countingProjection('counted')], 4, events.slice(4));
    expect(await position('quiet')).toBe(6);
    // Beside it, a projection that started at 0 is not at 4: it is left alone.
    expect(await position('counted')).toBe(0);
    expect(await applied()).toBe(0);
  });

  it('moves nothing for a zombie whose batch was read from a checkpoint another worker has moved since', async () => {
    // The new holder applied the first four events; the zombie still holds a batch read from 0.
    await apply([quiet(), countingProjection('counted')], 0, events.slice(0, 4));
    expect(await position('quiet')).toBe(4);
    expect(await position('counted')).toBe(4);
    expect(await applied()).toBe(4);

    await apply([quiet()], 0, events.slice(0, 2));
    await apply([countingProjection('counted')], 0, events.slice(0, 2));
    await apply([quiet(), countingProjection('counted')], 0, events.slice(0, 3));
    expect(await position('quiet')).toBe(4);
    expect(await position('counted')).toBe(4);
    expect(await applied()).toBe(4);
  });

  it('applies nothing and moves nothing for a projection that has failed', async () => {
    await database.db.query(
      "UPDATE ledger.projection_checkpoints SET state = 'failed' WHERE projection IN ('quiet', 'counted')",
    );
    await apply([quiet()], 0, events);
    await apply([countingProjection('counted')], 0, events);
    expect(await position('quiet')).toBe(0);
    expect(await position('counted')).toBe(0);
    expect(await applied()).toBe(0);
  });
});
