import { generator } from './support/generate.js';
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { allPages, csvSpelling, deliver, get, parseCsv, waitForProjections } from './support/queryApi.js';

/** The query API on the embedded database (no DATABASE_URL): same answers, CSV from keyset pages. */
let server: TestServer;
beforeAll(async () => {
  server = await startLedger('');
  const gen = generator(83);
  await deliver(server.url, Array.from({ length: 60 }, () => gen.payment()).flat(), 4);
  await waitForProjections(server.url);
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe('query API on the embedded database', () => {
  it('pages, filters and exports CSV equal to the JSON rows', async () => {
    const { rows, pages } = await allPages(server.url, '/api/payments?limit=7');
    expect(rows.length).toBeGreaterThan(50);
    expect(pages).toBe(Math.ceil(rows.length / 7));
    const answer = await get(server.url, '/api/payments?format=csv');
    const [header, ...records] = parseCsv(answer.text);
    expect(records).toEqual(rows.map((row) => header!.map((column) => csvSpelling(row[column]))));
    const paid = await get(server.url, '/api/payments?payment_status=paid&limit=1000');
    expect(paid.body.data.every((row) => row.payment_status === 'paid')).toBe(true);
  });

  it('answers details and the daily report', async () => {
    const first = (await get(server.url, '/api/payments?limit=1')).body.data[0]!;
    const detail = await get(server.url, `/api/payments/${first.payment_id}`);
    expect(detail.body).toMatchObject({ payment_id: first.payment_id, refunds: expect.any(Array) });
    const report = await get(server.url, '/api/reports/daily?from=2024-03-01&to=2024-03-31');
    expect(report.body.data.length).toBeGreaterThan(0);
  });
});
