/**
 * Accounts for sync tests: seeded payment lives (generate.ts) placed in time relative to now, as the
 * Stripe events the stand-in lists and the webhook bodies Stripe would have delivered.
 */
import { DAY, generator } from '../generate.js';
import type { StripeEventJson } from './stripeApiStandIn.js';

export type AccountEvents = { events: StripeEventJson[]; bodies: Map<string, string> };

/** `payments` lives, each starting between `fromDaysAgo` and `toDaysAgo` before now (ids prefixed by `prefix`). */
export const accountEvents = (options: {
  seed: number;
  payments: number;
  fromDaysAgo: number;
  toDaysAgo: number;
  prefix: string;
  account?: string;
}): AccountEvents => {
  const gen = generator(options.seed, options.prefix);
  const now = Math.floor(Date.now() / 1000);
  const span = (options.fromDaysAgo - options.toDaysAgo) * DAY;
  const events: StripeEventJson[] = [];
  const bodies = new Map<string, string>();
  for (let i = 0; i < options.payments; i += 1) {
    const start = now - options.fromDaysAgo * DAY + Math.floor((span * i) / options.payments);
    for (const delivery of gen.payment({ start })) {
      const event = JSON.parse(delivery.body) as StripeEventJson;
      if (options.account !== undefined) event.account = options.account;
      events.push(event);
      bodies.set(event.id, JSON.stringify(event));
    }
  }
  // Stripe lists by created; a refund a day later comes after the next payment's creation.
  events.sort((a, b) => a.created - b.created);
  return { events, bodies };
};

/** A seeded choice of which events a webhook endpoint received (`share` of them). */
export const deliveredShare = (
  events: readonly StripeEventJson[],
  share: number,
  seed: number,
): Set<string> => {
  let s = seed;
  const random = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  return new Set(events.filter(() => random() < share).map((event) => event.id));
};
