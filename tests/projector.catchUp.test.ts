/**
 * One projector loop runs every projection it holds: a projection that fell behind (set back, or
 * retried after a failure) catches up while the others go on, and then shares their batches.
 */
import { pino } from 'pino';
import { v4 as uuidv4 } from 'uuid';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { markActive } from '../src/projector/checkpoints.js';
import { startProjector, type Projector } from '../src/projector/projector.js';
import { COUNTS_TABLE_SQL, countingProjection } from './support/countingProjection.js';
import { newEvent } from './support/eventStoreContract.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { waitFor } from './support/waitFor.js';

const logger = pino({ level: 'silent' });
const BATCH = 5;
const STREAMS = 7;
/** Enough batches that catching up takes many rounds: the one that ran ahead is far behind. */
const SEEDED = 300;

describe('a projection that fell behind', () => {
  let database: TestDatabase;
  let projector: Projector | undefined;
  let broken = false;
  const lagging = () => countingProjection('lagging', { broken: () => broken });
  const leading = () => countingProjection('leading');

  beforeEach(async () => {
    database = await createTestDatabase();
    await database.db.query(COUNTS_TABLE_SQL);
    // The order in which rows were first written, across projections and transactions.
    await database.db.query('ALTER TABLE ledger.test_counts ADD COLUMN written_order bigserial');
    broken = false;
  });
  afterEach(async () => {
    await projector?.stop();
    projector = undefined;
    await database.drop();
  });

  const store = () => postgresEventStore(database.db);
  const append = (stream: string, data: Record<string, unknown> = {}) =>
    store().append(stream, [newEvent({ data: { marker: uuidv4(), ...data } })], 'any');
  const appendMany = async (count: number) => {
    for (let index = 0; index < count; index += 1) await append(`payment-pi_${index % STREAMS}`);
  };
  const start = async () => {
    projector = await startProjector({
      db: database.db,
      store: store(),
      projections: [lagging(), leading()],
      logger,
      batchSize: BATCH,
      pollMs: 100,
    });
  };
  const checkpoints = async () => {
    const { rows } = await database.db.query<{ projection: string; position: number; state: string }>(
      'SELECT projection, position, state FROM ledger.projection_checkpoints ORDER BY projection',
    );
    return new Map(rows.map((row) => [row.projection, row]));
  };
  const atHead = async (head: number) => {
    const all = await checkpoints();
    return all.get('lagging')?.position === head && all.get('leading')?.position === head;
  };
  const countsOf = async (projection: string) => {
    const { rows } = await database.db.query<{ stream: string; applied: number }>(
      'SELECT stream, applied FROM ledger.test_counts WHERE projection = $1 ORDER BY stream',
      [projection],
    );
    return rows.map((row) => `${row.stream}=${row.applied}`);
  };
  const writtenOrder = async (projection: string, stream: string) => {
    const { rows } = await database.db.query<{ written_order: number }>(
      'SELECT written_order FROM ledger.test_counts WHERE projection = $1 AND stream = $2',
      [projection, stream],
    );
    if (rows.length !== 1) throw new Error(`no row of ${projection} for ${stream}`);
    return Number(rows[0]!.written_order);
  };

  /**
   * Both end at the head with the rows of every event exactly once; the leading one applied the event
   * appended after the log (`payment-pi_new`) before the lagging one reached the end of the log
   * (`payment-pi_last`, the last event it had to catch up on).
   */
  const expectCaughtUpWithoutHoldingBack = async (head: number) => {
    await waitFor(() => atHead(head), { what: `both projections at ${head}`, timeoutMs: 30_000 });
    const expected = [
      ...Array.from(
        { length: STREAMS },
        (_, i) => `payment-pi_${i}=${Math.ceil((SEEDED - 1 - i) / STREAMS)}`,
      ),
      'payment-pi_last=1',
      'payment-pi_new=1',
    ].sort();
    expect(await countsOf('lagging')).toEqual(expected);
    expect(await countsOf('leading')).toEqual(expected);
    expect(await writtenOrder('leading', 'payment-pi_new')).toBeLessThan(
      await writtenOrder('lagging', 'payment-pi_last'),
    );
  };

  it('set back to the start catches up, without holding back the one at the head, and ends with the same rows', async () => {
    await appendMany(SEEDED - 1);
    await append('payment-pi_last');
    await start();
    await waitFor(() => atHead(SEEDED), { what: 'both projections at the head', timeoutMs: 30_000 });
    await projector!.stop();
    // An operator replays one read model: its rows and checkpoint go back to the start.
    await database.db.query("DELETE FROM ledger.test_counts WHERE projection = 'lagging'");
    await database.db.query(
      "UPDATE ledger.projection_checkpoints SET position = 0 WHERE projection = 'lagging'",
    );
    await append('payment-pi_new');
    await start();
    await expectCaughtUpWithoutHoldingBack(SEEDED + 1);
    // Caught up, they share batches again: what follows reaches both.
    await appendMany(2 * BATCH + 1);
    await waitFor(() => atHead(SEEDED + 2 * BATCH + 2), { what: 'both at the new head' });
    expect(await countsOf('lagging')).toEqual(await countsOf('leading'));
  });

  it('retried after a failure catches up without holding back the one at the head', async () => {
    broken = true;
    await start();
    await append('payment-pi_poison', { poison: true });
    await waitFor(async () => (await checkpoints()).get('lagging')?.state === 'failed', {
      what: 'the lagging projection to fail on the poison event',
    });
    // The failed one stays at 0 while the log grows.
    await appendMany(SEEDED - 2);
    await append('payment-pi_last');
    await waitFor(async () => (await checkpoints()).get('leading')?.position === SEEDED, {
      what: 'the leading projection at the head',
    });
    expect((await checkpoints()).get('lagging')?.position).toBe(0);
    await projector!.stop();
    broken = false;
    expect(await markActive(database.db, 'lagging')).not.toBeNull();
    await append('payment-pi_new');
    await start();
    await waitFor(() => atHead(SEEDED + 1), { what: 'both projections at the head', timeoutMs: 30_000 });
    const withPoison = (rows: string[]) => rows.filter((row) => !row.startsWith('payment-pi_poison'));
    expect(await countsOf('lagging')).toContain('payment-pi_poison=1');
    expect(await countsOf('leading')).toContain('payment-pi_poison=1');
    expect(withPoison(await countsOf('lagging'))).toEqual(withPoison(await countsOf('leading')));
    expect(await writtenOrder('leading', 'payment-pi_new')).toBeLessThan(
      await writtenOrder('lagging', 'payment-pi_last'),
    );
  });
});
