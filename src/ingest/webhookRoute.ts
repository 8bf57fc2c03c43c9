import express, { type Router } from 'express';
import type { Metrics } from '../observability/metrics.js';
import type { WebhookAnswer } from './handleWebhook.js';

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

/** POST /api/webhooks/stripe: the raw body goes to the handler untouched (signatures cover raw bytes). */
export const webhookRouter = (
  handle: (raw: Buffer, signature: string | undefined) => Promise<WebhookAnswer>,
  metrics: Metrics,
): Router => {
  const router = express.Router();
  router.post(
    '/api/webhooks/stripe',
    (req, res, next) => {
      // Refuse an announced oversized body before reading a byte of it.
      if (Number(req.headers['content-length'] ?? 0) > MAX_WEBHOOK_BYTES) {
        res.locals.webhook = { outcome: 'payload_too_large' };
        metrics.webhooks.inc({ type: 'unknown', outcome: 'payload_too_large' });
        res.status(413).json({ error: { code: 'payload_too_large', message: 'the body is over 1 MiB' } });
        return;
      }
      next();
    },
    express.raw({ type: () => true, limit: MAX_WEBHOOK_BYTES }),
    async (req, res) => {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const started = process.hrtime.bigint();
      const answer = await handle(raw, req.header('stripe-signature'));
      if (answer.log.outcome === 'stored' || answer.log.outcome === 'duplicate') {
        metrics.appendSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      }
      metrics.webhooks.inc({ type: answer.log.type ?? 'unknown', outcome: answer.log.outcome });
      res.locals.webhook = answer.log;
      res.status(answer.status).json(answer.body);
    },
  );
  return router;
};
