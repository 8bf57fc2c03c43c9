import type { Queryable } from '../../src/db/port.js';
import type { NewEvent } from '../../src/domain/ledgerEvent.js';
import type { StoredEvent } from '../../src/eventstore/port.js';

export type StoredCopy = { stream_id: string; event_id: string; event_type: string };

/** Every stored copy of a Stripe event, read straight from eventstore.events. */
export const storedCopies = async (db: Queryable, stripeEventId: string): Promise<StoredCopy[]> => {
  const { rows } = await db.query<StoredCopy>(
    `SELECT stream_id, event_id::text, event_type FROM eventstore.events
      WHERE metadata->>'stripe_event_id' = $1 ORDER BY position`,
    [stripeEventId],
  );
  return rows;
};

/** How many events the store holds in all. */
export const storedEventCount = async (db: Queryable): Promise<number> => {
  const { rows } = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM eventstore.events');
  return rows[0]!.count;
};

/** A stored event as it was appended, to append it again (to another store, or routed anew). */
export const asAppended = ({
  stream: _stream,
  streamVersion: _streamVersion,
  position: _position,
  recordedAt: _recordedAt,
  ...event
}: StoredEvent): NewEvent => event;
