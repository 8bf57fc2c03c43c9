import { randomBytes } from 'node:crypto';
import { pgDb } from '../src/db/pg.js';
import { enableReaderLogin } from '../src/db/readerRole.js';
import { scramVerifier } from '../src/db/scramVerifier.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { proxyInFront } from './support/tcpProxy.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

describeWithPostgres('it logs in as a PostgreSQL role')('LEDGER_READER_PASSWORD', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  it('never crosses the wire to PostgreSQL (so no statement log can hold it), only its SCRAM verifier does', async () => {
    const password = `reader-${Date.now()}-wire-check`;
    const { proxy, url } = await proxyInFront(database.url);
    const db = pgDb({ connectionString: url, max: 1 });
    try {
      await enableReaderLogin(db, password);
    } finally {
      await db.close();
      await proxy.close();
    }
    expect(proxy.sent().includes(password)).toBe(false);
    expect(proxy.sent().includes('SCRAM-SHA-256$4096:')).toBe(true);

    const { rows } = await database.db.query<{ rolpassword: string }>(
      `SELECT rolpassword FROM pg_authid WHERE rolname = 'ledger_reader'`,
    );
    expect(rows[0]!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  it('is stored as the very verifier PostgreSQL computes from the password itself', async () => {
    // Logins on this test server are trusted, so a login proves nothing: compare with the server's own.
    const role = `sl_scram_${randomBytes(4).toString('hex')}`;
    await database.db.query(`CREATE ROLE ${role}`);
    try {
      await database.db.transaction(async (tx) => {
        await tx.query(`SET LOCAL password_encryption = 'scram-sha-256'`);
        await tx.query(`ALTER ROLE ${role} PASSWORD 'pässword-Ω-42'`);
      });
      const { rows } = await database.db.query<{ rolpassword: string }>(
        'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
        [role],
      );
      const salt = Buffer.from(rows[0]!.rolpassword.split('$')[1]!.split(':')[1]!, 'base64');
      expect(scramVerifier('pässword-Ω-42', salt)).toBe(rows[0]!.rolpassword);
    } finally {
      await database.db.query(`DROP ROLE ${role}`);
    }
  });
});
