-- The event log. Positions are handed out under a lock on the single head row, so they are assigned in
-- commit order and a reader following `position > checkpoint` never skips an event committed later.
CREATE SCHEMA IF NOT EXISTS eventstore;

CREATE TABLE eventstore.head (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  position bigint NOT NULL
);
INSERT INTO eventstore.head (singleton, position) VALUES (true, 0);

CREATE TABLE eventstore.events (
  position bigint PRIMARY KEY,
  stream_id text NOT NULL,
  stream_version integer NOT NULL,
  event_id uuid NOT NULL UNIQUE,
  event_type text NOT NULL,
  -- json, not jsonb: the Stripe object is kept exactly as delivered (key order, number spelling).
  data json NOT NULL,
  metadata jsonb NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (stream_id, stream_version)
);

-- Which payment a charge belongs to, learnt from events that name both. Refunds and disputes that name
-- only their charge are routed to that payment's stream.
CREATE TABLE eventstore.charge_links (
  charge_id text PRIMARY KEY,
  payment_id text NOT NULL
);
