-- ledger_reader: a read-only role for BI tools and finance SQL. SELECT on everything in schema ledger
-- (now and later), nothing else: no writes, and no access to schema eventstore (the raw log).
-- NOLOGIN here; `serve` and `migrate` give it LOGIN and a password when LEDGER_READER_PASSWORD is set.
--
-- Roles are cluster-wide while this runs once per database, possibly in several databases at once
-- (tests): two concurrent CREATE ROLEs make one fail with unique_violation (or duplicate_object once
-- the other has committed), which only means the role now exists.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_reader') THEN
    CREATE ROLE ledger_reader NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA ledger TO ledger_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA ledger TO ledger_reader;
-- Tables the ledger's own user creates in schema ledger later (new read models) are readable too.
-- Rebuilt tables are created elsewhere and moved in, so the rebuild grants them itself.
ALTER DEFAULT PRIVILEGES IN SCHEMA ledger GRANT SELECT ON TABLES TO ledger_reader;
REVOKE ALL ON SCHEMA eventstore FROM ledger_reader;
REVOKE ALL ON ALL TABLES IN SCHEMA eventstore FROM ledger_reader;
