import type { Queryable } from '../../db/port.js';
import type { NewEvent } from '../../domain/ledgerEvent.js';

/**
 * Claims each event id for `stream` unless another stream already holds it, and answers the stream
 * holding every id. The claim is taken before the append: a crash in between leaves a claim without an
 * event, and the redelivery then appends to the claimed stream, so the event is neither lost nor doubled.
 */
export const claimStreams = async (db: Queryable, stream: string, events: readonly NewEvent[]) => {
  const ids = events.map((event) => event.id);
  const { rows } = await db.query<{ event_id: string; stream_id: string }>(
    `WITH claimed AS (
       INSERT INTO eventstore.event_claims (event_id, stream_id)
       SELECT unnest($1::uuid[]), $2 ON CONFLICT (event_id) DO NOTHING
       RETURNING event_id, stream_id
     )
     SELECT event_id::text, stream_id FROM claimed
     UNION ALL
     SELECT event_id::text, stream_id FROM eventstore.event_claims WHERE event_id = ANY($1::uuid[])`,
    [ids, stream],
  );
  const claims = new Map(rows.map((row) => [row.event_id, row.stream_id]));
  if (claims.size < new Set(ids).size) {
    // A concurrent claim committed after this statement's snapshot: read it now.
    const again = await db.query<{ event_id: string; stream_id: string }>(
      'SELECT event_id::text, stream_id FROM eventstore.event_claims WHERE event_id = ANY($1::uuid[])',
      [ids],
    );
    for (const row of again.rows) claims.set(row.event_id, row.stream_id);
  }
  return claims;
};
