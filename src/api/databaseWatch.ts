import type { RequestHandler } from 'express';
import type { Db } from '../db/port.js';
import { cachedCheck } from '../health/cachedCheck.js';
import { sendUnavailable } from './errors.js';

/** How long a finance request waits before asking whether the database answers at all. */
export const ASK_AFTER_MS = 4000;

/** How long that question may take: with ASK_AFTER_MS, a hung database's 503 goes out within 7 s. */
const PING_DEADLINE_MS = 3000;

/**
 * A finance answer waits as long as its queries run (a report over years may take seconds, up to the
 * pool's statement timeout), but not on a database that stopped answering: its connections stay open
 * and a query's own deadline is that statement timeout and more (35 s). So once a request has waited
 * ASK_AFTER_MS, the database is pinged on `probe` (another pool: the finance pool may be full of the
 * very queries that wait), at most once a second for all requests; if it does not answer, the request
 * gets 503 now (SPEC section 3: a hung database is answered as a down one, within 10 s). The query left
 * behind ends at its own deadline and its connection is dropped.
 */
export const databaseWatch = (probe: Db, askAfterMs = ASK_AFTER_MS): RequestHandler => {
  const answers = cachedCheck(() => probe.ping(), {
    ttlMs: 1000,
    deadlineMs: PING_DEADLINE_MS,
    what: 'the database ping',
  });
  return (_req, res, next) => {
    const timer = setTimeout(() => {
      void answers
        .current()
        .catch(() => false)
        .then((ok) => {
          if (ok || res.headersSent) return;
          res.locals.error = 'the database stopped answering';
          sendUnavailable(res);
        });
    }, askAfterMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    next();
  };
};
