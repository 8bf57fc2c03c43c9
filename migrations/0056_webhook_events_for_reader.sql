-- ledger.webhook_events exists so that monitoring SQL written for a plain webhook-events table keeps
-- working (SPEC section 5), and finance and monitoring SQL run as ledger_reader. As a security_invoker
-- view it read the raw log with the reader's own rights, which it does not have (0020), so every query
-- of it failed with "permission denied for table events". It now reads the log with its owner's
-- rights and shows the payload with its secrets redacted (0047), as GET /api/webhooks/events does: the
-- reader still cannot read the raw log, and sees no client_secret through the view.
CREATE OR REPLACE VIEW ledger.webhook_events AS
SELECT
  e.position AS id,
  e.metadata->>'stripe_event_type' AS event_type,
  e.metadata->>'stripe_event_id' AS event_id,
  ledger.redact_secrets(e.data::jsonb)::json AS payload,
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
ALTER VIEW ledger.webhook_events SET (security_invoker = false);
GRANT SELECT ON ledger.webhook_events TO ledger_reader;
