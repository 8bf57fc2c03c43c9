import { randomBytes } from 'node:crypto';
import { generator, type Delivery } from '../tests/support/generate.js';
import { signatureFor } from '../tests/support/stripeEvents.js';

export type SignedDelivery = { id: string; type: string; body: string; signature: string };

/**
 * Webhook deliveries as Stripe sends them to a busy account: `active` payment lives under way at once
 * (created, failed attempts, success or cancellation, refunds, disputes), each delivery taken from a life
 * chosen at random, in that life's own order; a finished life is replaced by a new one. Event ids are
 * new on every run. Signed with `secret` when taken. Each life begins at the wall clock, as live traffic
 * does: the seeded history (March 2024) stays what it was, so a query over it answers the same amount of
 * data at the end of a long run as at the start.
 */
export const lifecycleDeliveries = (secret: string, { seed = 7, active = 100 } = {}) => {
  const lives = generator(seed, `bench${randomBytes(3).toString('hex')}`);
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const begin = () => lives.payment({ start: Math.floor(Date.now() / 1000) });
  const underWay: Delivery[][] = Array.from({ length: active }, begin);
  let started = active;
  return {
    /** Payment lives begun so far (each is one payment). */
    paymentsStarted: () => started,
    next: (): SignedDelivery => {
      const index = Math.floor(random() * underWay.length);
      const delivery = underWay[index]!.shift()!;
      if (underWay[index]!.length === 0) {
        underWay[index] = begin();
        started += 1;
      }
      return { ...delivery, signature: signatureFor(delivery.body, secret) };
    },
  };
};

/**
 * Calls `task` `rate` times a second (open loop: on schedule, whether or not earlier calls finished)
 * for `durationMs`, with at most `maxInFlight` under way; a call that would pass the cap is not made
 * and counted in `skipped` (a verdict counts it as an error: the server fell behind). Resolves once
 * every call made has finished.
 */
export const paced = async (options: {
  rate: number;
  durationMs: number;
  maxInFlight: number;
  task: () => Promise<void>;
  stopped?: () => boolean;
}): Promise<{ made: number; skipped: number }> => {
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let made = 0;
  let skipped = 0;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= options.durationMs || options.stopped?.()) break;
    const due = Math.floor((elapsed / 1000) * options.rate) - made - skipped;
    for (let i = 0; i < due; i += 1) {
      if (inFlight.size >= options.maxInFlight) {
        skipped += 1;
        continue;
      }
      made += 1;
      const call = options.task().finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await Promise.all(inFlight);
  return { made, skipped };
};
