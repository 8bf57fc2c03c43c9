/**
 * Projection status (health, metrics, GET /api/projections) on EventStoreDB costs the same on a long log
 * as on a short one: positions there are byte offsets, not counts, so lag cannot be a subtraction, and
 * counting every event behind a projection grew with the log until health missed its deadline.
 */
import { randomBytes } from 'node:crypto';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { v4 as uuidv4 } from 'uuid';
import { LAG_COUNTED_EVENTS, projectionStatus } from '../src/projector/status.js';
import { useInProcessStore } from './support/eventstoredb/inProcessStore.js';

const NAMES = ['behind', 'near_head'];

/** `count` events over 40 payment streams, of varied sizes as Stripe objects are, 100 per append.
 * Answers the stream of the last append. */
const appendEvents = async (client: EventStoreDBClient, count: number, offset: number) => {
  let stream = '';
  for (let done = offset; done < offset + count; done += 100) {
    stream = `payment-pi_status_${(done / 100) % 40}`;
    const events = Array.from({ length: 100 }, (_, i) =>
      jsonEvent({
        id: uuidv4(),
        type: 'PaymentSucceeded',
        data: {
          object: { id: stream.slice(8), note: randomBytes(100 + ((done + i) % 7) * 60).toString('hex') },
        },
        metadata: { stripe_event_id: `evt_${done + i}`, stripe_event_type: 'payment_intent.succeeded' },
      }),
    );
    await client.appendToStream(stream, events);
  }
  return stream;
};

describe('projection status on EventStoreDB', () => {
  const esdb = useInProcessStore();

  /** One projection at the start of the log, one 10 events short of its head (the last append wrote
   * its last 100 events to one stream). */
  const statusWithCost = async (lastStream: string) => {
    const nearHead = (await esdb.store.readStream(lastStream)).at(-11)!.position;
    await esdb.database.db.query(
      `INSERT INTO ledger.projection_checkpoints (projection, position) VALUES ('behind', 0), ('near_head', $1)
       ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position`,
      [nearHead],
    );
    const before = esdb.server.recordsRead();
    const statuses = await projectionStatus(esdb.database.db, esdb.store, new Date(), NAMES);
    return { statuses, eventsRead: esdb.server.recordsRead() - before };
  };

  it('reads as few events on a log of 20,000 as on one of 2,000, counting a short lag exactly and estimating a long one', async () => {
    const short = await statusWithCost(await appendEvents(esdb.client, 2_000, 0));
    const long = await statusWithCost(await appendEvents(esdb.client, 18_000, 2_000));

    expect(long.eventsRead).toBe(short.eventsRead);
    expect(long.eventsRead).toBeLessThan(4 * LAG_COUNTED_EVENTS);
    const behind = long.statuses.find((status) => status.name === 'behind')!;
    expect(behind.lag_events_estimated).toBe(true);
    expect(Math.abs(behind.lag_events - 20_000)).toBeLessThan(20_000 * 0.05);
    expect(
      Math.abs(short.statuses.find((status) => status.name === 'behind')!.lag_events - 2_000),
    ).toBeLessThan(2_000 * 0.05);
    for (const { statuses } of [short, long]) {
      expect(statuses.find((status) => status.name === 'near_head')).toMatchObject({
        lag_events: 10,
        lag_events_estimated: false,
        state: 'idle',
      });
    }
  });
});
