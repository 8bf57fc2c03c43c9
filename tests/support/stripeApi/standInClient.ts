import pino from 'pino';
import type { Db } from '../../../src/db/port.js';
import { postgresEventStore } from '../../../src/eventstore/postgres/postgresEventStore.js';
import { stripeApi, type StripeApiOptions } from '../../../src/stripe/stripeApi.js';
import { runSyncPass, type SyncPassOptions } from '../../../src/sync/syncPass.js';

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

/** One sync pass against the stand-in, as `stripe-ledger sync` runs it on `db`: silent, no connected
 * accounts, unless `options` say otherwise. */
export const standInSyncPass = (
  db: Db,
  standIn: { base: string; key: string },
  options: Partial<SyncPassOptions> & { client?: Partial<StripeApiOptions> } = {},
) => {
  const { client, ...pass } = options;
  return runSyncPass({
    db,
    store: postgresEventStore(db),
    api: standInClient(standIn, client),
    logger: pino({ level: 'silent' }),
    accounts: [],
    ...pass,
  });
};

/** A balance transaction of the stand-in account: an available adjustment of `amount` cents. */
export const adjustment = (id: string, created: number, amount: number) => ({
  id,
  object: 'balance_transaction',
  amount,
  fee: 0,
  net: amount,
  currency: 'usd',
  status: 'available',
  type: 'adjustment',
  reporting_category: 'other_adjustment',
  source: null,
  available_on: created,
  created,
});
