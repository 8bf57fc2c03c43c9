import express, { type Express, type Router } from 'express';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import type { BodyBudget } from '../ingest/bodyBudget.js';
import { webhookRouter } from '../ingest/webhookRoute.js';
import type { WebhookAnswer } from '../ingest/handleWebhook.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { errorHandler, sendError } from './errors.js';
import { healthRouter } from './health.js';
import type { ProjectionWatch } from '../health/projectionWatch.js';
import { requestLog } from './requestLog.js';

export type AppDeps = {
  db: Db;
  store: EventStore;
  logger: Logger;
  metrics: Metrics;
  watch: ProjectionWatch;
  /** Shared by every route that reads webhook bodies. */
  bodyBudget?: BodyBudget;
  handleWebhook: (raw: Buffer, signature: string | undefined) => Promise<WebhookAnswer>;
  /** Finance and operator routes, mounted after the open ones. */
  extraRouters?: Router[];
};

export const createApp = (deps: AppDeps): Express => {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestLog(deps.logger));
  app.use(webhookRouter(deps.handleWebhook, deps.metrics, deps.bodyBudget));
  app.use(healthRouter(deps.db, deps.store, deps.watch));
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.render());
  });
  for (const router of deps.extraRouters ?? []) app.use(router);
  app.use((_req, res) => sendError(res, 404, 'not_found', 'no such endpoint'));
  app.use(errorHandler);
  return app;
};
