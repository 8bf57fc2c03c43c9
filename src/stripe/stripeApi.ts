/**
 * The Stripe API client port: the official `stripe` package inside, behind a shared rate limit, retries
 * with backoff (retryingHttpClient.ts) and page-by-page listing. Used by the sync passes (src/sync/) and
 * by anything else that reads Stripe (balance transactions, payouts, the balance).
 *
 *   const stripe = stripeApi({ apiKey, base: config.stripe.base, requestsPerSecond: config.stripe.requestsPerSecond });
 *   for await (const page of stripe.pages('balance_transactions', { payout: 'po_1', limit: 100 }, { account: null })) {
 *     ... page.data is at most `limit` objects, newest first; the next page is requested only when asked for
 *   }
 *   const balance = await stripe.balance({ account: 'acct_1' });
 *
 * Failures after retries throw StripeRequestError, whose message is one line naming the request and what
 * to do (a bad key, a key without read permission, an API out of reach). In tests, point it at the
 * stand-in tests/support/stripeApi/stripeApiStandIn.ts through STRIPE_API_BASE.
 */
import Stripe from 'stripe';
import type { StripeApiConfig } from '../config/config.js';
import { rateLimiter } from './rateLimiter.js';
import { DEFAULT_RETRY, retryingHttpClient, type RetryPolicy } from './retryingHttpClient.js';
import { describeStripeFailure } from './stripeRequestError.js';

export type ListResource =
  'events' | 'payment_intents' | 'charges' | 'refunds' | 'disputes' | 'payouts' | 'balance_transactions';

export type StripeObject = Record<string, unknown> & { id: string; created: number };

export type CreatedFilter = { gt?: number; gte?: number; lt?: number; lte?: number };

/** List parameters as Stripe documents them (limit 1-100, cursors, created range, resource filters). */
export type ListParams = {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
  created?: CreatedFilter;
} & Record<string, unknown>;

export type Page = { data: StripeObject[]; hasMore: boolean };

/** `account`: a connected account (Stripe-Account header), or null for the key's own account. */
export type Scope = { account: string | null };

export interface StripeApi {
  /** The list's pages newest first (or oldest first with `ending_before`), requested one at a time. */
  pages(resource: ListResource, params: ListParams, scope: Scope): AsyncGenerator<Page>;
  balance(scope: Scope): Promise<Record<string, unknown>>;
  /** Answers so far by status (every attempt, retries included; `network_error` when none came). */
  answers(): Readonly<Record<string, number>>;
}

type Lister = (
  params: Record<string, unknown>,
  options: Stripe.RequestOptions,
) => Promise<{ data: unknown[]; has_more: boolean }>;

const listerOf = (stripe: Stripe, resource: ListResource): Lister => {
  const bind = <R extends { list: unknown }>(r: R) => (r.list as Lister).bind(r);
  switch (resource) {
    case 'events':
      return bind(stripe.events);
    case 'payment_intents':
      return bind(stripe.paymentIntents);
    case 'charges':
      return bind(stripe.charges);
    case 'refunds':
      return bind(stripe.refunds);
    case 'disputes':
      return bind(stripe.disputes);
    case 'payouts':
      return bind(stripe.payouts);
    case 'balance_transactions':
      return bind(stripe.balanceTransactions);
    default: {
      const unhandled: never = resource;
      throw new Error(`unhandled resource ${String(unhandled)}`);
    }
  }
};

/** A live-mode key (`sk_live_`, `rk_live_`): its account's objects are live. */
export const isLiveKey = (key: string): boolean => /^(sk|rk)_live_/.test(key);

// Paging and shaping, not what is asked for: left out of the request's name in error lines.
const NOT_FILTERS = new Set(['limit', 'expand', 'starting_after', 'ending_before']);

/** `/v1/balance_transactions?payout=po_1&created[gte]=1700000000`: the list and its filters, as
 * Stripe's query string spells them (brackets left readable), for error lines. */
const listRequestPath = (resource: ListResource, params: ListParams): string => {
  const filters = Object.entries(params).flatMap(([name, value]): string[] => {
    if (NOT_FILTERS.has(name) || value === undefined || value === null) return [];
    if (Array.isArray(value)) return value.map((item) => `${name}[]=${String(item)}`);
    if (typeof value === 'object') {
      return Object.entries(value).map(([key, item]) => `${name}[${key}]=${String(item)}`);
    }
    return [`${name}=${String(value as string | number | boolean)}`];
  });
  return `/v1/${resource}${filters.length === 0 ? '' : `?${filters.join('&')}`}`;
};

const optionsOf = (scope: Scope): Stripe.RequestOptions =>
  scope.account === null ? {} : { stripeAccount: scope.account };

export type StripeApiOptions = {
  apiKey: string;
  base: StripeApiConfig['base'];
  requestsPerSecond: number;
  retry?: RetryPolicy;
  /** Each answer's status (every attempt, retries included), for metrics. */
  onAnswer?: (status: number | 'network_error') => void;
  /** Per attempt, in ms. */
  timeoutMs?: number;
};

export const stripeApi = (options: StripeApiOptions): StripeApi => {
  const limiter = rateLimiter(options.requestsPerSecond);
  const answers: Record<string, number> = {};
  const onAnswer = (status: number | 'network_error') => {
    answers[status] = (answers[status] ?? 0) + 1;
    options.onAnswer?.(status);
  };
  const stripe = new Stripe(options.apiKey, {
    host: options.base.host,
    port: options.base.port,
    protocol: options.base.protocol,
    // Retries are ours (retryingHttpClient), so that each one waits for the rate limiter.
    maxNetworkRetries: 0,
    timeout: options.timeoutMs ?? 30_000,
    telemetry: false,
    httpClient: retryingHttpClient({
      inner: Stripe.createNodeHttpClient(),
      limiter,
      policy: options.retry ?? DEFAULT_RETRY,
      onAnswer,
    }),
  });
  const base = `${options.base.protocol}://${options.base.host}:${options.base.port}`;
  const call = async <T>(path: string, scope: Scope, request: () => Promise<T>): Promise<T> => {
    try {
      return await request();
    } catch (error) {
      throw describeStripeFailure(error, { path, account: scope.account }, base);
    }
  };

  return {
    async *pages(resource, params, scope) {
      const list = listerOf(stripe, resource);
      const backwards = params.ending_before !== undefined;
      const path = listRequestPath(resource, params);
      let cursor: Record<string, unknown> = {};
      for (;;) {
        const answer = await call(path, scope, () => list({ ...params, ...cursor }, optionsOf(scope)));
        const data = answer.data as StripeObject[];
        yield { data, hasMore: answer.has_more };
        if (!answer.has_more || data.length === 0) return;
        // Pages are newest first; walking back in time continues after the oldest, forward before the newest.
        cursor = backwards ? { ending_before: data[0]!.id } : { starting_after: data[data.length - 1]!.id };
      }
    },
    balance: (scope) =>
      call('/v1/balance', scope, async () => {
        const balance = await stripe.balance.retrieve({}, optionsOf(scope));
        return balance as unknown as Record<string, unknown>;
      }),
    answers: () => ({ ...answers }),
  };
};
