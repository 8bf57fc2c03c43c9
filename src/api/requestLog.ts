import type { RequestHandler } from 'express';
import type { Logger } from '../observability/logger.js';

/** One line per request: method, path (no query string: it may carry filters with customer data), status, duration. */
export const requestLog =
  (logger: Logger): RequestHandler =>
  (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      // A failure of ours or of the database is seen at LOG_LEVEL=warn, the usual production level.
      const level = res.statusCode >= 500 ? 'warn' : 'info';
      const webhook = res.locals.webhook as
        { stripeEventId?: string; type?: string; outcome?: string } | undefined;
      logger[level](
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
          ...(webhook && {
            stripe_event_id: webhook.stripeEventId,
            type: webhook.type,
            outcome: webhook.outcome,
          }),
          ...(res.locals.error && { error: res.locals.error }),
        },
        'request',
      );
    });
    next();
  };
