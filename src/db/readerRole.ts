import type { Db } from './port.js';
import { scramVerifier } from './scramVerifier.js';
import { errorMessage } from '../shared/errorMessage.js';

/**
 * Lets the read-only `ledger_reader` role (migration 0020) log in with `password`; run at every start, so
 * changing LEDGER_READER_PASSWORD and restarting rotates it. Only its SCRAM verifier is sent (computed
 * here, as `psql \password` does): the password appears in no statement, bind parameter or server log.
 * Creates the role when the migration has not run yet (`migrate` opens first).
 */
export const enableReaderLogin = async (db: Db, password: string): Promise<void> => {
  if (db.kind === 'embedded') return;
  for (let attempt = 1; ; attempt += 1) {
    let failure: unknown;
    try {
      // Base64, '$' and ':' only: safe inside a literal, and a fresh salt at every start.
      const verifier = scramVerifier(password);
      await db.transaction(async (tx) => {
        await tx.query(`DO $$
          BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ledger_reader') THEN
              CREATE ROLE ledger_reader NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION;
            END IF;
          EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
          END $$`);
        // Checked first: a failing ALTER ROLE would print its statement in the server log.
        await tx.query(`DO $$
          BEGIN
            IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
              RAISE EXCEPTION 'permission denied: % has neither SUPERUSER nor CREATEROLE', current_user;
            END IF;
            EXECUTE format('ALTER ROLE ledger_reader LOGIN PASSWORD %L', '${verifier}');
          END $$`);
      });
      return;
    } catch (error) {
      failure = error;
    }
    // Processes starting together update the same pg_authid row: "tuple concurrently updated".
    const reason = errorMessage(failure);
    if (!/concurrently updated/.test(reason) || attempt >= 5) {
      // No `cause`: the driver's error context can quote the ALTER ROLE statement, password included.
      throw new Error(
        `cannot let ledger_reader log in (LEDGER_READER_PASSWORD): ${reason}; the database user needs CREATEROLE, or unset LEDGER_READER_PASSWORD and set the password as an administrator`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
};
