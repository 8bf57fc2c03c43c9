/** Tests that cannot run on the embedded database say so, and are skipped there instead of failing. */
import { adminUrl, testDatabaseKind } from './testDatabase.js';

const skipNotice = (what: string, why: string) =>
  console.warn(
    `skipped ${JSON.stringify(what)}: it needs PostgreSQL (${why}), and this run is on the embedded ` +
      `database, which has one connection in one process (PostgreSQL did not answer at ${adminUrl}, or ` +
      'STRIPE_LEDGER_TEST_DATABASE=embedded)',
  );

/**
 * `describe` for tests that need several connections or processes (competing workers, leases, a
 * second server): they run on PostgreSQL and are skipped, saying why, on the embedded database.
 * Usage: `describeWithPostgres('two workers compete for the lease')('lease handover', () => { ... })`.
 */
export const describeWithPostgres =
  (why: string) =>
  (name: string, tests: () => void): void => {
    if (testDatabaseKind === 'postgres') return describe(name, tests);
    skipNotice(name, why);
    describe.skip(name, tests);
  };

/** `it` for one test that needs several connections or processes; see describeWithPostgres. */
export const itWithPostgres =
  (why: string) =>
  (name: string, test: jest.ProvidesCallback, timeoutMs?: number): void => {
    if (testDatabaseKind === 'postgres') return it(name, test, timeoutMs);
    skipNotice(name, why);
    it.skip(name, test, timeoutMs);
  };
