-- Monitoring SQL written for a plain webhook-events table keeps working against the log.
-- processed: every projection has moved past the event; error_message: an open projection failure at it.
-- security_invoker: the read-only finance role must not reach the event store through this view.
CREATE VIEW ledger.webhook_events WITH (security_invoker = true) AS
SELECT
  e.position AS id,
  e.metadata->>'stripe_event_type' AS event_type,
  e.metadata->>'stripe_event_id' AS event_id,
  e.data AS payload,
  (f.error IS NULL AND c.min_position IS NOT NULL AND c.min_position >= e.position) AS processed,
  f.error AS error_message,
  e.recorded_at AS created_at,
  CASE WHEN f.error IS NULL AND c.min_position >= e.position THEN c.last_update END AS processed_at
FROM eventstore.events e
LEFT JOIN LATERAL (
  SELECT min(position) AS min_position, min(updated_at) AS last_update FROM ledger.projection_checkpoints
) c ON true
LEFT JOIN LATERAL (
  SELECT string_agg(projection || ': ' || error, '; ' ORDER BY projection) AS error
  FROM ledger.projection_failures pf
  WHERE pf.position = e.position AND pf.resolved_at IS NULL
) f ON true;
