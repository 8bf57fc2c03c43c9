-- Projector bookkeeping. A projection's checkpoint moves in the same transaction as its read-model
-- writes, so each event takes effect exactly once.
CREATE SCHEMA IF NOT EXISTS ledger;

CREATE TABLE ledger.projection_checkpoints (
  projection text PRIMARY KEY,
  position bigint NOT NULL DEFAULT 0,
  -- 'active': applying events; 'failed': stopped at an event it could not apply (see projection_failures).
  state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'failed')),
  last_error text,
  -- The worker holding the projection's lease writes a heartbeat, so other processes can tell it is alive.
  owner text,
  heartbeat_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ledger.projection_failures (
  id bigserial PRIMARY KEY,
  projection text NOT NULL,
  position bigint NOT NULL,
  event_id uuid NOT NULL,
  stripe_event_id text,
  event_type text,
  error text NOT NULL,
  attempts integer NOT NULL DEFAULT 1,
  first_seen timestamptz NOT NULL DEFAULT now(),
  last_seen timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz
);
-- At most one open failure per projection and position.
CREATE UNIQUE INDEX projection_failures_open ON ledger.projection_failures (projection, position)
  WHERE resolved_at IS NULL;
