import type { ListResource, StripeObject } from '../stripe/stripeApi.js';
import { saveCursor, type Feed, type PendingRange } from './cursors.js';
import type { SyncContext } from './syncContext.js';

/**
 * Reads a created range of a Stripe list newest first, one page at a time (never the whole list in
 * memory), hands each page oldest first to `appendPage`, and records after each durable append how far
 * down the range is done. Once the whole range is appended, the feed is complete up to the range's end.
 */
export const readRange = async (
  ctx: SyncContext,
  options: {
    resource: ListResource;
    feed: Feed;
    range: PendingRange;
    /** Kept as it is while the range is read. */
    completeUntil: number | null;
    /** Appends a page durably; resolves only once it is in the log. */
    appendPage: (objects: StripeObject[]) => Promise<void>;
  },
): Promise<void> => {
  const { range, feed } = options;
  const created = { ...(range.from === null ? {} : { gte: range.from }), lte: range.below };
  const scope = { account: feed.account };
  const pages = ctx.api.pages(options.resource, { limit: 100, created }, scope);
  // The next page is requested while this one is appended: at most two pages are held.
  let next = pages.next();
  for (;;) {
    const current = await next;
    if (current.done === true) break;
    const page = current.value;
    if (page.data.length === 0) break;
    next = pages.next();
    // A rejected prefetch is reported by the await at the top of the next turn, not as unhandled.
    next.catch(() => undefined);
    ctx.checkStillHolding();
    await options.appendPage([...page.data].reverse());
    const below = page.data[page.data.length - 1]!.created;
    await saveCursor(ctx.db, feed, { completeUntil: options.completeUntil, pending: { ...range, below } });
  }
  await saveCursor(ctx.db, feed, { completeUntil: range.to, pending: null });
};
