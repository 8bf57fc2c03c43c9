import { webhookEventRow } from '../src/api/rows.js';
import { BASE } from './support/generate.js';
import { allPages, get } from './support/queryApi.js';
import { seededLedger, type SeededLedger } from './support/seededLedger.js';
import { postWebhook } from './support/stripeEvents.js';
import { waitFor } from './support/waitFor.js';

let ledger: SeededLedger;
beforeAll(async () => {
  ledger = await seededLedger({ seed: 71, payments: 30 });
});
afterAll(async () => {
  await ledger?.close();
});

const envelope = (id: string, type: string, object: Record<string, unknown>) =>
  JSON.stringify({
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: BASE,
    livemode: false,
    type,
    data: { object },
  });

/** A refund in a status no projection ranks: the refunds projection must stop at it. */
const unrankable = envelope('evt_api_unrankable', 'refund.created', {
  id: 're_api_unrankable',
  object: 'refund',
  amount: 500,
  currency: 'usd',
  status: 'in_limbo',
  charge: 'ch_api_unknown',
  payment_intent: 'pi_api_unknown',
  created: BASE,
});

describe('GET /api/webhooks/events', () => {
  it('lists every stored event, newest first, as processed', async () => {
    const { rows } = await allPages(ledger.url, '/api/webhooks/events?limit=1000');
    expect(rows).toHaveLength(ledger.deliveries.length);
    for (const row of rows) webhookEventRow.strict().parse(row);
    expect(rows.map((row) => row.event_id).sort()).toEqual(ledger.deliveries.map((d) => d.id).sort());
    expect(rows.every((row) => row.processed && row.error_message === null)).toBe(true);
  });

  it('filters by Stripe event type and event id', async () => {
    const refunds = await get(ledger.url, '/api/webhooks/events?type=refund.created&limit=1000');
    const expected = ledger.deliveries.filter((d) => d.type === 'refund.created').map((d) => d.id);
    expect(refunds.body.data.map((row) => row.event_id).sort()).toEqual(expected.sort());
    const one = await get(ledger.url, `/api/webhooks/events?event_id=${expected[0]}`);
    expect(one.body.data).toHaveLength(1);
    expect(one.body.data[0]!.payload).toMatchObject({ object: { object: 'refund' } });
  });

  it('shows an event a projection could not apply as failed, in projections and in metrics', async () => {
    expect((await postWebhook(ledger.url, unrankable)).status).toBe(200);
    await waitFor(
      async () =>
        (await get(ledger.url, '/api/projections')).body.data.some(
          (p) => p.name === 'refunds' && p.state === 'failed',
        ),
      { what: 'the refunds projection to fail' },
    );
    const failed = await get(ledger.url, '/api/webhooks/events?failed=true');
    expect(failed.body.data).toHaveLength(1);
    expect(failed.body.data[0]).toMatchObject({ event_id: 'evt_api_unrankable', processed: false });
    expect(failed.body.data[0]!.error_message).toMatch(/refunds: .*in_limbo/);
    const open = await get(ledger.url, '/api/webhooks/events?processed=false');
    expect(open.body.data.map((row) => row.event_id)).toEqual(['evt_api_unrankable']);
    const fine = await get(ledger.url, '/api/webhooks/events?failed=false&limit=1000');
    expect(fine.body.data).toHaveLength(ledger.deliveries.length);

    const projections = (await get(ledger.url, '/api/projections')).body.data;
    const refunds = projections.find((p) => p.name === 'refunds');
    expect(refunds).toMatchObject({ state: 'failed', lag_events: 1, open_failures: 1 });
    expect(refunds!.last_error).toMatch(/in_limbo/);

    // Metrics read projection status through the server's one-second cache: wait for a fresh reading.
    let metrics = '';
    await waitFor(
      async () => {
        metrics = (await get(ledger.url, '/metrics', { token: null })).text;
        return /^stripe_ledger_projection_failures\{projection="refunds"\} 1$/m.test(metrics);
      },
      { what: 'the refunds failure in /metrics' },
    );
    expect(metrics).toMatch(/^stripe_ledger_projection_failures\{projection="refunds"\} 1$/m);
    expect(metrics).toMatch(/^stripe_ledger_projection_lag_events\{projection="refunds"\} 1$/m);
    expect(metrics).toMatch(/^stripe_ledger_projection_lag_seconds\{projection="refunds"\} \d/m);
  });
});

describe('GET /api/projections', () => {
  it('answers every projection with its position, head and lag', async () => {
    const { status, body } = await get(ledger.url, '/api/projections');
    expect(status).toBe(200);
    expect(body.data.map((p) => p.name).sort()).toEqual([
      'balance_transactions',
      'disputes',
      'journal',
      'orders',
      'payment_status_history',
      'payments',
      'payouts',
      'refunds',
    ]);
    for (const projection of body.data) expect(projection.head).toBe(ledger.deliveries.length + 1);
  });
});
