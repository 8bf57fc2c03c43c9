/**
 * The peer for the ingest benchmark: @supabase/stripe-sync-engine (benchmark-only devDependency) behind a
 * plain node HTTP server, as its README wires it: `new StripeSync({ poolConfig, schema, stripeSecretKey,
 * stripeWebhookSecret })` and `processWebhook(rawBody, signature)` per delivery, answering 200 once it
 * returned. Its tables live in the schema named by SCHEMA (its default, `stripe`) of DATABASE_URL, made
 * by its own runMigrations. It verifies the signature with the stripe library, then upserts the object;
 * for payment_intent.succeeded (a final state) it makes no Stripe API call, so the secret key is unused.
 * Env: DATABASE_URL, SCHEMA, STRIPE_WEBHOOK_SECRET, HOST, PORT, PEER_POOL_SIZE (default 10, pg's).
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import pg from 'pg';
import { errorMessage } from '../src/shared/errorMessage.js';

// Its ESM build (0.48.5) resolves its migrations folder with __dirname, which ESM does not define, so
// runMigrations fails there; its CommonJS build works.
const { runMigrations, StripeSync } = createRequire(import.meta.url)(
  '@supabase/stripe-sync-engine',
) as typeof import('@supabase/stripe-sync-engine');

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') throw new Error(`peer server: ${name} is required`);
  return value;
};

const MAX_BODY = 1024 * 1024;

const readBody = (req: http.IncomingMessage) =>
  new Promise<Buffer | null>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => resolve(length > MAX_BODY ? null : Buffer.concat(chunks, length)));
    req.on('error', reject);
  });

const answer = (res: http.ServerResponse, status: number, body: Record<string, unknown>) => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};

const main = async () => {
  const databaseUrl = env('DATABASE_URL');
  const schema = env('SCHEMA', 'stripe');
  // runMigrations logs a failure instead of throwing, so the outcome is checked here.
  const logger = {
    info: () => undefined,
    warn: () => undefined,
    error: (...args: unknown[]) => process.stderr.write(`peer migrations: ${args.map(String).join(' ')}\n`),
  };
  await runMigrations({ databaseUrl, schema, logger: logger as never });
  const check = new pg.Client({ connectionString: databaseUrl });
  await check.connect();
  const { rows } = await check.query<{ table: string | null }>('SELECT to_regclass($1)::text AS table', [
    `${schema}.payment_intents`,
  ]);
  await check.end();
  if (!rows[0]?.table)
    throw new Error(`peer server: its migrations did not create ${schema}.payment_intents`);

  const sync = new StripeSync({
    poolConfig: { connectionString: databaseUrl, max: Number(env('PEER_POOL_SIZE', '10')) },
    schema,
    stripeSecretKey: 'sk_test_bench_peer_makes_no_api_calls',
    stripeWebhookSecret: env('STRIPE_WEBHOOK_SECRET'),
    backfillRelatedEntities: false,
  });
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/api/webhooks/health') return answer(res, 200, { ok: true });
    if (req.method !== 'POST' || req.url !== '/api/webhooks/stripe') return answer(res, 404, {});
    void readBody(req).then(
      async (body) => {
        if (body === null) return answer(res, 413, { error: 'payload too large' });
        try {
          await sync.processWebhook(body, req.headers['stripe-signature'] as string | undefined);
          answer(res, 200, { received: true });
        } catch (error) {
          const signature = error instanceof Error && /signature/i.test(error.message);
          answer(res, signature ? 400 : 500, { error: error instanceof Error ? error.message : 'failed' });
        }
      },
      () => answer(res, 400, { error: 'unreadable body' }),
    );
  });
  server.keepAliveTimeout = 65_000;
  server.listen(Number(env('PORT')), env('HOST', '127.0.0.1'));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
};

main().catch((error: unknown) => {
  process.stderr.write(`${errorMessage(error)}\n`);
  process.exit(1);
});
