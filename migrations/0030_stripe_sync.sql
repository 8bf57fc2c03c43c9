-- Stripe sync (SPEC section 11). A cursor per Stripe account and feed says what is durably in the log:
-- the events feed, and one history feed per list endpoint (payment_intents, charges, ...).
-- Stripe lists newest first, so a range is read from its newest end down: while a range is being read,
-- pending_from/pending_to bound it and everything in it created after pending_below is appended; a pass
-- killed mid-range resumes from pending_below (appends are idempotent, so re-reading that second is
-- harmless). complete_until moves only once a whole range is appended.
CREATE TABLE ledger.stripe_sync_cursors (
  -- The connected account (Stripe-Account), or '' for the account of the key itself.
  account text NOT NULL,
  feed text NOT NULL,
  -- Events: every event created before it is in the log. History: every object created before it was imported.
  complete_until bigint,
  pending_from bigint,
  pending_to bigint,
  pending_below bigint,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account, feed)
);

-- One row per pass: when it ran, what it did, and how it ended (the last successful pass is a metric).
CREATE TABLE ledger.stripe_sync_passes (
  id bigserial PRIMARY KEY,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now(),
  succeeded boolean NOT NULL,
  summary jsonb NOT NULL,
  error text
);
CREATE INDEX stripe_sync_passes_succeeded ON ledger.stripe_sync_passes (finished_at) WHERE succeeded;
