/** Database test support for projections (test-only): real PostgreSQL, nothing mocked. */
import fc from 'fast-check';
import type { Db, Queryable } from '../../src/db/port.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { postgresEventStore } from '../../src/eventstore/postgres/postgresEventStore.js';
import type { Projection, ProjectionTarget } from '../../projections/projection.js';
import { chargeKeysOf } from '../../projections/shared/routing.js';
import { knownLinks } from '../../src/eventstore/chargeLinks.js';
import { storiesOn } from '../../src/eventstore/paymentStory.js';
import { applyBatch } from '../../src/projector/engine/applyBatch.js';
import { specArb } from './lifecycleArb.js';
import { buildLifecycle, type Lifecycle } from './lifecycles.js';
import { asAppended } from './storedEvents.js';
import { createTestDatabase, type TestDatabase } from './testDatabase.js';

/** A fixed, varied sample of lifecycles (orphans, old API shapes, legacy charges, ties), ids distinct. */
export const sampleLifecycles = (count: number, seed = 20240611): Lifecycle[] =>
  fc.sample(specArb, { seed, numRuns: count }).map((spec, n) => buildLifecycle({ ...spec, n: n + 1 }));

/** The events in a seeded random arrival order. */
export const shuffled = <T>(items: readonly T[], seed = 7): T[] =>
  fc.sample(fc.shuffledSubarray([...items], { minLength: items.length }), { seed, numRuns: 1 })[0]!;

/** Appends the events through the PostgreSQL event store (so charge links are learnt as ingest would)
 * and returns them as the store hands them to projectors. */
export const storeEvents = async (db: Db, events: readonly StoredEvent[]): Promise<StoredEvent[]> => {
  const store = postgresEventStore(db);
  const before = await store.headPosition();
  await store.appendMany(
    events.map((event) => ({
      stream: event.stream,
      expectedVersion: 'any' as const,
      events: [asAppended(event)],
    })),
  );
  return store.readAll(before, 1_000_000);
};

/** A rebuild-style target: the projection's tables created LIKE the live ones in a schema of its own. */
export const createTarget = async (
  db: Db,
  schema: string,
  projection: Projection,
): Promise<ProjectionTarget> => {
  await db.query(`CREATE SCHEMA ${schema}`);
  for (const table of projection.tables) {
    await db.query(`CREATE TABLE ${schema}.${table} (LIKE ledger.${table} INCLUDING ALL)`);
  }
  return { schema };
};

export const applyInBatches = async (
  db: Db,
  projection: Projection,
  events: readonly StoredEvent[],
  batchSize: number,
  target: ProjectionTarget = { schema: 'ledger' },
): Promise<void> => {
  for (let i = 0; i < events.length; i += batchSize) {
    const batch = events.slice(i, i + batchSize);
    const links = await linksFor(db, batch);
    await db.transaction((tx) =>
      applyBatch(tx, projection, batch, target, links, storiesOn(postgresEventStore(db))(tx)),
    );
  }
};

/** What the store knows of the batch's charges, as the projector reads it before a batch. */
export const linksFor = (db: Db, events: readonly StoredEvent[]) =>
  knownLinks(postgresEventStore(db), chargeKeysOf(events));

/** Applies one batch, as a worker does, and reports how many statements it sent. */
export const statementsOf = async (
  db: Db,
  projection: Projection,
  events: StoredEvent[],
  target: ProjectionTarget,
): Promise<number> => {
  let count = 0;
  const links = await linksFor(db, events);
  await db.transaction((tx) => {
    const counting: Queryable = {
      query: (sql, params, options) => {
        count += 1;
        return tx.query(sql, params, options);
      },
    };
    // Story reads (a batch that joins a charge into its payment) count too: they run on the batch's connection.
    return applyBatch(
      counting,
      projection,
      events,
      target,
      links,
      storiesOn(postgresEventStore(db))(counting),
    );
  });
  return count;
};

/** Every row of a projection's tables, in key order, without the columns that legitimately differ. */
export const snapshotOf = async (
  db: Db,
  projection: Projection,
  schema: string,
  without: readonly string[] = [],
): Promise<Record<string, unknown[]>> => {
  const out: Record<string, unknown[]> = {};
  for (const table of projection.tables) {
    const { rows } = await db.query(`SELECT * FROM ${schema}.${table} ORDER BY 1`);
    const kept = rows.map((row) =>
      Object.fromEntries(Object.entries(row).filter(([c]) => !without.includes(c))),
    );
    // Identity columns and row order follow arrival; sort on the remaining content.
    out[table] = kept.map((row) => JSON.stringify(row)).sort();
  }
  return out;
};

/** A database of the test file's own holding `count` sampled lifecycles, made before its tests and
 * dropped after them. Call inside a describe; the getter returns it once made. */
export const databaseWithLifecycles = (count: number, seed: number): (() => TestDatabase) => {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
    await storeEvents(
      database.db,
      sampleLifecycles(count, seed).flatMap((lifecycle) => lifecycle.events),
    );
  });
  afterAll(async () => {
    await database?.drop();
  });
  return () => database!;
};
