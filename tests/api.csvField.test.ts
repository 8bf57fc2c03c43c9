/**
 * ledger.csv_field (migration 0046) writes a text field as src/api/csv.ts does, so a report serialised
 * by PostgreSQL reads exactly like one serialised in Node: quoting, doubled quotes, CR/LF, and formula
 * cells neutralised.
 */
import fc from 'fast-check';
import { csvLine } from '../src/api/csv.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

// What makes a field special, and a few plain characters around it.
const tricky = fc.string({
  unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', "'", ' ', 'a', 'Z', '7', 'é', '€'),
  maxLength: 12,
});

describe('CSV fields written by PostgreSQL', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('are written exactly as the Node serialiser writes them, whatever the text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tricky, { minLength: 1, maxLength: 20 }), async (values) => {
        const { rows } = await database.db.query<{ field: string }>(
          'SELECT ledger.csv_field(v) AS field FROM unnest($1::text[]) WITH ORDINALITY AS t(v, i) ORDER BY i',
          [values],
        );
        expect(rows.map((row) => row.field)).toEqual(values.map((v) => csvLine([v]).slice(0, -2)));
      }),
      { numRuns: 60 },
    );
  });

  it('writes null as an empty field and neutralises a formula before quoting it', async () => {
    const { rows } = await database.db.query<{ a: string; b: string; c: string }>(
      `SELECT ledger.csv_field(null) AS a, ledger.csv_field('=1+2') AS b, ledger.csv_field('-2,"x"') AS c`,
    );
    expect(rows[0]).toEqual({ a: '', b: "'=1+2", c: `"'-2,""x"""` });
  });
});
