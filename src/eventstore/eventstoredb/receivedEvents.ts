/**
 * What ledger.webhook_events shows on EventStoreDB: a copy of each stored event with its commit position,
 * in eventstore.eventstoredb_received (migration 0048). EventStoreDB cannot answer the view's filters
 * (type, Stripe event id, time, failed) without reading the whole log.
 */
import type { Queryable } from '../../db/port.js';
import type { StoredEvent } from '../port.js';

/** Idempotent: a redelivery writes again only what a failure left out. */
export const recordReceived = async (db: Queryable, events: readonly StoredEvent[]): Promise<void> => {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO eventstore.eventstoredb_received
       (position, stream_id, event_id, event_type, data, metadata, recorded_at)
     SELECT * FROM unnest($1::bigint[], $2::text[], $3::uuid[], $4::text[], $5::json[], $6::jsonb[], $7::timestamptz[])
     ON CONFLICT DO NOTHING`,
    [
      events.map((event) => event.position),
      events.map((event) => event.stream),
      events.map((event) => event.id),
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event.data)),
      events.map((event) => JSON.stringify(event.metadata)),
      events.map((event) => event.recordedAt),
    ],
  );
};
