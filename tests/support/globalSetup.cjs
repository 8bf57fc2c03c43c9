// Decides once per run where the tests' databases live, and tells the test workers through
// STRIPE_LEDGER_TEST_DATABASE (see testDatabase.ts): PostgreSQL when it answers, else the embedded
// database. Set the variable to `postgres` or `embedded` to choose. On PostgreSQL, drops databases left
// behind by earlier, interrupted test runs (older than an hour).
const { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } = require('node:fs');
const { dirname, join } = require('node:path');
const pg = require('pg');

const VARIABLE = 'STRIPE_LEDGER_TEST_DATABASE';

// A fresh embedded cluster (initdb) takes seconds; a dump of one loads in a fraction of that. It is
// kept per PGlite version in node_modules/.cache, and testDatabase.ts starts each database from it.
const embeddedTemplate = async () => {
  const entry = require.resolve('@electric-sql/pglite');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '../package.json'), 'utf8'));
  const file = join(__dirname, `../../node_modules/.cache/stripe-ledger/pglite-${version}.tar`);
  if (!existsSync(file)) {
    const { PGlite } = require('@electric-sql/pglite');
    const pglite = await PGlite.create('memory://');
    const dump = Buffer.from(await (await pglite.dumpDataDir('none')).arrayBuffer());
    await pglite.close();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}`, dump);
    renameSync(`${file}.${process.pid}`, file);
  }
  process.env.STRIPE_LEDGER_EMBEDDED_TEMPLATE = file;
};

const useEmbedded = async () => {
  process.env[VARIABLE] = 'embedded';
  await embeddedTemplate().catch((error) =>
    process.stderr.write(
      `no embedded database template (${error.message}): each test database runs initdb\n`,
    ),
  );
};

module.exports = async () => {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const chosen = process.env[VARIABLE];
  if (chosen !== undefined && chosen !== '' && chosen !== 'postgres' && chosen !== 'embedded') {
    throw new Error(`${VARIABLE} must be postgres or embedded, not ${JSON.stringify(chosen)}`);
  }
  if (chosen === 'embedded') return useEmbedded();

  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    if (chosen === 'postgres') throw new Error(`tests need PostgreSQL at ${adminUrl}: ${error.message}`);
    await useEmbedded();
    process.stderr.write(
      `\nPostgreSQL does not answer at ${adminUrl} (${error.message}): the tests run on the embedded ` +
        'database, and those that need several connections or processes are skipped, each saying why. ' +
        'Start PostgreSQL, or point TEST_DATABASE_ADMIN_URL at one, to run them all.\n',
    );
    return;
  }
  process.env[VARIABLE] = 'postgres';
  try {
    const { rows } = await client.query(
      `SELECT datname FROM pg_database d WHERE datname LIKE 'sl_test_%'
         AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification < now() - interval '1 hour'`,
    );
    for (const row of rows) await client.query(`DROP DATABASE IF EXISTS ${row.datname} WITH (FORCE)`);
  } catch {
    // best effort only
  } finally {
    await client.end();
  }
};
