import { z } from 'zod';
import { parseDatabaseUrl } from './databaseUrl.js';
import { eventStoreConnectionStringProblem } from './eventStoreConnectionString.js';

/** Everything the process reads from its environment (SPEC section 9). Nothing else reads process.env. */
const csv = (value: string) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/** A whole number written in decimal, from min to max: `0x10`, `1e3` or `5.0` are mistakes, not numbers. */
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`);

const WEBHOOK_SECRET_PREFIX = 'whsec_';

const schema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .min(1)
    .transform((value, ctx) => {
      const parsed = parseDatabaseUrl(value);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return { value, ...parsed.parts };
    })
    .optional(),
  EVENT_STORE: z.enum(['postgres', 'eventstoredb']).default('postgres'),
  EVENTSTORE_CONNECTION_STRING: z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const problem = eventStoreConnectionStringProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .optional()
    .transform((value) => (value === undefined ? [] : csv(value)))
    .refine(
      (secrets) => secrets.every((secret) => secret.startsWith(WEBHOOK_SECRET_PREFIX)),
      'every secret must start with whsec_',
    )
    .refine(
      (secrets) => secrets.every((secret) => secret.length > WEBHOOK_SECRET_PREFIX.length),
      'a secret is whsec_ with nothing after it, so anyone could sign webhooks',
    ),
  STRIPE_WEBHOOK_TOLERANCE: wholeNumber(1, 86_400).default(300),
  LEDGER_API_TOKENS: z
    .string()
    .optional()
    .transform((value) => (value === undefined ? [] : csv(value))),
  PORT: z
    .string()
    .trim()
    .regex(/^\d{1,5}$/, 'must be a port number from 0 to 65535')
    .transform(Number)
    .refine((port) => port <= 65_535, 'must be a port number from 0 to 65535')
    .default(4000),
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LEDGER_DATA_DIR: z.string().trim().min(1).default('./.stripe-ledger'),
  LEDGER_READER_PASSWORD: z.string().min(8).optional(),
  STRIPE_API_KEY: z
    .string()
    .trim()
    .refine(
      (value) => /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(value),
      'must be a secret (sk_...) or restricted (rk_...) key',
    )
    .optional(),
  STRIPE_API_BASE: z
    .string()
    .trim()
    .default('https://api.stripe.com')
    .transform((value, ctx) => {
      const url = URL.canParse(value) ? new URL(value) : null;
      // Anything but scheme, host and port would be dropped without a word: the client builds its own paths.
      if (
        url === null ||
        (url.protocol !== 'https:' && url.protocol !== 'http:') ||
        url.pathname.length > 1 ||
        url.search !== '' ||
        url.hash !== '' ||
        url.username !== '' ||
        url.password !== ''
      ) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be an http(s) URL with no path, query or credentials, e.g. https://api.stripe.com',
        });
        return z.NEVER;
      }
      const protocol = url.protocol === 'https:' ? ('https' as const) : ('http' as const);
      return { host: url.hostname, port: Number(url.port || (protocol === 'https' ? 443 : 80)), protocol };
    }),
  STRIPE_SYNC_INTERVAL: wholeNumber(0, 86_400).optional(),
  STRIPE_API_RPS: wholeNumber(1, 100).default(20),
  STRIPE_SYNC_ACCOUNTS: z
    .string()
    .optional()
    .transform((value) => (value === undefined ? [] : csv(value)))
    .refine(
      (accounts) => accounts.every((account) => /^acct_[A-Za-z0-9]+$/.test(account)),
      'every account must be an acct_... id',
    )
    // Listed twice, an account's balance would count twice in the balance check: a mismatch that is not.
    .refine((accounts) => new Set(accounts).size === accounts.length, 'an account is listed twice'),
});

export type Config = {
  databaseUrl: string | undefined;
  /** `host:port/database` of DATABASE_URL, without its credentials: what messages name. */
  databaseAddress: string | undefined;
  eventStore: 'postgres' | 'eventstoredb';
  eventStoreConnectionString: string | undefined;
  webhookSecrets: string[];
  webhookToleranceSeconds: number;
  apiTokens: string[];
  port: number;
  host: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  dataDir: string;
  readerPassword: string | undefined;
  stripe: StripeApiConfig;
  /** What the embedded development mode lets pass but production would refuse (placeholders, short tokens). */
  warnings: string[];
};

/** The Stripe API the sync reads (SPEC section 11). */
export type StripeApiConfig = {
  /** Undefined: no sync. */
  apiKey: string | undefined;
  base: { host: string; port: number; protocol: 'http' | 'https' };
  requestsPerSecond: number;
  /** Seconds between the server's own passes; 0 when it runs none (no key, or turned off). */
  syncIntervalSeconds: number;
  /** Connected accounts read with the Stripe-Account header, besides the account of the key. */
  accounts: string[];
};

export class ConfigError extends Error {}

const HINTS: Record<string, string> = {
  STRIPE_WEBHOOK_SECRET: 'set it to the whsec_... signing secret of your webhook endpoint',
  EVENTSTORE_CONNECTION_STRING: 'set it to e.g. esdb://localhost:2113?tls=false',
  STRIPE_API_KEY:
    'create a restricted key with read access in the Stripe Dashboard (see README, Stripe sync)',
};

/** Parses the environment; throws ConfigError with one line naming the first bad variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`${name} is invalid: ${issue.message}${HINTS[name] ? ` (${HINTS[name]})` : ''}`);
  }
  const value = parsed.data;
  if (value.EVENT_STORE === 'eventstoredb' && !value.EVENTSTORE_CONNECTION_STRING) {
    throw new ConfigError(
      `EVENTSTORE_CONNECTION_STRING is missing: EVENT_STORE=eventstoredb needs it (${HINTS.EVENTSTORE_CONNECTION_STRING})`,
    );
  }
  const problems = secretProblems(value);
  if (value.DATABASE_URL && problems.length > 0) {
    throw new ConfigError(`${problems[0]} (refused on PostgreSQL: set a real secret)`);
  }
  return {
    warnings: problems,
    databaseUrl: value.DATABASE_URL?.value,
    databaseAddress: value.DATABASE_URL
      ? `${value.DATABASE_URL.host}:${value.DATABASE_URL.port}/${value.DATABASE_URL.database}`
      : undefined,
    eventStore: value.EVENT_STORE,
    eventStoreConnectionString: value.EVENTSTORE_CONNECTION_STRING,
    webhookSecrets: value.STRIPE_WEBHOOK_SECRET,
    webhookToleranceSeconds: value.STRIPE_WEBHOOK_TOLERANCE,
    apiTokens: value.LEDGER_API_TOKENS,
    port: value.PORT,
    host: value.HOST,
    logLevel: value.LOG_LEVEL,
    dataDir: value.LEDGER_DATA_DIR,
    readerPassword: value.LEDGER_READER_PASSWORD,
    stripe: {
      apiKey: value.STRIPE_API_KEY,
      base: value.STRIPE_API_BASE,
      requestsPerSecond: value.STRIPE_API_RPS,
      syncIntervalSeconds: value.STRIPE_API_KEY === undefined ? 0 : (value.STRIPE_SYNC_INTERVAL ?? 300),
      accounts: value.STRIPE_SYNC_ACCOUNTS,
    },
  };
};

/** `sync` needs a key. */
export const requireStripeApiKey = (config: Config): string => {
  if (config.stripe.apiKey === undefined) {
    throw new ConfigError(`STRIPE_API_KEY is missing: ${HINTS.STRIPE_API_KEY}`);
  }
  return config.stripe.apiKey;
};

/** Values copied from .env.example or a tutorial instead of a real secret. */
const PLACEHOLDER =
  /replace|change-?me|example|placeholder|your[-_ ]|secret_here|\.\.\.|^x+$|^(test|password|secret|token)$/i;
export const MIN_API_TOKEN_LENGTH = 16;
/**
 * Stripe's signing secrets carry 32 base64 characters after whsec_ (`stripe listen`'s, 64 hex): a much
 * shorter key is no secret Stripe made but one typed by hand, short enough to guess, and whoever guesses
 * it forges webhooks. Stripe does not promise the length, so the floor is half a real key (the API
 * tokens' floor too), not the whole of one.
 */
export const MIN_WEBHOOK_SECRET_KEY_LENGTH = 16;

/** Secrets that are placeholders, and webhook secrets and API tokens short enough to guess: one line each,
 * naming the variable, never quoting the value. */
const secretProblems = (value: z.infer<typeof schema>): string[] => {
  const problems: string[] = [];
  if (PLACEHOLDER.test(value.DATABASE_URL?.password ?? ''))
    problems.push("DATABASE_URL has a placeholder password (such as .env.example's POSTGRES_PASSWORD)");
  const webhookKeys = value.STRIPE_WEBHOOK_SECRET.map((secret) => secret.slice(WEBHOOK_SECRET_PREFIX.length));
  if (webhookKeys.some((key) => PLACEHOLDER.test(key)))
    problems.push(`STRIPE_WEBHOOK_SECRET is a placeholder: ${HINTS.STRIPE_WEBHOOK_SECRET}`);
  else if (webhookKeys.some((key) => key.length < MIN_WEBHOOK_SECRET_KEY_LENGTH))
    problems.push(
      `STRIPE_WEBHOOK_SECRET holds a secret too short to be one Stripe made (fewer than ${MIN_WEBHOOK_SECRET_KEY_LENGTH} characters after whsec_): ${HINTS.STRIPE_WEBHOOK_SECRET}`,
    );
  if (value.LEDGER_API_TOKENS.some((token) => PLACEHOLDER.test(token)))
    problems.push('LEDGER_API_TOKENS holds a placeholder: set long random tokens (openssl rand -hex 32)');
  if (value.LEDGER_API_TOKENS.some((token) => token.length < MIN_API_TOKEN_LENGTH))
    problems.push(
      `LEDGER_API_TOKENS holds a token shorter than ${MIN_API_TOKEN_LENGTH} characters: set long random tokens (openssl rand -hex 32)`,
    );
  if (value.LEDGER_READER_PASSWORD !== undefined && PLACEHOLDER.test(value.LEDGER_READER_PASSWORD))
    problems.push('LEDGER_READER_PASSWORD is a placeholder: set a real password or leave it unset');
  return problems;
};

/** `serve` needs a signing secret when it runs on a real PostgreSQL. */
export const requireWebhookSecrets = (config: Config): void => {
  if (config.webhookSecrets.length === 0) {
    throw new ConfigError(`STRIPE_WEBHOOK_SECRET is missing: ${HINTS.STRIPE_WEBHOOK_SECRET}`);
  }
};
