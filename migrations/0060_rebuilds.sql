-- Rebuilds as operators see them: the one running (its phase and progress, kept fresh by a heartbeat)
-- and how earlier ones ended. A rebuild killed outright leaves its row unfinished; once its heartbeat
-- is stale, status no longer counts it as running.
CREATE TABLE ledger.rebuilds (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  projections text[] NOT NULL,
  owner text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  phase text NOT NULL,
  done bigint NOT NULL DEFAULT 0,
  total bigint NOT NULL DEFAULT 0,
  finished_at timestamptz,
  outcome text CHECK (outcome IN ('swapped', 'failed')),
  error text
);

CREATE INDEX rebuilds_unfinished_idx ON ledger.rebuilds (updated_at) WHERE finished_at IS NULL;
