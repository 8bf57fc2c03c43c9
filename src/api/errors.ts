import type { ErrorRequestHandler, Response } from 'express';
import { isTransient } from '../db/transient.js';
import { errorMessage } from '../shared/errorMessage.js';

/** A database that is down, hanging or out of connections: the same request may succeed shortly. */
const RETRY_AFTER_SECONDS = 5;

export const sendError = (res: Response, status: number, code: string, message: string) =>
  res.status(status).json({ error: { code, message } });

/** 503 with Retry-After: a dependency (the database unless said otherwise) does not answer now, the
 * same request may succeed shortly. */
export const sendUnavailable = (
  res: Response,
  code = 'database_unavailable',
  message = 'the database does not answer right now; retry shortly',
) => {
  res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
  return sendError(res, 503, code, message);
};

/** Last middleware: body-parser errors (size, encoding) become 4xx, a database that does not answer 503
 * with Retry-After, and anything unexpected 500: JSON errors all. */
export const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  // Already answered (a hung database's 503 went out first, databaseWatch.ts): the late failure of the
  // work that waited has no one left to tell.
  if (res.headersSent) return;
  const status = typeof error?.status === 'number' ? error.status : 500;
  if (status === 413) return sendError(res, 413, 'payload_too_large', 'the body is over 1 MiB');
  if (status >= 400 && status < 500)
    return sendError(res, status, error.type ?? 'bad_request', String(error.message));
  res.locals.error = errorMessage(error);
  if (isTransient(error)) return sendUnavailable(res);
  return sendError(res, 500, 'internal_error', 'internal error');
};
