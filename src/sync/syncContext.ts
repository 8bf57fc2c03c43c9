import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';
import type { Logger } from '../observability/logger.js';
import type { StripeApi } from '../stripe/stripeApi.js';

/** Stripe keeps events for 30 days. */
export const EVENT_WINDOW_SECONDS = 30 * 86_400;
/** `created` has one-second resolution and events of one second may be listed a little late: each pass
 * re-reads the last minutes before its cursor (duplicates are no-ops). */
export const OVERLAP_SECONDS = 5 * 60;
/** History imports objects created before the event window's start plus this margin: events of
 * objects near the window's edge may expire while a pass reads, so those objects are imported too. */
export const HISTORY_MARGIN_SECONDS = 86_400;

export type Progress = { feed: string; account: string | null; seen: number; appended: number };

/** What every feed of a pass uses. */
export type SyncContext = {
  db: Db;
  store: Pick<EventStore, 'appendMany' | 'paymentOfCharge'>;
  api: StripeApi;
  logger: Logger;
  /** Unix seconds. */
  now: () => number;
  /** Throws when the pass must stop writing (its lease was lost). */
  checkStillHolding: () => void;
  onProgress: (progress: Progress) => void;
};
