import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { serveWebhook, WEBHOOK_PATH } from '../ingest/webhookRoute.js';
import { createApp, type AppDeps } from './app.js';

/**
 * The HTTP server: webhook deliveries, the hot path, go straight to the webhook handler (express's
 * routing and response helpers cost more CPU than verifying and appending an event); everything else
 * goes through the express app.
 */
export const createHttpServer = (deps: AppDeps): Server => {
  const app = createApp(deps);
  const webhook = serveWebhook(deps.handleWebhook, deps.metrics);
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'POST' || req.url !== WEBHOOK_PATH) {
      app(req, res);
      return;
    }
    const started = process.hrtime.bigint();
    void webhook(req, res, (log) => {
      res.once('finish', () =>
        deps.logger.info(
          {
            method: 'POST',
            path: WEBHOOK_PATH,
            status: res.statusCode,
            ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
            stripe_event_id: log.stripeEventId,
            type: log.type,
            outcome: log.outcome,
          },
          'request',
        ),
      );
    }).catch((error: unknown) => {
      deps.logger.error({ error: error instanceof Error ? error.message : String(error) }, 'webhook failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { code: 'internal_error', message: 'internal error' } }));
      }
    });
  });
};
