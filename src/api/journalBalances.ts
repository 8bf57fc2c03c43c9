import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../db/port.js';
import { journalBalancesAt } from '../../projections/journal/balancesAt.js';
import { parseParams, timeParam } from './params.js';

export const journalBalancesQuery = z.strictObject({
  at: timeParam
    .optional()
    .describe('balances after every line up to this time (a date: to its end, UTC); default now'),
});

const nextDay = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString();

/** The last instant a bound covers: a date's end stops short of the next midnight, whose lines belong to
 * the next day, so it answers as its last millisecond (asking for that instant gives the same balances). */
const lastCovered = (bound: string, inclusive: boolean) =>
  new Date(Date.parse(bound) - (inclusive ? 0 : 1)).toISOString();

/** GET /api/journal/balances?at=: every account's balance per currency at a time. */
export const journalBalancesRoute =
  (db: Db, now: () => Date = () => new Date()): RequestHandler =>
  async (req, res) => {
    const { at } = parseParams(journalBalancesQuery, req.query);
    const [bound, inclusive] =
      at === undefined ? [now().toISOString(), true] : at.length === 10 ? [nextDay(at), false] : [at, true];
    const data = await journalBalancesAt(db, { bound, inclusive });
    res.json({ at: lastCovered(bound, inclusive), data });
  };
