import express, { type ErrorRequestHandler, type Router } from 'express';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import { requireToken } from './auth.js';
import { dailyReportRoute } from './dailyReport.js';
import { orderRoute, paymentRoute } from './detailRoutes.js';
import { journalBalancesRoute } from './journalBalances.js';
import { balanceTransactionsList } from './lists/balanceTransactions.js';
import { disputesList } from './lists/disputes.js';
import { ordersList } from './lists/orders.js';
import { paymentsList } from './lists/payments.js';
import { payoutsList } from './lists/payouts.js';
import { refundsList } from './lists/refunds.js';
import { webhookEventsList } from './lists/webhookEvents.js';
import type { ListSpec } from './listQuery.js';
import { databaseWatch } from './databaseWatch.js';
import { exportSlots } from './exportSlots.js';
import { listRoute } from './listRoute.js';
import { openApiDocument } from './openapi.js';
import { BadParameter } from './params.js';
import { payoutRoute } from './payoutRoute.js';
import { projectionsRoute } from './projectionsRoute.js';
import { reconciliationRoute } from './reconciliation.js';
import { settlementReportRoute } from './settlementReport.js';
import { markStale } from './staleness.js';
import type { ProjectionWatch } from '../health/projectionWatch.js';

export type QueryApiDeps = {
  db: Db;
  store: EventStore;
  apiTokens: readonly string[];
  /** Projection status, for the Ledger-Stale header. */
  watch: ProjectionWatch;
  /** Where CSV exports read (a pool of their own on PostgreSQL); `db` when absent. */
  exportDb?: Db;
  /** CSV exports at once (the export pool's size); more are answered 503 at once. */
  exportsAtOnce?: number;
  /** Pinged when a request waits long, to tell a slow query from a hung database (databaseWatch.ts);
   * best a pool other than `db`. `db` when absent. */
  probeDb?: Db;
};

/** The export pool's size on PostgreSQL (src/runtime/pools.ts). */
const DEFAULT_EXPORTS_AT_ONCE = 4;

/** The projections whose read models each route reads. */
const READS: Record<string, readonly string[]> = {
  '/api/payments': ['payments'],
  '/api/orders': ['orders'],
  '/api/refunds': ['refunds'],
  '/api/disputes': ['disputes'],
  '/api/payments/:id': ['payments', 'refunds', 'disputes', 'payment_status_history', 'balance_transactions'],
  '/api/orders/:order_id': ['orders'],
  '/api/reports/daily': ['payments', 'disputes'],
  '/api/balance-transactions': ['balance_transactions'],
  '/api/payouts': ['payouts'],
  '/api/payouts/:id': ['payouts', 'balance_transactions'],
  '/api/reports/settlement': ['balance_transactions'],
  '/api/journal/balances': ['journal'],
  '/api/reconciliation': ['journal'],
};

const LISTS = [
  paymentsList,
  ordersList,
  refundsList,
  disputesList,
  webhookEventsList,
  balanceTransactionsList,
  payoutsList,
] as unknown as ListSpec[];

const badParameter: ErrorRequestHandler = (error, _req, res, next) => {
  if (!(error instanceof BadParameter)) return next(error);
  res
    .status(400)
    .json({ error: { code: 'invalid_parameter', message: error.message, parameter: error.parameter } });
};

/** The finance query API (SPEC section 8): bearer-token protected, except its OpenAPI document. */
export const queryApiRouter = ({
  db,
  store,
  apiTokens,
  watch,
  exportDb = db,
  exportsAtOnce = DEFAULT_EXPORTS_AT_ONCE,
  probeDb = db,
}: QueryApiDeps): Router => {
  const router = express.Router();
  const slots = exportSlots(exportsAtOnce);
  const document = openApiDocument(LISTS);
  const stale = (path: string) => markStale(watch, READS[path] ?? []);
  router.get('/api/openapi.json', (_req, res) => void res.json(document));
  router.use('/api', requireToken(apiTokens));
  router.use('/api', databaseWatch(probeDb));
  for (const spec of LISTS)
    router.get(spec.path, stale(spec.path), listRoute(db, exportDb, spec, slots, store));
  router.get('/api/payments/:id', stale('/api/payments/:id'), paymentRoute(db));
  router.get('/api/orders/:order_id', stale('/api/orders/:order_id'), orderRoute(db));
  router.get('/api/reports/daily', stale('/api/reports/daily'), dailyReportRoute(db));
  router.get('/api/payouts/:id', stale('/api/payouts/:id'), payoutRoute(db));
  router.get('/api/reports/settlement', stale('/api/reports/settlement'), settlementReportRoute(db));
  router.get('/api/journal/balances', stale('/api/journal/balances'), journalBalancesRoute(db));
  router.get('/api/reconciliation', stale('/api/reconciliation'), reconciliationRoute(db));
  router.get('/api/projections', projectionsRoute(db, store));
  router.use(badParameter);
  return router;
};
