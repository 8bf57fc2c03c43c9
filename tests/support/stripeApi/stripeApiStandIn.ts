/**
 * A local stand-in of Stripe's REST API that tests (and bench/sync.ts) start, so the real `stripe` client
 * runs against it through STRIPE_API_BASE. Unlike stripe-mock it keeps state: events and objects are
 * listed with Stripe's documented semantics (listPage.ts), events older than 30 days are gone while
 * their objects remain, and faults are injected on demand.
 *
 *   const api = await startStripeApi();
 *   api.addEvents(deliveries.map((d) => JSON.parse(d.body)));           // objects follow their events
 *   api.addObjects([txn], { account: 'acct_1' });                     // or objects alone
 *   api.payOut('po_1', ['txn_1', 'txn_2']);    // the transactions automatic payout po_1 paid out
 *   api.setBalance({ available: [...], pending: [...] });
 *   env.STRIPE_API_BASE = api.base; env.STRIPE_API_KEY = api.key;
 *   api.faults.rateLimited = 0.3;              // 30% of requests answer 429 (Stripe-Should-Retry: faults.shouldRetry)
 *   api.faults.serverErrors = 0.1;             // 10% answer 500
 *   api.faults.enforceRps = 20;                // 429 whenever more than 20 requests arrived in the last second
 *   api.maxRequestsInWindow(1000);             // the most requests that arrived within any one second
 *   api.connections();                         // TCP connections accepted so far (keep-alive reuse shows)
 *   await api.close();
 *
 * Endpoints: GET /v1/events (types[], type, delivery_success), /v1/events/:id, /v1/payment_intents,
 * /v1/charges, /v1/refunds, /v1/disputes, /v1/payouts (status), /v1/balance_transactions (payout, type,
 * source; expand[]=data.source), /v1/balance. Every list takes limit, starting_after, ending_before and created[gt|gte|lt|lte].
 * A balance transaction object has no payout field in Stripe's API: which payout paid it out is known
 * only through the list filter `?payout=po_...` (automatic payouts). The stand-in keeps that association
 * beside the objects (`payOut`), never in them.
 * Keys: `api.key` reads everything; `api.restrictedKey(['events'])` reads only the named resources (403
 * elsewhere, in Stripe's error shape); any other key is 401. `Stripe-Account` scopes a request to a
 * connected account added with `account:`; an unknown account is 403.
 */
import type { AddressInfo } from 'node:net';
import express, { type Request, type Response } from 'express';
import { expandSources } from './expandSources.js';
import { InvalidParameter, listPage, listParams, type ListParams, type Query } from './listPage.js';
import { sortedList, type Listed, type SortedList } from './sortedList.js';

export const PLATFORM_ACCOUNT = 'acct_standin_platform';
export const EVENT_RETENTION_SECONDS = 30 * 86_400;

export const RESOURCES = [
  'events',
  'payment_intents',
  'charges',
  'refunds',
  'disputes',
  'payouts',
  'balance_transactions',
  'balance',
] as const;
export type Resource = (typeof RESOURCES)[number];
export type ObjectResource = Exclude<Resource, 'events' | 'balance'>;

const RESOURCE_OF_OBJECT: Record<string, ObjectResource> = {
  payment_intent: 'payment_intents',
  charge: 'charges',
  refund: 'refunds',
  dispute: 'disputes',
  payout: 'payouts',
  balance_transaction: 'balance_transactions',
};

const NOUNS: Record<Resource, string> = {
  events: 'event',
  payment_intents: 'payment_intent',
  charges: 'charge',
  refunds: 'refund',
  disputes: 'dispute',
  payouts: 'payout',
  balance_transactions: 'balance_transaction',
  balance: 'balance',
};

type Json = Record<string, unknown>;
export type StripeEventJson = Listed & { type: string; data: { object: Json } };

type AccountData = {
  events: SortedList<StripeEventJson>;
  /** Whether each event reached the webhook endpoint (for `delivery_success`). */
  delivered: Map<string, boolean>;
  objects: Record<ObjectResource, SortedList<Listed>>;
  /** The `created` of the event each stored object came from: an older event never overwrites it. */
  objectAsOf: Map<string, number>;
  /** Automatic payout id -> the ids (and created) of the balance transactions it paid out (`?payout=`),
   * kept off the objects; pages show each transaction as stored now. */
  paidOut: Map<string, SortedList<Listed>>;
  balance: Json;
};

export type Faults = {
  /** Probability that a request answers 429 rate_limit. */
  rateLimited: number;
  /** Probability that a request answers 500 api_error. */
  serverErrors: number;
  /** The Stripe-Should-Retry header sent with injected 429 and 500 answers; none when undefined. */
  shouldRetry: 'true' | 'false' | undefined;
  /** Answer 429 whenever more than this many requests arrived within the last second (0: off). */
  enforceRps: number;
  /** Added to every answer, in ms. */
  latencyMs: number;
};

export type RecordedRequest = { at: number; path: string; status: number; account: string | null };

export type StripeApiOptions = {
  /** Unix seconds; the 30-day event window is measured from it. Date.now by default. */
  now?: () => number;
  /** Seeds the fault dice, so a failing run replays. */
  seed?: number;
};

const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};

const emptyAccount = (): AccountData => ({
  events: sortedList<StripeEventJson>(),
  delivered: new Map(),
  objects: {
    payment_intents: sortedList(),
    charges: sortedList(),
    refunds: sortedList(),
    disputes: sortedList(),
    payouts: sortedList(),
    balance_transactions: sortedList(),
  },
  objectAsOf: new Map(),
  paidOut: new Map(),
  balance: { object: 'balance', available: [], pending: [], livemode: false },
});

const stripeError = (res: Response, status: number, error: Json, headers: Json = {}) => {
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, String(value));
  res.status(status).json({ error });
};

const masked = (key: string) => `${key.slice(0, 8)}${'*'.repeat(4)}${key.slice(-4)}`;

const isString = (value: unknown): value is string => typeof value === 'string';

/** Resource filters beyond the list parameters. */
const filterOf = (resource: Resource, query: Query, data: AccountData): ((item: Listed) => boolean) => {
  switch (resource) {
    case 'events': {
      const types = Array.isArray(query.types) ? query.types.filter(isString) : [];
      if (isString(query.type)) types.push(query.type);
      const patterns = types.map((t) => new RegExp(`^${t.replace(/[.]/g, '\\.').replace(/\*/g, '.*')}$`));
      const delivery = query.delivery_success;
      return (item) =>
        (patterns.length === 0 || patterns.some((p) => p.test((item as StripeEventJson).type))) &&
        (delivery === undefined || String(data.delivered.get(item.id) ?? true) === delivery);
    }
    case 'balance_transactions':
      // `payout` chooses the list itself (AccountData.paidOut), not a field of the objects.
      return (item) =>
        (query.type === undefined || item.type === query.type) &&
        (query.source === undefined || item.source === query.source);
    case 'payouts':
      return (item) => query.status === undefined || item.status === query.status;
    case 'charges':
    case 'refunds':
    case 'disputes':
      return (item) =>
        (query.payment_intent === undefined || item.payment_intent === query.payment_intent) &&
        (query.charge === undefined || item.charge === query.charge);
    case 'payment_intents':
      return (item) => query.customer === undefined || item.customer === query.customer;
    case 'balance':
      return () => true;
    default: {
      const unhandled: never = resource;
      throw new Error(`unhandled resource ${String(unhandled)}`);
    }
  }
};

/** `GET /v1/balance_transactions?payout=`: the payout's transactions, as a list filtered by the others. */
const paidOutPage = (
  data: AccountData,
  payout: string,
  params: ListParams,
  url: string,
  matches: (item: Listed) => boolean,
) => {
  const current = (entry: Listed) => data.objects.balance_transactions.get(entry.id)!;
  const page = listPage(
    data.paidOut.get(payout) ?? sortedList<Listed>(),
    params,
    url,
    'balance_transaction',
    (entry) => matches(current(entry)),
  );
  return { ...page, data: page.data.map(current) };
};

export const startStripeApi = async (options: StripeApiOptions = {}) => {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const dice = rng(options.seed ?? 1);
  const accounts = new Map<string, AccountData>([[PLATFORM_ACCOUNT, emptyAccount()]]);
  const key = 'sk_test_standin_full_access_0000';
  const keys = new Map<string, ReadonlySet<Resource>>([[key, new Set(RESOURCES)]]);
  const faults: Faults = {
    rateLimited: 0,
    serverErrors: 0,
    shouldRetry: undefined,
    enforceRps: 0,
    latencyMs: 0,
  };
  const requests: RecordedRequest[] = [];
  let requestSeq = 0;

  const accountOf = (account: string | undefined): AccountData => {
    const id = account ?? PLATFORM_ACCOUNT;
    let data = accounts.get(id);
    if (data === undefined) {
      data = emptyAccount();
      accounts.set(id, data);
    }
    return data;
  };

  const putObject = (data: AccountData, object: Json, asOf: number) => {
    const resource = RESOURCE_OF_OBJECT[String(object.object)];
    if (resource === undefined || typeof object.id !== 'string' || typeof object.created !== 'number') return;
    if ((data.objectAsOf.get(object.id) ?? -Infinity) > asOf) return;
    data.objectAsOf.set(object.id, asOf);
    data.objects[resource].put(object as Listed);
  };

  const inWindow = (at: number) => {
    let count = 0;
    for (let i = requests.length - 1; i >= 0 && requests[i]!.at > at - 1000; i -= 1) count += 1;
    return count;
  };

  const app = express();
  app.set('query parser', 'extended');
  app.disable('x-powered-by');

  app.use((req, res, next) => {
    const at = Date.now();
    const account = req.get('Stripe-Account') ?? null;
    const recorded: RecordedRequest = { at, path: req.path, status: 0, account };
    requests.push(recorded);
    res.setHeader('Request-Id', `req_standin_${(requestSeq += 1)}`);
    res.on('finish', () => (recorded.status = res.statusCode));
    const proceed = () => {
      if (faults.enforceRps > 0 && inWindow(at) > faults.enforceRps) {
        return stripeError(
          res,
          429,
          {
            type: 'invalid_request_error',
            code: 'rate_limit',
            message: 'Too many requests hit the API too quickly.',
          },
          faults.shouldRetry === undefined ? {} : { 'Stripe-Should-Retry': faults.shouldRetry },
        );
      }
      const retryHeader =
        faults.shouldRetry === undefined ? {} : { 'Stripe-Should-Retry': faults.shouldRetry };
      if (dice() < faults.rateLimited) {
        return stripeError(
          res,
          429,
          {
            type: 'invalid_request_error',
            code: 'lock_timeout',
            message: 'Too many requests hit the API too quickly.',
          },
          retryHeader,
        );
      }
      if (dice() < faults.serverErrors) {
        return stripeError(
          res,
          500,
          { type: 'api_error', message: 'An unknown error occurred' },
          retryHeader,
        );
      }
      next();
    };
    if (faults.latencyMs > 0) setTimeout(proceed, faults.latencyMs);
    else proceed();
  });

  /** Authenticates and scopes a request; answers 401/403 itself and returns null when it may not go on. */
  const authorised = (req: Request, res: Response, resource: Resource): AccountData | null => {
    const header = req.get('Authorization') ?? '';
    const presented = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    const allowed = keys.get(presented);
    if (allowed === undefined) {
      stripeError(res, 401, {
        type: 'invalid_request_error',
        message:
          presented === ''
            ? 'You did not provide an API key. You need to provide your API key in the Authorization header.'
            : `Invalid API Key provided: ${masked(presented)}`,
      });
      return null;
    }
    const account = req.get('Stripe-Account');
    if (account !== undefined && !accounts.has(account)) {
      stripeError(res, 403, {
        type: 'invalid_request_error',
        code: 'account_invalid',
        message: `The provided key '${masked(presented)}' does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`,
      });
      return null;
    }
    if (!allowed.has(resource)) {
      stripeError(res, 403, {
        type: 'invalid_request_error',
        message: `The provided key '${masked(presented)}' does not have the required permissions for this endpoint on account '${account ?? PLATFORM_ACCOUNT}'. Having the 'rak_${NOUNS[resource]}_read' permission would allow this request to continue.`,
      });
      return null;
    }
    return accountOf(account);
  };

  const invalid = (res: Response, error: unknown) => {
    if (!(error instanceof InvalidParameter)) throw error;
    stripeError(res, 400, {
      type: 'invalid_request_error',
      code: error.code,
      param: error.param,
      message: error.message,
    });
  };

  for (const resource of RESOURCES) {
    if (resource === 'balance') continue;
    app.get(`/v1/${resource}`, (req, res) => {
      const data = authorised(req, res, resource);
      if (data === null) return;
      try {
        const query = req.query as Query;
        const params = listParams(query);
        const matches = filterOf(resource, query, data);
        if (resource === 'events') {
          // Stripe keeps events for 30 days: older ones are not listed, whatever `created` asks for.
          const oldest = now() - EVENT_RETENTION_SECONDS;
          const created = { ...params.created, gte: Math.max(params.created.gte ?? oldest, oldest) };
          res.json(listPage(data.events, { ...params, created }, '/v1/events', 'event', matches));
          return;
        }
        const url = `/v1/${resource}`;
        const page =
          resource === 'balance_transactions' && isString(query.payout)
            ? paidOutPage(data, query.payout, params, url, matches)
            : listPage(data.objects[resource], params, url, NOUNS[resource], matches);
        if (resource !== 'balance_transactions') return void res.json(page);
        const sourceOf = (id: string) =>
          (['charges', 'refunds', 'disputes', 'payouts'] as const)
            .map((r) => data.objects[r].get(id) as Json | undefined)
            .find((o) => o !== undefined);
        res.json(expandSources(page as unknown as { data: Json[] }, query, sourceOf));
      } catch (error) {
        invalid(res, error);
      }
    });
  }

  app.get('/v1/events/:id', (req, res) => {
    const data = authorised(req, res, 'events');
    if (data === null) return;
    const event = data.events.get(req.params.id);
    if (event === undefined || event.created < now() - EVENT_RETENTION_SECONDS) {
      stripeError(res, 404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'id',
        message: `No such event: '${req.params.id}'`,
      });
      return;
    }
    res.json(event);
  });

  app.get('/v1/balance', (req, res) => {
    const data = authorised(req, res, 'balance');
    if (data !== null) res.json(data.balance);
  });

  app.use((req: Request, res: Response) =>
    stripeError(res, 404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${req.method}: ${req.path}).`,
    }),
  );

  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  let connections = 0;
  server.on('connection', () => (connections += 1));

  return {
    /** For STRIPE_API_BASE. */
    base: `http://127.0.0.1:${port}`,
    /** A secret key that reads everything. */
    key,
    faults,
    /** Every request in arrival order (at: ms since epoch, status once answered). */
    requests,
    /** A restricted key (rk_test_...) that reads only `resources`. */
    restrictedKey: (resources: readonly Resource[]): string => {
      const restricted = `rk_test_standin_${keys.size.toString().padStart(4, '0')}_${resources.join('_')}`;
      keys.set(restricted, new Set(resources));
      return restricted;
    },
    /** Creates a connected account (its data is separate from the platform's). */
    addAccount: (account: string) => void accountOf(account),
    /** Events as Stripe would list them; each event's object becomes the stored object unless a newer event set it. */
    addEvents: (events: readonly StripeEventJson[], opts: { account?: string; delivered?: boolean } = {}) => {
      const data = accountOf(opts.account);
      for (const event of events) {
        data.events.put(event);
        if (opts.delivered !== undefined) data.delivered.set(event.id, opts.delivered);
        putObject(data, event.data.object, event.created);
      }
    },
    /** Objects with no events (older than the event window, or balance transactions and payouts). */
    addObjects: (objects: readonly Json[], opts: { account?: string } = {}) => {
      const data = accountOf(opts.account);
      for (const object of objects) putObject(data, object, now());
    },
    /** Records that automatic payout `payoutId` paid out these balance transactions (added before). */
    payOut: (payoutId: string, transactionIds: readonly string[], opts: { account?: string } = {}) => {
      const data = accountOf(opts.account);
      let list = data.paidOut.get(payoutId);
      if (list === undefined) {
        list = sortedList<Listed>();
        data.paidOut.set(payoutId, list);
      }
      for (const id of transactionIds) {
        const bt = data.objects.balance_transactions.get(id);
        if (bt === undefined) throw new Error(`payOut(${payoutId}): no balance transaction ${id} was added`);
        list.put({ id, created: bt.created });
      }
    },
    setBalance: (balance: Json, opts: { account?: string } = {}) => {
      accountOf(opts.account).balance = { object: 'balance', livemode: false, ...balance };
    },
    /** The stored object, as a list endpoint would return it today. */
    object: (resource: ObjectResource, id: string, opts: { account?: string } = {}) =>
      accountOf(opts.account).objects[resource].get(id),
    /** The most requests that arrived within any window of `ms` milliseconds. */
    maxRequestsInWindow: (ms = 1000): number => {
      let most = 0;
      let start = 0;
      for (let end = 0; end < requests.length; end += 1) {
        while (requests[end]!.at - requests[start]!.at >= ms) start += 1;
        most = Math.max(most, end - start + 1);
      }
      return most;
    },
    /** TCP connections accepted so far: requests on a kept-alive connection do not add one. */
    connections: (): number => connections,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};

export type StripeApiStandIn = Awaited<ReturnType<typeof startStripeApi>>;
