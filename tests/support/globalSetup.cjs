// Drops databases left behind by earlier, interrupted test runs (older than an hour).
const pg = require('pg');

module.exports = async () => {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`tests need PostgreSQL at ${adminUrl}: ${error.message}`);
  }
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
