import { deriveKeys } from '../../src/domain/derive.js';
import { objectKindOf, type ModelledDomainEventType } from '../../src/domain/events.js';
import { chargeNeedingLookup, streamFor, withPaymentId } from '../../src/domain/stream.js';
import type { AppendRequest, EventStore, StoredEvent } from '../../src/eventstore/port.js';
import { asAppended } from './storedEvents.js';

/**
 * Appends events the way the webhook route does, a group commit at a time: each event of a group is
 * routed (a refund or dispute naming only its charge goes to the payment the store links that charge
 * to *now*, else to the charge's own stream) before the group is appended in one commit, so links
 * proven within the group are not known to its other events, as with concurrent deliveries.
 * Redelivered events are stored once. Returns how many new events were stored.
 */
export const appendAsIngest = async (
  store: EventStore,
  groups: readonly (readonly StoredEvent[])[],
): Promise<number> => {
  let stored = 0;
  for (const group of groups) {
    const requests = await Promise.all(
      group.map(async (stored): Promise<AppendRequest> => {
        const event = asAppended(stored);
        const object = event.data.object;
        // The keys as ingest derives them, without the payment the generator's links already gave.
        const derived = deriveKeys(objectKindOf(event.type as ModelledDomainEventType), object);
        const charge = chargeNeedingLookup(derived);
        const linked = charge === null ? null : await store.paymentOfCharge(charge);
        const { stream, paymentId } = streamFor(derived, linked, event.metadata.stripe_event_id);
        return {
          stream,
          expectedVersion: 'any',
          events: [withPaymentId(event, paymentId)],
        };
      }),
    );
    const results = await store.appendMany(requests);
    stored += results.filter((result) => result.kind === 'ok').length;
  }
  return stored;
};
