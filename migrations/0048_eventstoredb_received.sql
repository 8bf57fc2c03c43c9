-- On EventStoreDB the log is not in PostgreSQL, so ledger.webhook_events (monitoring SQL, and
-- GET /api/webhooks/events) had nothing to show. The adapter writes here each event it has stored, with
-- its commit position (checkpoints and projection failures use the same positions), after the append and
-- before the webhook is answered: every acknowledged event is here, and a redelivery (answered duplicate)
-- writes a copy that a failure in between left out. On PostgreSQL this table stays empty.
CREATE TABLE eventstore.eventstoredb_received (
  position bigint PRIMARY KEY,
  stream_id text NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  event_type text NOT NULL,
  -- json, as eventstore.events: the Stripe object as delivered.
  data json NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL
);

-- The view reads whichever log this database serves: one of the two tables is always empty.
CREATE OR REPLACE VIEW ledger.webhook_events WITH (security_invoker = true) AS
SELECT
  e.position AS id,
  e.metadata->>'stripe_event_type' AS event_type,
  e.metadata->>'stripe_event_id' AS event_id,
  e.data AS payload,
  (f.error IS NULL AND c.min_position IS NOT NULL AND c.min_position >= e.position) AS processed,
  f.error AS error_message,
  e.recorded_at AS created_at,
  CASE WHEN f.error IS NULL AND c.min_position >= e.position THEN c.last_update END AS processed_at
FROM (
  SELECT position, data, metadata, recorded_at FROM eventstore.events
  UNION ALL
  SELECT position, data, metadata, recorded_at FROM eventstore.eventstoredb_received
) e
LEFT JOIN LATERAL (
  SELECT min(position) AS min_position, min(updated_at) AS last_update FROM ledger.projection_checkpoints
) c ON true
LEFT JOIN LATERAL (
  SELECT string_agg(projection || ': ' || error, '; ' ORDER BY projection) AS error
  FROM ledger.projection_failures pf
  WHERE pf.position = e.position AND pf.resolved_at IS NULL
) f ON true;

REVOKE ALL ON eventstore.eventstoredb_received FROM ledger_reader;
