import fc from 'fast-check';
import {
  importedMetadata,
  importObject,
  IMPORTED,
  type ImportableObject,
} from '../../src/domain/imported.js';
import { streamFor } from '../../src/domain/stream.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { foldAll, foldOneByOne, rowsOf } from '../../tests/support/givenEvents.js';
import { specArb } from '../../tests/support/lifecycleArb.js';
import { buildLifecycle } from '../../tests/support/lifecycles.js';
import type { PaymentRow } from './paymentRow.js';
import { linksOf } from './routing.js';
import { paymentIntent, redelivered } from '../../tests/support/testEvents.js';

type Json = Record<string, unknown>;

/** Stripe's objects today: each object as its latest event left it (later created wins, then later delivery). */
const objectsToday = (events: readonly StoredEvent[]): Json[] => {
  const latest = new Map<string, { created: number; object: Json }>();
  for (const event of events) {
    const object = (event.data as { object: Json }).object;
    const known = latest.get(object.id as string);
    if (known === undefined || event.metadata.created >= known.created) {
      latest.set(object.id as string, { created: event.metadata.created, object });
    }
  }
  return [...latest.values()].map((entry) => entry.object);
};

/** The snapshot events a sync that read `objects` at `observedAt` appends, routed as the sync routes them. */
const snapshotsOf = (
  objects: Json[],
  observedAt: number,
  links: ReadonlyMap<string, string>,
): StoredEvent[] =>
  objects.map((object, i) => {
    const kind = object.object as ImportableObject;
    const imported = importObject(kind, object);
    if (imported.kind !== 'ok') throw new Error(imported.message);
    const event = imported.event;
    const charge = event.data.derived.charge_ids[0];
    const { stream, paymentId } = streamFor(
      event.data.derived,
      charge === undefined ? null : (links.get(charge) ?? null),
      event.snapshotId,
    );
    return {
      id: event.eventId,
      type: IMPORTED,
      data: { ...event.data, derived: { ...event.data.derived, payment_id: paymentId } },
      metadata: importedMetadata(kind, event, {
        account: null,
        observedAt,
        receivedAt: new Date(observedAt * 1000),
      }),
      stream,
      streamVersion: i,
      position: 1_000_000 + i,
      recordedAt: new Date(observedAt * 1000),
    };
  });

/** What Stripe's objects decide; not when or by which event the ledger learnt it. */
const objectColumns = ({ updated_at, last_stripe_event_id, ...rest }: PaymentRow) => {
  void updated_at;
  void last_stripe_event_id;
  return rest;
};

const withoutPaidAt = ({ paid_at, ...rest }: ReturnType<typeof objectColumns>) => {
  void paid_at;
  return rest;
};

const lifecycleWithSnapshots = specArb.chain((spec) => {
  const { events } = buildLifecycle(spec);
  const last = Math.max(...events.map((e) => e.metadata.created));
  return fc.record({
    events: fc.constant(events),
    observedAt: fc.integer({ min: last, max: last + 5 }),
    order: fc.func(fc.integer()),
    dups: fc.array(fc.nat(), { maxLength: 3 }),
  });
});

const shuffled = <T>(items: T[], key: (i: number) => number) =>
  items
    .map((item, i) => ({ item, k: key(i) }))
    .sort((a, b) => a.k - b.k)
    .map((x) => x.item);

describe('StripeObjectImported snapshots folded by the webhook rules', () => {
  it('bring a ledger with no events to the rows the events would give', () => {
    fc.assert(
      fc.property(lifecycleWithSnapshots, ({ events, observedAt, order }) => {
        const links = new Map(events.flatMap(linksOf));
        const snapshots = shuffled(snapshotsOf(objectsToday(events), observedAt, links), order);
        const expected = rowsOf(foldAll(events)).map(objectColumns);
        // A snapshot says that a payment succeeded, not when: paid_at is estimated from its objects.
        const estimated = rowsOf(foldAll(snapshots)).map(objectColumns);
        expect(estimated.map(withoutPaidAt)).toEqual(expected.map(withoutPaidAt));
        expect(estimated.map((row) => row.paid_at === null)).toEqual(
          expected.map((row) => row.paid_at === null),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('change nothing Stripe decides when mixed with the events in any order, duplicated, in any batching', () => {
    fc.assert(
      fc.property(lifecycleWithSnapshots, ({ events, observedAt, order, dups }) => {
        const links = new Map(events.flatMap(linksOf));
        const snapshots = snapshotsOf(objectsToday(events), observedAt, links);
        const all = [...events, ...snapshots];
        const delivered = shuffled([...all, ...dups.map((d) => redelivered(all[d % all.length]!))], order);
        const expected = rowsOf(foldAll(events)).map(objectColumns);
        expect(rowsOf(foldAll(delivered)).map(objectColumns)).toEqual(expected);
        expect(rowsOf(foldOneByOne(delivered))).toEqual(rowsOf(foldAll(all)));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same event id to the same object read twice, and a new one when it changed', () => {
    const idOf = (object: Json) => {
      const imported = importObject('payment_intent', object);
      if (imported.kind !== 'ok') throw new Error(imported.message);
      return imported.event.eventId;
    };
    const object = paymentIntent({ id: 'pi_1', status: 'processing' });
    expect(idOf(structuredClone(object))).toBe(idOf(object));
    expect(idOf({ ...object, status: 'succeeded' })).not.toBe(idOf(object));
  });

  it('refuses an object missing a field the ledger uses, naming it', () => {
    const { amount, ...noAmount } = paymentIntent({ id: 'pi_2', status: 'succeeded' });
    void amount;
    expect(importObject('payment_intent', noAmount)).toEqual({
      kind: 'invalid',
      message: expect.stringContaining('amount'),
    });
  });
});
