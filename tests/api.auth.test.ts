import { pino } from 'pino';
import { serve, type Running } from '../src/cli/serve.js';
import { loadConfig } from '../src/config/config.js';
import { generator } from './support/generate.js';
import { startLedger, type TestServer } from './support/ledgerServer.js';
import { get } from './support/queryApi.js';
import { postWebhook, TEST_SECRET } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

const TOKENS = ['first-token-0123456789', 'second-token-abcdefghij'];
const PROTECTED = [
  '/api/payments',
  '/api/payments/pi_x',
  '/api/orders',
  '/api/orders/order_x',
  '/api/refunds',
  '/api/disputes',
  '/api/reports/daily?from=2024-01-01&to=2024-01-02',
  '/api/webhooks/events',
  '/api/projections',
  '/api/payments?format=csv',
];

let database: TestDatabase;
let server: Running & { url: string };
const logged: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  // An embedded test database (embedded://...) is served in process through the `db` option.
  const embedded = database.url.startsWith('embedded://');
  const config = loadConfig({
    ...(!embedded && { DATABASE_URL: database.url }),
    STRIPE_WEBHOOK_SECRET: TEST_SECRET,
    PORT: '0',
    LEDGER_API_TOKENS: TOKENS.join(','),
  });
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logged.push(line) });
  const running = await serve(config, logger, { role: 'all', ...(embedded && { db: database.db }) });
  server = { ...running, url: running.url! };
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

describe('bearer-token auth of the query API', () => {
  it.each(PROTECTED)('answers 401 JSON for %s without a token', async (path) => {
    const answer = await get(server.url, path, { token: null });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('unauthorized');
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it.each(PROTECTED)('answers 401 for %s with a wrong token', async (path) => {
    for (const token of ['nope', `${TOKENS[0]}x`, TOKENS[0]!.slice(0, -1), '']) {
      const answer = await get(server.url, path, { token });
      expect([token, answer.status, answer.body?.error?.code]).toEqual([token, 401, 'unauthorized']);
    }
  });

  it('accepts every configured token, with any case of the Bearer scheme', async () => {
    for (const token of TOKENS) expect((await get(server.url, '/api/payments', { token })).status).toBe(200);
    const lower = await fetch(`${server.url}/api/payments`, {
      headers: { authorization: `bearer ${TOKENS[1]}` },
    });
    expect(lower.status).toBe(200);
    const basic = await fetch(`${server.url}/api/payments`, {
      headers: { authorization: `Basic ${TOKENS[0]}` },
    });
    expect(basic.status).toBe(401);
  });

  it('leaves health, metrics, the webhook endpoint and the OpenAPI document open', async () => {
    for (const path of ['/api/webhooks/health', '/metrics', '/api/openapi.json'])
      expect([path, (await get(server.url, path, { token: null })).status]).toEqual([path, 200]);
    const [delivery] = generator(5).payment();
    expect((await postWebhook(server.url, delivery!.body)).status).toBe(200);
  });

  it('never writes a token to the log', async () => {
    for (const token of TOKENS) await get(server.url, '/api/payments?limit=1', { token });
    await get(server.url, '/api/payments', { token: 'wrong-token-xyz' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = logged.join('');
    expect(text).toContain('/api/payments');
    for (const token of [...TOKENS, 'wrong-token-xyz']) expect(text).not.toContain(token);
  });
});

describe('without LEDGER_API_TOKENS', () => {
  let bare: TestServer;
  beforeAll(async () => {
    bare = await startLedger(database.url, { env: { LEDGER_API_TOKENS: '' }, role: 'web' });
  });
  afterAll(async () => {
    await bare?.stop();
  });

  it('answers 401 to every query request, whatever the token', async () => {
    for (const path of PROTECTED) {
      for (const token of [null, 'test-token-0123456789', '']) {
        const answer = await get(bare.url, path, { token });
        expect([path, answer.status]).toEqual([path, 401]);
        expect(answer.body.error.message).toMatch(/LEDGER_API_TOKENS/);
      }
    }
    expect((await get(bare.url, '/api/webhooks/health', { token: null })).status).toBe(200);
  });
});
