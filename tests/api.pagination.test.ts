import { BASE, DAY } from './support/generate.js';
import { allPages, deliver, get, parseCsv, waitForProjections } from './support/queryApi.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';

let ledger: SeededLedger;
beforeAll(async () => {
  ledger = await seededLedger({ seed: 37, payments: 150 });
});
afterAll(async () => {
  await ledger?.close();
});

const sqlIds = async (text: string): Promise<string[]> =>
  (await ledger.database.db.query<{ id: string }>(text)).rows.map((row) => String(row.id));

const expectNoDuplicates = (ids: string[]) => expect(ids.length - new Set(ids).size).toBe(0);

describe('keyset pagination', () => {
  it.each([
    [
      '/api/payments?limit=7',
      'payment_id',
      'SELECT payment_id AS id FROM ledger.payments ORDER BY created_at DESC, payment_id DESC',
    ],
    [
      '/api/payments?limit=3&payment_status=paid',
      'payment_id',
      `SELECT payment_id AS id FROM ledger.payments WHERE payment_status = 'paid' ORDER BY created_at DESC, payment_id DESC`,
    ],
    ['/api/orders?limit=9', 'order_id', 'SELECT order_id AS id FROM ledger.orders ORDER BY order_id'],
    [
      '/api/refunds?limit=4',
      'refund_id',
      'SELECT refund_id AS id FROM ledger.refunds ORDER BY created_at DESC, refund_id DESC',
    ],
    [
      '/api/disputes?limit=2',
      'dispute_id',
      'SELECT dispute_id AS id FROM ledger.disputes ORDER BY opened_at DESC, dispute_id DESC',
    ],
    ['/api/webhooks/events?limit=50', 'id', 'SELECT id FROM ledger.webhook_events ORDER BY id DESC'],
  ])('%s walks to the end with no duplicates and no gaps', async (path, key, sql) => {
    const { rows, pages } = await allPages(ledger.url, path);
    const expected = await sqlIds(sql);
    expect(rows.map((row) => String(row[key]))).toEqual(expected);
    expect(pages).toBe(Math.max(1, Math.ceil(expected.length / Number(/limit=(\d+)/.exec(path)![1]))));
  });

  it('answers next_cursor null on the last page, also when it is exactly full', async () => {
    const [{ count }] = (
      await ledger.database.db.query<{ count: number }>('SELECT count(*)::int AS count FROM ledger.orders')
    ).rows as [{ count: number }];
    const exact = await get(ledger.url, `/api/orders?limit=${count}`);
    expect(exact.body.data).toHaveLength(count);
    expect(exact.body.next_cursor).toBeNull();
    const short = await get(ledger.url, `/api/orders?limit=${count - 1}`);
    expect(short.body.next_cursor).toEqual(expect.any(String));
  });

  it('stays complete and free of duplicates while new payments arrive between pages', async () => {
    const before = await sqlIds(
      'SELECT payment_id AS id FROM ledger.payments ORDER BY created_at DESC, payment_id DESC',
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    let batch = 0;
    do {
      const answer = await get(ledger.url, `/api/payments?limit=10${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...answer.body.data.map((row) => String(row.payment_id)));
      cursor = answer.body.next_cursor;
      // New payments land everywhere in the order: newer than every page, older, and in between.
      batch += 1;
      const starts = [BASE + 7 * DAY + batch, BASE - DAY - batch, BASE + ((batch * 7919) % (6 * DAY))];
      await deliver(
        ledger.url,
        starts.flatMap((start) => ledger.more.payment({ start })),
      );
      await waitForProjections(ledger.url);
    } while (cursor !== null);
    expectNoDuplicates(seen);
    expect(before.filter((id) => !seen.includes(id))).toEqual([]);
    const after = await sqlIds(
      'SELECT payment_id AS id FROM ledger.payments ORDER BY created_at DESC, payment_id DESC',
    );
    expect(after.length).toBeGreaterThan(before.length + 30);
    // What the walk saw is exactly the final order minus rows that landed before its position.
    expect(seen).toEqual(after.filter((id) => seen.includes(id)));
  });

  it('keeps a cursor valid for a later request with the same filters', async () => {
    const first = await get(ledger.url, '/api/refunds?limit=5&status=succeeded');
    const again = await get(
      ledger.url,
      `/api/refunds?limit=5&status=succeeded&cursor=${first.body.next_cursor}`,
    );
    const twice = await get(
      ledger.url,
      `/api/refunds?limit=5&status=succeeded&cursor=${first.body.next_cursor}`,
    );
    expect(again.body).toEqual(twice.body);
    const overlap = again.body.data.filter((row) =>
      first.body.data.some((f) => f.refund_id === row.refund_id),
    );
    expect(overlap).toEqual([]);
  });

  it('pages disputes by evidence deadline, soonest first and those without one last, with no duplicates and no gaps', async () => {
    // Disputes whose object names no deadline (Stripe's evidence_details.due_by is nullable).
    const undated = ['dp_undated_a', 'dp_undated_b', 'dp_undated_c'].map((id, i) => {
      const created = BASE + i * 3_600;
      const body = JSON.stringify({
        id: `evt_${id}`,
        object: 'event',
        api_version: '2024-06-20',
        created,
        livemode: false,
        type: 'charge.dispute.created',
        data: {
          object: {
            id,
            object: 'dispute',
            amount: 500,
            currency: 'usd',
            charge: `ch_${id}`,
            payment_intent: `pi_${id}`,
            created,
            reason: 'general',
            status: 'warning_needs_response',
            evidence_details: { due_by: null, has_evidence: false, past_due: false },
          },
        },
      });
      return { id: `evt_${id}`, type: 'charge.dispute.created', created, body };
    });
    await deliver(ledger.url, undated);
    await waitForProjections(ledger.url);
    const expected = await sqlIds(
      'SELECT dispute_id AS id FROM ledger.disputes ORDER BY evidence_due_by ASC NULLS LAST, dispute_id ASC',
    );
    expect(expected.slice(-3)).toEqual(['dp_undated_a', 'dp_undated_b', 'dp_undated_c']);
    const { rows, pages } = await allPages(ledger.url, '/api/disputes?limit=2&sort=evidence_due_by');
    expect(rows.map((row) => String(row.dispute_id))).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 2));
    const needing = await allPages(
      ledger.url,
      '/api/disputes?limit=1&sort=evidence_due_by&status=warning_needs_response',
    );
    expect(needing.rows.map((row) => row.dispute_id)).toEqual([
      'dp_undated_a',
      'dp_undated_b',
      'dp_undated_c',
    ]);
    const csv = await get(ledger.url, '/api/disputes?sort=evidence_due_by&format=csv');
    expect(
      parseCsv(csv.text)
        .slice(1)
        .map((record) => record[0]),
    ).toEqual(expected);
    const byOpened = await get(ledger.url, '/api/disputes?limit=1');
    const mixed = await get(
      ledger.url,
      `/api/disputes?sort=evidence_due_by&cursor=${byOpened.body.next_cursor}`,
    );
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.parameter).toBe('cursor');
  });

  it('answers 400 for a cursor of another list', async () => {
    const payments = await get(ledger.url, '/api/payments?limit=1');
    const answer = await get(ledger.url, `/api/refunds?cursor=${payments.body.next_cursor}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.parameter).toBe('cursor');
  });
});
