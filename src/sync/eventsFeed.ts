import { unstorableText } from '../domain/storableText.js';
import { newEventOf, translate } from '../domain/translate.js';
import type { StripeObject } from '../stripe/stripeApi.js';
import { appendToLog, type Prepared } from './appendToLog.js';
import { loadCursor, resetHistory, type Feed, type PendingRange } from './cursors.js';
import { readRange } from './readRange.js';
import { EVENT_WINDOW_SECONDS, OVERLAP_SECONDS, type SyncContext } from './syncContext.js';

export type EventsOutcome = { seen: number; appended: number; invalid: number };

/**
 * Missed events (SPEC section 11): lists `GET /v1/events` from the cursor (first run: 30 days back,
 * then from the last pass's end minus an overlap) and appends each event exactly as its webhook
 * delivery would have been: same translation, event id, stream; duplicates are no-ops. A cursor that
 * fell out of the 30-day window (the last pass's end, or the unread rest of a range a stopped pass left)
 * means events were lost for good: the account's history is imported again.
 */
export const syncEvents = async (ctx: SyncContext, account: string | null): Promise<EventsOutcome> => {
  const feed: Feed = { account, feed: 'events' };
  const cursor = await loadCursor(ctx.db, feed);
  const now = ctx.now();
  const windowStart = now - EVENT_WINDOW_SECONDS;
  // Where reading resumes: the unread rest of a range a pass was stopped in, else the last pass's end.
  const unreadFrom =
    cursor.pending?.from ?? (cursor.completeUntil === null ? null : cursor.completeUntil - OVERLAP_SECONDS);
  const lost = unreadFrom !== null && unreadFrom < windowStart;
  // A first run has no history imported yet: its own history import covers what fell out of the window.
  if (lost && cursor.completeUntil !== null) {
    ctx.logger.warn(
      { account, cursor: cursor.completeUntil, pending: cursor.pending },
      'the last sync is older than the 30 days Stripe keeps events: importing the history again',
    );
    await resetHistory(ctx.db, account);
  }
  const fresh: PendingRange = { from: unreadFrom ?? windowStart, to: now, below: now };
  // Stripe lists nothing older than its window: a stopped range resumes only within it, or, when all
  // it still held is gone, the window is read as it is now. Either way the account is then like a
  // first run (no complete cursor) until this range is done.
  const range: PendingRange = lost
    ? cursor.pending !== null && cursor.pending.below > windowStart
      ? { ...cursor.pending, from: windowStart }
      : { ...fresh, from: windowStart }
    : (cursor.pending ?? fresh);
  const completeUntil = lost ? null : cursor.completeUntil;
  const outcome: EventsOutcome = { seen: 0, appended: 0, invalid: 0 };
  const appendPage = async (events: StripeObject[]) => {
    const receivedAt = new Date();
    const prepared: Prepared[] = [];
    for (const raw of events) {
      // Events read with Stripe-Account carry `account`; keep it so even if an API version omits it.
      const body = account !== null && raw.account === undefined ? { ...raw, account } : raw;
      // A webhook delivery of it would have been refused (400): it is not stored either, and the rest
      // of the page is. Text PostgreSQL cannot hold fails the page's append, pass after pass, or once
      // stored every read of the event as jsonb (src/domain/storableText.ts).
      const unstorable = unstorableText(body);
      const translated =
        unstorable === null
          ? translate(body)
          : { kind: 'invalid' as const, message: `the event contains ${unstorable.message}` };
      if (translated.kind === 'invalid') {
        outcome.invalid += 1;
        ctx.logger.warn(
          { account, stripe_event_id: raw.id, problem: translated.message },
          'event not stored',
        );
        continue;
      }
      prepared.push(newEventOf(translated.event, receivedAt));
    }
    const counts = await appendToLog(ctx.store, prepared);
    outcome.seen += events.length;
    outcome.appended += counts.appended;
    ctx.onProgress({ feed: 'events', account, seen: outcome.seen, appended: outcome.appended });
  };
  await readRange(ctx, {
    resource: 'events',
    feed,
    range,
    completeUntil,
    appendPage,
  });
  return outcome;
};
