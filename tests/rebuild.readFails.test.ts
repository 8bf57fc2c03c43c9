/**
 * A rebuild reads the next batch of the log while it folds the current one. When that read fails (the
 * database went away), the rebuild must fail with the read's error once it gets there, not end the
 * process meanwhile with an unhandled rejection (node's default). Run in a process of its own, where
 * node's handling of an unhandled rejection is the real one (jest's sandbox hides it).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import { databaseWithLifecycles } from './support/dbTesting.js';
import { describeWithPostgres } from './support/needsPostgres.js';

const dist = (path: string) => JSON.stringify(join(packageRoot, 'dist', path));

/** A rebuild through the built code whose reads after the first fail at once. */
const SCRIPT = `
import { pgDb } from ${dist('src/db/pg.js')};
import { postgresEventStore } from ${dist('src/eventstore/postgres/postgresEventStore.js')};
import { rebuildProjections } from ${dist('src/projector/rebuild.js')};
import { projections } from ${dist('projections/index.js')};
const db = pgDb({ connectionString: process.env.DATABASE_URL, max: 4 });
const real = postgresEventStore(db);
const store = {
  ...real,
  readAll: (after, limit) =>
    after > 0 ? Promise.reject(new Error('terminating connection (test)')) : real.readAll(after, limit),
};
try {
  // Nothing held between batches: each batch writes, so the read ahead fails while the fold awaits the database.
  await rebuildProjections({ db, store, projections, batchSize: 20, maxStatesInMemory: 0, maxParkedBytes: 0 });
  console.log('swapped');
} catch (error) {
  console.log('failed: ' + error.message);
}
await db.close();
`;

describeWithPostgres('the rebuild runs in a node process of its own, on the test database')(
  'a rebuild whose read ahead fails',
  () => {
    const database = databaseWithLifecycles(30, 4);

    it('fails with the read error once it reaches it, and the process lives on', async () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', SCRIPT], {
        env: { PATH: process.env.PATH ?? '', DATABASE_URL: database().url },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      expect({ code, output }).toEqual({
        code: 0,
        output:
          'failed: rebuild failed: terminating connection (test); nothing was swapped, the live tables are untouched: run it again\n',
      });
      const { rows } = await database().db.query(`SELECT outcome FROM ledger.rebuilds`);
      expect(rows).toEqual([{ outcome: 'failed' }]);
    }, 60_000);
  },
);
