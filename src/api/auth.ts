import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendError } from './errors.js';

const digest = (token: string) => createHash('sha256').update(token, 'utf8').digest();

/**
 * Bearer-token check for the query API. Both sides are hashed to equal-length digests and compared with
 * timingSafeEqual against every configured token, without stopping at a match, so the time taken says
 * neither how much of a token was right nor which one matched. No tokens configured: every request is
 * refused. The token is never logged or echoed.
 */
export const requireToken = (tokens: readonly string[]): RequestHandler => {
  const digests = tokens.map(digest);
  return (req, res, next) => {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(req.get('authorization') ?? '');
    let accepted = false;
    if (match) {
      const presented = digest(match[1]!);
      for (const expected of digests) accepted = timingSafeEqual(presented, expected) || accepted;
    }
    if (accepted) return next();
    res.setHeader('www-authenticate', 'Bearer realm="stripe-ledger"');
    sendError(
      res,
      401,
      'unauthorized',
      digests.length === 0
        ? 'the query API is disabled: set LEDGER_API_TOKENS to enable it'
        : match
          ? 'the bearer token is not valid'
          : 'send Authorization: Bearer <token>',
    );
  };
};
