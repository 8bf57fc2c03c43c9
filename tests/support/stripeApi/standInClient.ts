import { stripeApi, type StripeApiOptions } from '../../../src/stripe/stripeApi.js';

/** The product's Stripe client (the real `stripe` package) pointed at a stand-in's address. */
export const baseOf = (url: string): StripeApiOptions['base'] => {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port), protocol: 'http' };
};

/** A client of the stand-in at `url` with its key, 100 requests a second unless told otherwise. */
export const standInClient = (
  standIn: { base: string; key: string },
  options: Partial<StripeApiOptions> = {},
) => stripeApi({ apiKey: standIn.key, base: baseOf(standIn.base), requestsPerSecond: 100, ...options });
