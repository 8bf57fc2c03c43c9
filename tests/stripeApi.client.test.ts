import {
  stripeApi,
  type ListParams,
  type ListResource,
  type Scope,
  type StripeApi,
} from '../src/stripe/stripeApi.js';
import { StripeRequestError } from '../src/stripe/stripeRequestError.js';
import {
  startStripeApi,
  type StripeApiStandIn,
  type StripeEventJson,
} from './support/stripeApi/stripeApiStandIn.js';

const FAST_RETRY = { retries: 8, networkRetries: 2, initialDelayMs: 20, maxDelayMs: 200 };
const PLATFORM: Scope = { account: null };

const baseOf = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), protocol: 'http' as const };
};

const clientFor = (api: StripeApiStandIn, overrides: { apiKey?: string; rps?: number } = {}) => {
  const statuses: (number | string)[] = [];
  const client = stripeApi({
    apiKey: overrides.apiKey ?? api.key,
    base: baseOf(api.base),
    requestsPerSecond: overrides.rps ?? 100,
    retry: FAST_RETRY,
    timeoutMs: 5_000,
    onAnswer: (status) => statuses.push(status),
  });
  return { client, statuses };
};

const ids = async (client: StripeApi, resource: ListResource, params: ListParams, scope = PLATFORM) => {
  const pages: string[][] = [];
  for await (const page of client.pages(resource, params, scope)) pages.push(page.data.map((o) => o.id));
  return pages;
};

const now = Math.floor(Date.now() / 1000);
const event = (n: number, created: number, type = 'payment_intent.created'): StripeEventJson => ({
  id: `evt_${n}`,
  object: 'event',
  type,
  created,
  api_version: '2024-06-20',
  livemode: false,
  data: { object: { id: `pi_${n}`, object: 'payment_intent', created, status: 'requires_payment_method' } },
});

describe('the Stripe API client against the stand-in', () => {
  let api: StripeApiStandIn;
  beforeEach(async () => {
    api = await startStripeApi({ seed: 7 });
    api.addEvents([1, 2, 3, 4, 5].map((n) => event(n, now - 100 + n)));
  });
  afterEach(() => api.close());

  it('lists newest first, one page per request, only as pages are consumed', async () => {
    const { client } = clientFor(api);
    expect(await ids(client, 'events', { limit: 2 })).toEqual([
      ['evt_5', 'evt_4'],
      ['evt_3', 'evt_2'],
      ['evt_1'],
    ]);
    const before = api.requests.length;
    const first = await client.pages('events', { limit: 2 }, PLATFORM).next();
    expect(first.value?.data).toHaveLength(2);
    expect(api.requests.length).toBe(before + 1);
  });

  it('pages oldest first with ending_before and honours created ranges and types[]', async () => {
    api.addEvents([event(6, now - 50, 'charge.succeeded')]);
    const { client } = clientFor(api);
    expect(await ids(client, 'events', { limit: 2, ending_before: 'evt_1' })).toEqual([
      ['evt_3', 'evt_2'],
      ['evt_5', 'evt_4'],
      ['evt_6'],
    ]);
    expect(await ids(client, 'events', { limit: 10, created: { gt: now - 98, lte: now - 96 } })).toEqual([
      ['evt_4', 'evt_3'],
    ]);
    expect(await ids(client, 'events', { types: ['charge.*'] })).toEqual([['evt_6']]);
  });

  it('hides events older than 30 days but keeps their objects', async () => {
    api.addEvents([event(9, now - 40 * 86_400)]);
    const { client } = clientFor(api);
    expect((await ids(client, 'events', { limit: 100 })).flat()).not.toContain('evt_9');
    expect((await ids(client, 'payment_intents', { limit: 100 })).flat()).toContain('pi_9');
  });

  it('scopes requests to a connected account with the Stripe-Account header', async () => {
    api.addEvents([event(20, now)], { account: 'acct_connected1' });
    const { client } = clientFor(api);
    expect(await ids(client, 'events', {}, { account: 'acct_connected1' })).toEqual([['evt_20']]);
    await expect(ids(client, 'events', {}, { account: 'acct_unknown' })).rejects.toThrow(
      /403 on GET \/v1\/events for acct_unknown/,
    );
  });

  it('rides out a 429 storm without ever exceeding the rate limit measured at the stand-in', async () => {
    api.addEvents(Array.from({ length: 60 }, (_, i) => event(100 + i, now - 1000 + i)));
    api.faults.rateLimited = 0.4;
    api.faults.serverErrors = 0.1;
    const { client, statuses } = clientFor(api, { rps: 8 });
    const pages = await ids(client, 'events', { limit: 3 });
    expect(pages.flat()).toHaveLength(65);
    expect(statuses).toContain(429);
    expect(api.maxRequestsInWindow(1000)).toBeLessThanOrEqual(8);
  });

  it('does not retry when Stripe-Should-Retry says false, and names the failing request', async () => {
    api.faults.rateLimited = 1;
    api.faults.shouldRetry = 'false';
    const { client, statuses } = clientFor(api);
    await expect(ids(client, 'charges', {})).rejects.toThrow(
      /GET \/v1\/charges failed with 429, request req_standin_1/,
    );
    expect(statuses).toEqual([429]);
  });

  it('retries a 429 on the same kept-alive connection: the refused answer is read, not left holding a socket', async () => {
    api.faults.rateLimited = 1;
    api.faults.shouldRetry = 'true';
    const client = stripeApi({
      apiKey: api.key,
      base: baseOf(api.base),
      requestsPerSecond: 100,
      retry: { ...FAST_RETRY, retries: 4 },
    });
    const before = api.connections();
    await expect(ids(client, 'charges', {})).rejects.toThrow(/failed with 429/);
    expect(api.requests.filter((r) => r.path === '/v1/charges')).toHaveLength(5);
    expect(api.connections() - before).toBeLessThanOrEqual(1);
  });

  it('names the failing list request with its filters: the payout, the created range, the types', async () => {
    api.faults.serverErrors = 1;
    api.faults.shouldRetry = 'false';
    const { client } = clientFor(api);
    await expect(
      ids(client, 'balance_transactions', { payout: 'po_1', limit: 100, created: { gte: 1_700_000_000 } }),
    ).rejects.toThrow(
      /^GET \/v1\/balance_transactions\?payout=po_1&created\[gte\]=1700000000 failed with 500/,
    );
    await expect(
      ids(client, 'events', { types: ['charge.*', 'payout.*'], limit: 10 }, { account: 'acct_connected1' }),
    ).rejects.toThrow(/^GET \/v1\/events\?types\[\]=charge\.\*&types\[\]=payout\.\* for acct_connected1 /);
  });

  it('fails with one clear line for a bad key, a key without read permission and an unreachable API', async () => {
    const bad = clientFor(api, { apiKey: 'sk_test_wrong_key_123456' }).client;
    await expect(ids(bad, 'events', {})).rejects.toThrow(
      /^Stripe refused STRIPE_API_KEY \(401 on GET \/v1\/events\)/,
    );
    const restricted = clientFor(api, { apiKey: api.restrictedKey(['events']) }).client;
    expect(await ids(restricted, 'events', { limit: 100 })).toHaveLength(1);
    const refusal = ids(restricted, 'payouts', {});
    await expect(refusal).rejects.toThrow(/rak_payout_read/);
    await expect(refusal).rejects.toBeInstanceOf(StripeRequestError);
    // Port 9 (discard): nothing listens there, whereas a port just freed may be taken by a parallel test.
    const base = 'http://127.0.0.1:9';
    const gone = stripeApi({
      apiKey: 'sk_test_x',
      base: baseOf(base),
      requestsPerSecond: 50,
      retry: { ...FAST_RETRY, networkRetries: 1 },
    });
    const error = await ids(gone, 'events', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StripeRequestError);
    expect((error as Error).message).toMatch(/^cannot reach the Stripe API at http:\/\/127\.0\.0\.1:9 /);
    expect((error as Error).message).not.toContain('\n');
  });

  it('answers 400 naming the parameter for a limit out of range', async () => {
    const { client } = clientFor(api);
    await expect(ids(client, 'events', { limit: 101 })).rejects.toThrow(
      /failed with 400.*less than or equal to 100/,
    );
  });
});
