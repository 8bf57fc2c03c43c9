import {
  importedMetadata,
  importObject,
  IMPORTED,
  payoutStream,
  type ImportableObject,
} from '../domain/imported.js';
import { unstorableText } from '../domain/storableText.js';
import type { ListResource, StripeObject } from '../stripe/stripeApi.js';
import { appendToLog, type Prepared } from './appendToLog.js';
import { loadCursor, type Feed, type PendingRange } from './cursors.js';
import { readRange } from './readRange.js';
import { EVENT_WINDOW_SECONDS, HISTORY_MARGIN_SECONDS, type SyncContext } from './syncContext.js';

/** The list endpoints history is imported from, and the object each lists. */
export const HISTORY_LISTS: readonly { resource: ListResource; kind: ImportableObject }[] = [
  { resource: 'payment_intents', kind: 'payment_intent' },
  { resource: 'charges', kind: 'charge' },
  { resource: 'refunds', kind: 'refund' },
  { resource: 'disputes', kind: 'dispute' },
  { resource: 'payouts', kind: 'payout' },
];

export type HistoryOutcome = { seen: number; imported: number; invalid: number };

/**
 * History (SPEC section 11): objects created before the Events API's window are imported once from
 * their list endpoint as StripeObjectImported snapshots. A snapshot's event id is UUIDv5 of the object
 * id and its content, so a second import of an unchanged object appends nothing; `created` of its
 * metadata is the second it was read (see src/domain/imported.ts).
 */
export const syncHistory = async (
  ctx: SyncContext,
  account: string | null,
  list: (typeof HISTORY_LISTS)[number],
): Promise<HistoryOutcome> => {
  const feed: Feed = { account, feed: list.resource };
  const cursor = await loadCursor(ctx.db, feed);
  const outcome: HistoryOutcome = { seen: 0, imported: 0, invalid: 0 };
  if (cursor.completeUntil !== null && cursor.pending === null) return outcome;
  const boundary = ctx.now() - EVENT_WINDOW_SECONDS + HISTORY_MARGIN_SECONDS;
  const range: PendingRange = cursor.pending ?? { from: null, to: boundary, below: boundary };
  const appendPage = async (objects: StripeObject[]) => {
    const receivedAt = new Date();
    const observedAt = Math.floor(receivedAt.getTime() / 1000);
    const prepared: Prepared[] = [];
    for (const object of objects) {
      // Text PostgreSQL cannot hold fails the page's append, pass after pass, or once stored every
      // read of the snapshot as jsonb (src/domain/storableText.ts): refused as a webhook carrying it is.
      const unstorable = unstorableText(object);
      const imported =
        unstorable === null
          ? importObject(list.kind, object)
          : { kind: 'invalid' as const, message: `the ${list.kind} contains ${unstorable.message}` };
      if (imported.kind === 'invalid') {
        outcome.invalid += 1;
        ctx.logger.warn({ account, object_id: object.id, problem: imported.message }, 'object not imported');
        continue;
      }
      const event = imported.event;
      prepared.push({
        id: event.eventId,
        type: IMPORTED,
        data: event.data,
        metadata: importedMetadata(list.kind, event, { account, observedAt, receivedAt }),
        ...(list.kind === 'payout' && { stream: payoutStream(object.id) }),
      });
    }
    const counts = await appendToLog(ctx.store, prepared);
    outcome.seen += objects.length;
    outcome.imported += counts.appended;
    ctx.onProgress({ feed: list.resource, account, seen: outcome.seen, appended: outcome.imported });
  };
  await readRange(ctx, {
    resource: list.resource,
    feed,
    range,
    completeUntil: cursor.completeUntil,
    appendPage,
  });
  return outcome;
};
