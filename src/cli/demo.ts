import { Command, InvalidArgumentError } from 'commander';
import Stripe from 'stripe';
import { type Config, loadConfig } from '../config/config.js';
import { readDevelopmentWebhookSecret } from '../runtime/embedded.js';
import { demoScenario, type DemoEvent, type DemoPayment } from './demoEvents.js';
import { errorMessage } from '../shared/errorMessage.js';

type Answer = { status: number; code: string | undefined; message: string | undefined };

const describe = (error: unknown): string => {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? errorMessage(error);
};

const post = async (url: string, event: DemoEvent, secret: string): Promise<Answer> => {
  const signature = Stripe.webhooks.generateTestHeaderString({ payload: event.body, secret });
  const response = await fetch(`${url}/api/webhooks/stripe`, {
    method: 'POST',
    body: event.body,
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
  });
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  return { status: response.status, code: body.error?.code, message: body.error?.message };
};

/** The secrets to try, in order: the development one of LEDGER_DATA_DIR, then STRIPE_WEBHOOK_SECRET. */
const candidateSecrets = (given: string | undefined, config: Config): string[] => {
  if (given) return [given];
  const development = readDevelopmentWebhookSecret(config.dataDir);
  return [...new Set([...(development ? [development] : []), ...config.webhookSecrets])];
};

const money = (payment: DemoPayment) =>
  `${(payment.amount / 100).toFixed(2).padStart(8)} ${payment.currency.toUpperCase()}`;

/** Sends the scenario; the first event also finds which candidate secret the ledger accepts. */
const send = async (url: string, secrets: string[], events: DemoEvent[]): Promise<void> => {
  let secret: string | undefined;
  for (const event of events) {
    let answer: Answer | undefined;
    for (const candidate of secret ? [secret] : secrets) {
      answer = await post(url, event, candidate).catch((error: unknown) => {
        throw new Error(`lost the ledger at ${url} while sending ${event.id} (${describe(error)})`, {
          cause: error,
        });
      });
      if (answer.code !== 'signature_mismatch') {
        secret = candidate;
        break;
      }
    }
    if (answer!.code === 'signature_mismatch') {
      throw new Error(
        `the ledger at ${url} refused the signature: pass --secret with the whsec_... it verifies with ` +
          '(its start banner shows the development one, else its STRIPE_WEBHOOK_SECRET)',
      );
    }
    if (answer!.status !== 200) {
      throw new Error(
        `the ledger at ${url} answered ${answer!.status} to ${event.type} ${event.id}: ${answer!.message ?? answer!.code ?? 'no reason given'}`,
      );
    }
  }
};

const howToLook = (url: string, database: string, orderId: string, firstPayment: string): string =>
  [
    'Look at them (the query API takes a bearer token from LEDGER_API_TOKENS: start the ledger with',
    'LEDGER_API_TOKENS=<token> set to use it):',
    `  curl -s -H "Authorization: Bearer <token>" ${url}/api/payments`,
    `  curl -s -H "Authorization: Bearer <token>" ${url}/api/payments/${firstPayment}`,
    `  curl -s -H "Authorization: Bearer <token>" ${url}/api/orders/${orderId}`,
    `  curl -s -H "Authorization: Bearer <token>" "${url}/api/payments?format=csv"`,
    `  curl -s ${url}/api/webhooks/health`,
    database === 'postgres'
      ? `  psql "$DATABASE_URL" -c 'SELECT payment_id, payment_status, amount, amount_refunded, dispute_status FROM ledger.payments'`
      : '  (the embedded database lives inside the ledger process: use the API, or PostgreSQL via DATABASE_URL for psql)',
  ].join('\n');

/** `--url`: the ledger's base URL; anything else is bad usage (exit 2), not a ledger out of reach. */
const ledgerUrl = (value: string): string => {
  const parsed = URL.canParse(value) ? new URL(value) : null;
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.host === '')
    throw new InvalidArgumentError('must be an http:// or https:// URL, such as http://127.0.0.1:4000');
  return value;
};

/** `stripe-ledger demo`: a realistic, signed sequence of Stripe test events sent to a running ledger. */
export const demoCommand = (): Command =>
  new Command('demo')
    .description('send a realistic sequence of signed Stripe test webhooks to a running ledger')
    .option('--url <url>', 'the ledger (default: http://HOST:PORT from the environment)', ledgerUrl)
    .option(
      '--secret <whsec>',
      "signing secret (default: LEDGER_DATA_DIR's development one, else STRIPE_WEBHOOK_SECRET)",
    )
    .action(async (options: { url?: string; secret?: string }) => {
      const config = loadConfig();
      const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
      const url = (options.url ?? `http://${host}:${config.port}`).replace(/\/+$/, '');
      let database: string;
      try {
        const health = await fetch(`${url}/api/webhooks/health`);
        database = ((await health.json()) as { database?: { kind?: string } }).database?.kind ?? 'unknown';
      } catch (error) {
        throw new Error(
          `cannot reach the ledger at ${url} (${describe(error)}): start it with npm start, or pass --url`,
          { cause: error },
        );
      }
      const secrets = candidateSecrets(options.secret, config);
      if (secrets.length === 0) {
        throw new Error(
          'no webhook secret: pass --secret whsec_..., set STRIPE_WEBHOOK_SECRET, or start the ledger on the ' +
            'embedded database first (it makes a development secret in LEDGER_DATA_DIR)',
        );
      }
      const { events, payments, orderId } = demoScenario();
      await send(url, secrets, events);
      const out = [
        `sent ${events.length} signed events for ${payments.length} payments to ${url}, all stored:`,
      ];
      for (const payment of payments) {
        out.push(`  ${payment.id}  ${money(payment)}  ${payment.story} (${payment.events} events)`);
      }
      out.push(howToLook(url, database, orderId, payments[0]!.id));
      process.stdout.write(`${out.join('\n')}\n`);
    });
