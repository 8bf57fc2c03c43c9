import type { ErrorRequestHandler, Response } from 'express';
import { errorMessage } from '../shared/errorMessage.js';

export const sendError = (res: Response, status: number, code: string, message: string) =>
  res.status(status).json({ error: { code, message } });

/** Last middleware: body-parser errors (size, encoding) and anything unexpected become JSON errors. */
export const errorHandler: ErrorRequestHandler = (error, _req, res, _next) => {
  const status = typeof error?.status === 'number' ? error.status : 500;
  if (status === 413) return sendError(res, 413, 'payload_too_large', 'the body is over 1 MiB');
  if (status >= 400 && status < 500)
    return sendError(res, status, error.type ?? 'bad_request', String(error.message));
  res.locals.error = errorMessage(error);
  return sendError(res, 500, 'internal_error', 'internal error');
};
