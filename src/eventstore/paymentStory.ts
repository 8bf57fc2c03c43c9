import type { Queryable } from '../db/port.js';
import { TransientError } from '../db/transient.js';
import { errorMessage } from '../shared/errorMessage.js';
import { paymentStream } from '../domain/stream.js';
import { chargeLinksOf } from './chargeLinks.js';
import type { EventStore, StoredEvent } from './port.js';

/**
 * A payment's events: its own stream, and the streams of its charges, where a refund or dispute that
 * named only a charge waited until the charge was known to belong to the payment. The payment's own
 * events prove which charges are its (they name both), as they proved the links the event store keeps.
 * In log order: what a fold that knew every link from the start (a rebuild) folds into the payment.
 */
export const paymentStory = async (
  store: Pick<EventStore, 'readStream'>,
  paymentId: string,
): Promise<StoredEvent[]> => {
  const own = await store.readStream(paymentStream(paymentId));
  const [charges, payments] = chargeLinksOf(own);
  const theirs = new Set(charges.filter((charge, i) => payments[i] === paymentId && charge !== paymentId));
  const streams = await Promise.all([...theirs].map((charge) => store.readStream(paymentStream(charge))));
  return [...own, ...streams.flat()].sort((a, b) => a.position - b.position);
};

/** Stories read on `connection` when the store lives in the ledger's database (a projector's batch
 * transaction), else from the store itself. */
export const storiesOn =
  (store: Pick<EventStore, 'readStream' | 'within'>) =>
  (connection: Queryable) =>
  (paymentId: string): Promise<StoredEvent[]> => {
    const within = store.within?.(connection);
    if (within !== undefined) return paymentStory(within, paymentId);
    // A store of its own (EventStoreDB): its errors do not say whether a retry helps, and a projection
    // must not stop at a healthy event because the store's server was away for a moment.
    return paymentStory(store, paymentId).catch((error: unknown) => {
      throw new TransientError(`reading the story of payment ${paymentId}: ${errorMessage(error)}`, {
        cause: error,
      });
    });
  };
