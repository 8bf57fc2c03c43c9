import { startLedger, type TestServer } from './support/ledgerServer.js';
import { get } from './support/queryApi.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';

let database: TestDatabase;
let server: TestServer;
beforeAll(async () => {
  database = await createTestDatabase();
  server = await startLedger(database.url, { role: 'web' });
});
afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

/** SPEC section 5 column names, written out here so the document is checked against the contract. */
const COLUMNS = {
  Payment:
    'payment_id livemode account_id order_id customer_id currency amount amount_received amount_refunded status payment_status dispute_status latest_charge_id failure_code failure_message created_at paid_at updated_at last_stripe_event_id',
  Order: 'order_id livemode currency payment_status amount_paid amount_refunded payment_count updated_at',
  PaymentStatusChange:
    'payment_id order_id stripe_event_id event_type from_status to_status occurred_at recorded_at',
  Refund: 'refund_id payment_id charge_id amount currency status reason failure_reason created_at updated_at',
  Dispute:
    'dispute_id payment_id charge_id amount currency status reason evidence_due_by opened_at closed_at updated_at',
  WebhookEvent: 'id event_type event_id payload processed error_message created_at processed_at',
  DailyTotals: 'day livemode currency gross_paid refunded disputed net payments_paid',
};

type Parameter = { name: string; required: boolean; schema: { enum?: string[] } & Record<string, unknown> };
type Operation = { parameters?: Parameter[]; security?: unknown[]; responses: Record<string, unknown> };
type Document = {
  openapi: string;
  paths: Record<string, { get: Operation }>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<string, { properties: Record<string, { type?: string }> }>;
  };
};

const parameterNames = (operation: Operation) => operation.parameters!.map((p) => p.name).sort();
const parameter = (path: string, name: string) =>
  document.paths[path]!.get.parameters!.find((p) => p.name === name)!;

let document: Document;

describe('GET /api/openapi.json', () => {
  beforeAll(async () => {
    const answer = await get(server.url, '/api/openapi.json', { token: null });
    expect(answer.status).toBe(200);
    document = answer.body as unknown as Document;
  });

  it('is an OpenAPI 3 document with every query endpoint', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(Object.keys(document.paths).sort()).toEqual([
      '/api/balance-transactions',
      '/api/disputes',
      '/api/journal/balances',
      '/api/openapi.json',
      '/api/orders',
      '/api/orders/{order_id}',
      '/api/payments',
      '/api/payments/{id}',
      '/api/payouts',
      '/api/payouts/{id}',
      '/api/projections',
      '/api/reconciliation',
      '/api/refunds',
      '/api/reports/daily',
      '/api/reports/settlement',
      '/api/webhooks/events',
      '/api/webhooks/health',
      '/metrics',
    ]);
  });

  it('describes the money endpoints and their parameters', () => {
    expect(parameterNames(document.paths['/api/balance-transactions']!.get)).toEqual(
      [
        'reporting_category',
        'type',
        'payment_id',
        'payout_id',
        'currency',
        'created_from',
        'created_to',
        'limit',
        'cursor',
        'format',
      ].sort(),
    );
    expect(parameterNames(document.paths['/api/reports/settlement']!.get)).toEqual(
      ['format', 'from', 'to', 'limit', 'cursor'].sort(),
    );
    expect(parameterNames(document.paths['/api/journal/balances']!.get)).toEqual(['at']);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'BalanceTransaction',
        'Payout',
        'PayoutDetail',
        'SettlementTotals',
        'BalanceCheck',
      ]),
    );
  });

  it('describes the query parameters the server validates', async () => {
    const list = ['limit', 'cursor', 'format'];
    expect(parameterNames(document.paths['/api/payments']!.get)).toEqual(
      [
        'payment_status',
        'status',
        'order_id',
        'customer_id',
        'charge_id',
        'currency',
        'livemode',
        'created_from',
        'created_to',
        ...list,
      ].sort(),
    );
    expect(parameterNames(document.paths['/api/reports/daily']!.get)).toEqual(['format', 'from', 'to']);
    expect([
      parameter('/api/reports/daily', 'from').required,
      parameter('/api/reports/daily', 'to').required,
    ]).toEqual([true, true]);
    expect(parameter('/api/refunds', 'limit').schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 1000,
    });
    expect(parameter('/api/disputes', 'status').schema.enum).toContain('needs_response');
    // What the document declares is what the server does: an undeclared parameter is refused.
    for (const [path, item] of Object.entries(document.paths)) {
      if (!item.get.parameters || path.includes('{')) continue;
      const answer = await get(server.url, `${path}?undeclared_parameter=1`);
      expect([path, answer.status]).toEqual([path, 400]);
    }
  });

  it('names the read-model columns in its response schemas', () => {
    for (const [name, columns] of Object.entries(COLUMNS))
      expect([name, Object.keys(document.components.schemas[name]!.properties)]).toEqual([
        name,
        columns.split(' '),
      ]);
    expect(document.components.schemas.Payment!.properties.amount!.type).toBe('integer');
  });

  it('requires the bearer token except on the open endpoints', () => {
    expect(document.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    for (const [path, item] of Object.entries(document.paths)) {
      const open = ['/api/openapi.json', '/api/webhooks/health', '/metrics'].includes(path);
      expect([path, item.get.security]).toEqual([path, open ? [] : undefined]);
      if (!open) expect(item.get.responses[401]).toBeDefined();
    }
  });
});
