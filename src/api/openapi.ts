import { z } from 'zod';
import type { ListSpec } from './listQuery.js';
import { dailyQuery } from './dailyReport.js';
import { orderPath, paymentPath } from './detailRoutes.js';
import { journalBalancesQuery } from './journalBalances.js';
import {
  balanceCheckRow,
  balanceTransactionRow,
  categoryTotalsRow,
  journalBalanceRow,
  payoutRow,
  settlementRow,
} from './moneyRows.js';
import { payoutPath } from './payoutRoute.js';
import { projectionRow } from './projectionsRoute.js';
import { settlementQuery } from './settlementReport.js';
import {
  dailyRow,
  disputeRow,
  historyRow,
  orderRow,
  paymentRow,
  refundRow,
  webhookEventRow,
} from './rows.js';

/** The OpenAPI 3.1 document, generated from the zod schemas that validate the requests and describe
 * the rows, so the document cannot drift from what the server accepts. */

type Json = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

const parameters = (schema: z.ZodType, where: 'query' | 'path') => {
  const { properties = {}, required = [] } = jsonSchema(schema, 'input') as {
    properties?: Record<string, Json>;
    required?: string[];
  };
  return Object.entries(properties).map(([name, { description, ...property }]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    ...(description !== undefined && { description }),
    schema: property,
  }));
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });
const errors = {
  400: { description: 'a bad parameter, named in the message', content: json(ref('Error')) },
  401: { description: 'no bearer token, or not a valid one', content: json(ref('Error')) },
};
const notFound = { 404: { description: 'unknown id', content: json(ref('Error')) } };
const list = (item: string) => ({
  type: 'object',
  properties: { data: { type: 'array', items: ref(item) }, next_cursor: { type: ['string', 'null'] } },
  required: ['data', 'next_cursor'],
});
const csv = { 'text/csv': { schema: { type: 'string', description: 'RFC 4180, header row, streamed' } } };
const withArrays = (base: string, arrays: Record<string, string>) => ({
  allOf: [
    ref(base),
    {
      type: 'object',
      properties: Object.fromEntries(
        Object.entries(arrays).map(([key, item]) => [key, { type: 'array', items: ref(item) }]),
      ),
      required: Object.keys(arrays),
    },
  ],
});

const ITEM_NAMES = new Map<z.ZodObject, string>([
  [paymentRow, 'Payment'],
  [orderRow, 'Order'],
  [refundRow, 'Refund'],
  [disputeRow, 'Dispute'],
  [historyRow, 'PaymentStatusChange'],
  [webhookEventRow, 'WebhookEvent'],
  [dailyRow, 'DailyTotals'],
  [projectionRow, 'ProjectionStatus'],
  [balanceTransactionRow, 'BalanceTransaction'],
  [payoutRow, 'Payout'],
  [categoryTotalsRow, 'CategoryTotals'],
  [settlementRow, 'SettlementTotals'],
  [journalBalanceRow, 'JournalBalance'],
  [balanceCheckRow, 'BalanceCheck'],
]);

export const openApiDocument = (lists: readonly ListSpec[]): Json => {
  const paths: Record<string, Json> = {};
  for (const spec of lists) {
    paths[spec.path] = {
      get: {
        summary: spec.summary,
        parameters: parameters(spec.query, 'query'),
        responses: {
          200: {
            description: 'a page, or every matching row as CSV',
            content: { ...json(list(ITEM_NAMES.get(spec.item)!)), ...csv },
          },
          ...errors,
          503: { description: 'CSV only: as many exports as can run at once are running; see Retry-After' },
        },
      },
    };
  }
  paths['/api/payments/{id}'] = {
    get: {
      summary: 'One payment with its refunds, disputes, status history and balance transactions',
      parameters: parameters(paymentPath, 'path'),
      responses: {
        200: { description: 'the payment', content: json(ref('PaymentDetail')) },
        ...errors,
        ...notFound,
      },
    },
  };
  paths['/api/orders/{order_id}'] = {
    get: {
      summary: 'One order with its payments',
      parameters: parameters(orderPath, 'path'),
      responses: {
        200: { description: 'the order', content: json(ref('OrderDetail')) },
        ...errors,
        ...notFound,
      },
    },
  };
  paths['/api/reports/daily'] = {
    get: {
      summary: 'Daily totals per UTC day, livemode and currency',
      parameters: parameters(dailyQuery, 'query'),
      responses: {
        200: { description: 'the totals', content: { ...json(list('DailyTotals')), ...csv } },
        ...errors,
      },
    },
  };
  paths['/api/payouts/{id}'] = {
    get: {
      summary: 'One payout with the balance transactions it paid out and their totals per category',
      parameters: parameters(payoutPath, 'path'),
      responses: {
        200: { description: 'the payout', content: json(ref('PayoutDetail')) },
        ...errors,
        ...notFound,
      },
    },
  };
  paths['/api/reports/settlement'] = {
    get: {
      summary: 'Settlement totals per UTC day, currency and reporting category (count, gross, fee, net)',
      parameters: parameters(settlementQuery, 'query'),
      responses: {
        200: { description: 'the totals', content: { ...json(list('SettlementTotals')), ...csv } },
        ...errors,
      },
    },
  };
  paths['/api/journal/balances'] = {
    get: {
      summary: "Every journal account's balance per currency at a time",
      parameters: parameters(journalBalancesQuery, 'query'),
      responses: {
        200: {
          description: 'the balances',
          content: json({
            type: 'object',
            properties: {
              at: { type: 'string', description: 'ISO-8601, UTC' },
              data: { type: 'array', items: ref('JournalBalance') },
            },
            required: ['at', 'data'],
          }),
        },
        ...errors,
      },
    },
  };
  paths['/api/reconciliation'] = {
    get: {
      summary: "The sync's last check of the journal's stripe_balance against Stripe's balance",
      responses: {
        200: {
          description: 'the last check; checked_at and matches are null before the first',
          content: json({
            type: 'object',
            properties: {
              checked_at: { type: ['string', 'null'] },
              matches: { type: ['boolean', 'null'] },
              stripe_balance: { type: 'array', items: ref('BalanceCheck') },
            },
            required: ['checked_at', 'matches', 'stripe_balance'],
          }),
        },
        401: errors[401],
      },
    },
  };
  paths['/api/projections'] = {
    get: {
      summary: 'Projection status and lag',
      responses: {
        200: { description: 'every projection', content: json(list('ProjectionStatus')) },
        401: errors[401],
        503: {
          description:
            'status_unavailable: the event store is away, or the status did not answer within 5 s; database_unavailable: the database is away; see Retry-After',
        },
      },
    },
  };
  for (const [path, summary] of [
    ['/api/webhooks/health', 'Database, event store and projection lag (503 when a dependency is down)'],
    ['/metrics', 'Prometheus metrics'],
    ['/api/openapi.json', 'This document'],
  ] as const) {
    paths[path] = { get: { summary, security: [], responses: { 200: { description: 'ok' } } } };
  }
  const schemas: Record<string, Json> = {
    Error: {
      type: 'object',
      properties: {
        error: {
          type: 'object',
          properties: {
            code: { type: 'string' },
            message: { type: 'string' },
            parameter: { type: 'string' },
          },
          required: ['code', 'message'],
        },
      },
      required: ['error'],
    },
    PaymentDetail: withArrays('Payment', {
      refunds: 'Refund',
      disputes: 'Dispute',
      history: 'PaymentStatusChange',
      balance_transactions: 'BalanceTransaction',
    }),
    PayoutDetail: withArrays('Payout', { transactions: 'BalanceTransaction', totals: 'CategoryTotals' }),
    OrderDetail: withArrays('Order', { payments: 'Payment' }),
  };
  for (const [schema, name] of ITEM_NAMES) schemas[name] = jsonSchema(schema, 'output');
  return {
    openapi: '3.1.0',
    info: { title: 'stripe-ledger query API', version: '1' },
    security: [{ bearer: [] }],
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } }, schemas },
  };
};
