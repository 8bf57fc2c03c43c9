import type { NewEvent } from '../domain/ledgerEvent.js';
import { chargeNeedingLookup, streamFor, withPaymentId } from '../domain/stream.js';
import type { EventStore } from '../eventstore/port.js';

/** An event the sync found, translated and ready to append as a webhook delivery of it would be. */
export type Prepared = NewEvent & {
  /** A stream decided by the object itself (a payout's); otherwise the payment stream rule decides. */
  stream?: string;
};

export type AppendCounts = { appended: number; duplicates: number };

/**
 * Appends a page of events through the same idempotent port and stream rule as webhooks (SPEC section
 * 2): an event already stored (delivered by a webhook, or by an earlier pass) is a no-op. A refund or
 * dispute naming only its charge goes to the payment the store links that charge to, or one an earlier
 * event of the same page links it to; the page is one durable commit.
 */
export const appendToLog = async (
  store: Pick<EventStore, 'appendMany' | 'paymentOfCharge'>,
  page: readonly Prepared[],
): Promise<AppendCounts> => {
  if (page.length === 0) return { appended: 0, duplicates: 0 };
  const learnt = new Map<string, string>();
  const requests = [];
  for (const { stream, ...event } of page) {
    const derived = event.data.derived;
    const charge = chargeNeedingLookup(derived);
    const linked = charge === null ? null : (learnt.get(charge) ?? (await store.paymentOfCharge(charge)));
    const routed = streamFor(derived, linked, event.metadata.stripe_event_id);
    if (derived.payment_intent_id !== null) {
      for (const id of derived.charge_ids) learnt.set(id, derived.payment_intent_id);
    }
    requests.push({
      stream: stream ?? routed.stream,
      expectedVersion: 'any' as const,
      events: [withPaymentId(event, routed.paymentId)],
    });
  }
  const results = await store.appendMany(requests);
  const counts = { appended: 0, duplicates: 0 };
  for (const result of results) {
    switch (result.kind) {
      case 'ok':
        counts.appended += 1;
        break;
      case 'duplicate':
        counts.duplicates += 1;
        break;
      case 'conflict':
        // Appends use expectedVersion 'any': a conflict means the store misbehaved.
        throw new Error(
          `the event store refused an append with a version conflict (${result.actualVersion})`,
        );
      default: {
        const unhandled: never = result;
        throw new Error(`unhandled append result ${JSON.stringify(unhandled)}`);
      }
    }
  }
  return counts;
};
