import { waitFor } from './support/waitFor.js';
import type { Db } from '../src/db/port.js';
import { webhookEventsList } from '../src/api/lists/webhookEvents.js';
import { streamRows } from '../src/api/streamRows.js';
import { DECLINED } from './support/generate.js';
import { allPages, csvSpelling, get, parseCsv, TOKEN, type Row } from './support/queryApi.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';

let ledger: SeededLedger;
beforeAll(async () => {
  ledger = await seededLedger({ seed: 41, payments: 330 });
});
afterAll(async () => {
  await ledger?.close();
});

const csvOf = async (path: string, accept = 'text/csv') => {
  const answer = await get(ledger.url, path, { accept });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toBe('text/csv; charset=utf-8');
  return parseCsv(answer.text);
};

const asRecords = (rows: Row[], header: string[]) =>
  rows.map((row) => header.map((c) => csvSpelling(row[c])));

describe('CSV exports', () => {
  it.each([
    '/api/payments',
    '/api/payments?payment_status=failed',
    '/api/orders?livemode=false',
    '/api/refunds',
    '/api/disputes?status=lost',
    '/api/webhooks/events',
  ])('%s parsed back equals the JSON rows, every one of them', async (path) => {
    const [header, ...records] = await csvOf(path);
    const { rows } = await allPages(ledger.url, `${path}${path.includes('?') ? '&' : '?'}limit=1000`);
    expect(Object.keys(rows[0]!)).toEqual(header);
    expect(records).toEqual(asRecords(rows, header!));
    expect(records.length).toBeGreaterThan(0);
  });

  it('streams more rows than one server-side batch (1000)', async () => {
    const [, ...records] = await csvOf('/api/webhooks/events?format=csv', '*/*');
    const { rows } = await ledger.database.db.query('SELECT id FROM ledger.webhook_events ORDER BY id DESC');
    expect(records.length).toBeGreaterThan(1000);
    expect(records.map((record) => Number(record[0]))).toEqual(rows.map((row) => row.id));
  });

  it('reads the same rows through keyset pages (the embedded database) as through a server-side cursor', async () => {
    const collect = async (db: Db, limit: number | null) => {
      const ids: unknown[] = [];
      await streamRows(
        db,
        webhookEventsList,
        {},
        null,
        limit,
        async (rows) => void ids.push(...rows.map((r) => r.id)),
      );
      return ids;
    };
    const embedded: Db = { ...ledger.database.db, kind: 'embedded' };
    const all = await collect(ledger.database.db, null);
    expect(all.length).toBeGreaterThan(1000);
    expect(await collect(embedded, null)).toEqual(all);
    expect(await collect(embedded, 1001)).toEqual(all.slice(0, 1001));
    expect(await collect(ledger.database.db, 1001)).toEqual(all.slice(0, 1001));
  });

  it('quotes fields with commas, quotes and line breaks (RFC 4180)', async () => {
    const answer = await get(ledger.url, '/api/payments?payment_status=failed&format=csv');
    expect(answer.text).toContain(`"${DECLINED.replaceAll('"', '""')}"`);
    const [header, ...records] = parseCsv(answer.text);
    const column = header!.indexOf('failure_message');
    expect(records.some((record) => record[column] === DECLINED)).toBe(true);
    expect(answer.text.split('\r\n').at(-1)).toBe('');
  });

  it('puts amounts in minor units beside a currency column', async () => {
    const [header, ...records] = await csvOf('/api/refunds');
    const [amount, currency] = [header!.indexOf('amount'), header!.indexOf('currency')];
    expect(amount).toBeGreaterThanOrEqual(0);
    expect(currency).toBeGreaterThanOrEqual(0);
    // every() holds for no rows at all: the export must have refunds for this to mean anything.
    expect(records.length).toBeGreaterThan(0);
    const refunds = await ledger.database.db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM ledger.refunds',
    );
    expect(records).toHaveLength(refunds.rows[0]!.count);
    for (const record of records) {
      expect([record[amount], record[currency]]).toEqual([
        expect.stringMatching(/^\d+$/),
        expect.stringMatching(/^[a-z]{3}$/),
      ]);
    }
  });

  it('honours limit, cursor and filters like the JSON list', async () => {
    const [, ...limited] = await csvOf('/api/payments?limit=5');
    const page = await get(ledger.url, '/api/payments?limit=5');
    expect(limited.map((record) => record[0])).toEqual(page.body.data.map((row) => row.payment_id));
    const [, ...after] = await csvOf(`/api/payments?limit=5&cursor=${page.body.next_cursor}`);
    const next = await get(ledger.url, `/api/payments?limit=5&cursor=${page.body.next_cursor}`);
    expect(after.map((record) => record[0])).toEqual(next.body.data.map((row) => row.payment_id));
  });

  it('answers JSON for format=json whatever Accept says, and a header row for an empty export', async () => {
    const json = await get(ledger.url, '/api/payments?format=json&limit=1', { accept: 'text/csv' });
    expect(json.headers.get('content-type')).toMatch(/^application\/json/);
    const empty = await csvOf('/api/payments?currency=jpy');
    expect(empty).toHaveLength(1);
    expect(empty[0]).toContain('payment_id');
  });

  it('frees the connection when the client goes away mid-export, and keeps serving', async () => {
    const controller = new AbortController();
    const response = await fetch(`${ledger.url}/api/webhooks/events?format=csv`, {
      headers: { authorization: `Bearer ${TOKEN}` },
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.read().catch(() => undefined);
    const open = async () =>
      (
        await ledger.database.db.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM pg_stat_activity
            WHERE datname = current_database() AND state LIKE 'idle in transaction%'
              AND query LIKE '%ledger_export%'`,
        )
      ).rows[0]!.count;
    // The server sees the socket close, ends the stream and rolls the export back: on a busy machine
    // that takes a few seconds, so wait with a deadline rather than a count of polls.
    await waitFor(async () => (await open()) === 0, {
      timeoutMs: 30_000,
      what: 'the export session to be freed',
    });
    expect((await get(ledger.url, '/api/payments?limit=1')).status).toBe(200);
  });
});
