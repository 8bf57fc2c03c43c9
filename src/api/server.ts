import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { serveWebhook, WEBHOOK_PATH } from '../ingest/webhookRoute.js';
import { bodyBudget } from '../ingest/bodyBudget.js';
import { createApp, type AppDeps } from './app.js';
import { errorMessage } from '../shared/errorMessage.js';
import { pipelineLimit } from './pipelineLimit.js';

/**
 * Deadlines for what clients send: headers within 10 s, the whole request, body included, within 30 s
 * (SPEC section 3); node answers 408 and closes the socket. Node checks them every
 * connectionsCheckingInterval, so each is set one interval short of its promise. A slow or hostile
 * client on the open webhook endpoint holds a socket and its buffers for 30 s at most.
 */
export const CONNECTIONS_CHECKING_INTERVAL_MS = 1000;
export const CLIENT_DEADLINES = {
  headersTimeout: 10_000 - CONNECTIONS_CHECKING_INTERVAL_MS,
  requestTimeout: 30_000 - CONNECTIONS_CHECKING_INTERVAL_MS,
} as const;
export const MAX_CONNECTIONS = 10_000;

/**
 * The HTTP server: webhook deliveries, the hot path, go straight to the webhook handler (express's
 * routing and response helpers cost more CPU than verifying and appending an event); everything else
 * goes through the express app. Before either, a connection's pipelined requests are capped
 * (pipelineLimit.ts): one client cannot start handlers faster than they answer.
 */
export const createHttpServer = (deps: AppDeps): Server => {
  const budget = deps.bodyBudget ?? bodyBudget();
  const app = createApp({ ...deps, bodyBudget: budget });
  const webhook = serveWebhook(deps.handleWebhook, deps.metrics, budget);
  const admit = pipelineLimit((socket) =>
    deps.logger.warn(
      { remote: socket.remoteAddress },
      'connection closed: too many pipelined requests unanswered on it',
    ),
  );
  const server = createServer(
    { ...CLIENT_DEADLINES, connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS },
    (req: IncomingMessage, res: ServerResponse) => {
      if (!admit(req, res)) return;
      if (req.method !== 'POST' || req.url !== WEBHOOK_PATH) {
        app(req, res);
        return;
      }
      const started = process.hrtime.bigint();
      void webhook(req, res, (log) => {
        res.once('finish', () =>
          // A 5xx is an outage or a fault to look at (at warn, as the other requests' 5xx): with its cause.
          deps.logger[res.statusCode >= 500 ? 'warn' : 'info'](
            {
              method: 'POST',
              path: WEBHOOK_PATH,
              status: res.statusCode,
              ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
              stripe_event_id: log.stripeEventId,
              type: log.type,
              outcome: log.outcome,
              ...(log.error !== undefined && { error: log.error }),
            },
            'request',
          ),
        );
      }).catch((error: unknown) => {
        deps.logger.error({ error: errorMessage(error) }, 'webhook failed');
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          res.end(JSON.stringify({ error: { code: 'internal_error', message: 'internal error' } }));
        }
      });
    },
  );
  // Idle keep-alive connections are cheap and Stripe reuses them; a load balancer's idle timeout is
  // usually 60 s, so ours is longer. Past MAX_CONNECTIONS new sockets are closed by node at once.
  server.keepAliveTimeout = 65_000;
  server.maxConnections = MAX_CONNECTIONS;
  return server;
};
