import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { demoScenario } from '../src/cli/demoEvents.js';
import { serve } from '../src/cli/serve.js';
import { loadConfig } from '../src/config/config.js';
import { packageRoot } from '../src/paths.js';
import { startLedger } from './support/ledgerServer.js';
import { postWebhook, signatureFor, TEST_SECRET } from './support/stripeEvents.js';
import { waitFor } from './support/waitFor.js';

const TOKEN = { authorization: 'Bearer test-token-0123456789' };
const getJson = async (url: string) => {
  const response = await fetch(url, { headers: TOKEN });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const mainScript = join(packageRoot, 'dist/src/cli/main.js');

/** `node dist/src/cli/main.js serve` with DATABASE_URL unset: its exit code and stderr. */
const serveInChild = (dataDir: string) =>
  new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LEDGER_DATA_DIR: dataDir, PORT: '0' };
    const child = spawn(process.execPath, [mainScript, 'serve'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });

describe('stripe-ledger serve on the embedded database (DATABASE_URL unset)', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'stripe-ledger-embedded-'));
    // The child-process test runs the built CLI; `npm test` builds first, a bare `npx jest` may not have.
    if (!existsSync(mainScript)) execFileSync('npm', ['run', 'build', '--silent'], { cwd: packageRoot });
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stores and projects signed webhooks, answers the query API, and keeps it all across a restart', async () => {
    const { events, payments, orderId } = demoScenario();
    let server = await startLedger('', { dataDir });
    try {
      const health = await getJson(`${server.url}/api/webhooks/health`);
      expect(health).toMatchObject({ status: 200, body: { database: { ok: true, kind: 'embedded' } } });
      for (const event of events) {
        expect(await postWebhook(server.url, event.body)).toMatchObject({ status: 200 });
      }
      expect(await postWebhook(server.url, events[0]!.body)).toEqual({
        status: 200,
        body: { received: true, duplicate: true },
      });
      // Health is cached for a second: wait for a fresh answer.
      await waitFor(
        async () =>
          ((await getJson(`${server.url}/api/webhooks/health`)).body as { event_store: { head: number } })
            .event_store.head === events.length,
        { what: 'health to show every stored event' },
      );

      const [paid, paidInEuros, refunded, partlyRefunded, disputed, retried] = payments.map((p) => p.id);
      await waitFor(async () => (await getJson(`${server.url}/api/payments/${retried}`)).status === 200, {
        what: 'the demo payments to be projected',
        timeoutMs: 30_000,
      });
      const payment = async (id: string | undefined) =>
        (await getJson(`${server.url}/api/payments/${id}`)).body;
      expect(await payment(paid)).toMatchObject({ payment_status: 'paid', amount_received: 2_900 });
      expect(await payment(paidInEuros)).toMatchObject({ payment_status: 'paid', currency: 'eur' });
      expect(await payment(refunded)).toMatchObject({ payment_status: 'refunded', amount_refunded: 4_900 });
      expect(await payment(partlyRefunded)).toMatchObject({
        payment_status: 'partially_refunded',
        amount_refunded: 3_000,
      });
      expect(await payment(disputed)).toMatchObject({ dispute_status: 'lost' });
      expect(await payment(retried)).toMatchObject({ payment_status: 'paid', amount_received: 5_500 });
      await waitFor(async () => (await getJson(`${server.url}/api/orders/${orderId}`)).status === 200, {
        what: 'the demo order to be projected',
      });
      expect((await getJson(`${server.url}/api/orders/${orderId}`)).body).toMatchObject({
        payment_status: 'paid',
        amount_paid: 22_500,
        payment_count: 2,
      });
    } finally {
      await server.stop();
    }

    server = await startLedger('', { dataDir });
    try {
      const health = await getJson(`${server.url}/api/webhooks/health`);
      expect(health.body).toMatchObject({ event_store: { head: events.length } });
      expect((await getJson(`${server.url}/api/payments/${payments[2]!.id}`)).body).toMatchObject({
        payment_status: 'refunded',
      });
      expect(await postWebhook(server.url, events[1]!.body)).toMatchObject({ body: { duplicate: true } });
    } finally {
      await server.stop();
    }
  });

  it('refuses a second process on the same folder with one clear line', async () => {
    const server = await startLedger('', { dataDir });
    try {
      const second = await serveInChild(dataDir);
      expect(second.code).toBe(1);
      expect(second.stderr).toMatch(
        new RegExp(
          `^stripe-ledger: the embedded database in .+ is in use by another stripe-ledger process: stop it and ` +
            'run this again; if that process was killed, its lock is taken over in \\d+ s \\(once unrenewed for 20 s\\)\n$',
        ),
      );
      expect(second.stderr).toContain(dataDir);
    } finally {
      await server.stop();
    }
  });

  it('refuses the web and projector roles, which would need a second process', async () => {
    const config = loadConfig({ LEDGER_DATA_DIR: dataDir, PORT: '0', STRIPE_WEBHOOK_SECRET: TEST_SECRET });
    for (const role of ['web', 'projector'] as const) {
      await expect(serve(config, pino({ level: 'silent' }), { role })).rejects.toThrow(
        `serve --role ${role} needs DATABASE_URL: the embedded database serves one process`,
      );
    }
  });

  it('starts without STRIPE_WEBHOOK_SECRET on a development secret made once and shown at every start', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'stripe-ledger-secret-'));
    const start = async () => {
      let banner = '';
      const running = await serve(
        loadConfig({ LEDGER_DATA_DIR: folder, PORT: '0' }),
        pino({ level: 'silent' }),
        {
          role: 'all',
          notice: (text) => (banner += text),
        },
      );
      return { running, url: running.url!, banner };
    };
    try {
      const first = await start();
      const secretFile = join(folder, 'webhook-secret');
      const secret = readFileSync(secretFile, 'utf8').trim();
      expect(secret).toMatch(/^whsec_[0-9a-f]{64}$/);
      expect(statSync(secretFile).mode & 0o777).toBe(0o600);
      expect(first.banner).toContain('For development and evaluation only');
      expect(first.banner).toContain('not crash-durable');
      expect(first.banner).toContain('set DATABASE_URL=postgres://');
      expect(first.banner).toContain(secret);
      expect(first.banner).toContain('stripe listen --print-secret');
      const [event] = demoScenario().events;
      expect(await postWebhook(first.url, event!.body, signatureFor(event!.body))).toMatchObject({
        status: 400,
      });
      expect(await postWebhook(first.url, event!.body, signatureFor(event!.body, secret))).toMatchObject({
        status: 200,
      });
      await first.running.stop();

      const second = await start();
      expect(second.banner).toContain(secret);
      await second.running.stop();
      expect(readFileSync(secretFile, 'utf8').trim()).toBe(secret);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('keeps requiring STRIPE_WEBHOOK_SECRET on PostgreSQL', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://127.0.0.1:1/none', PORT: '0' });
    await expect(serve(config, pino({ level: 'silent' }), { role: 'all' })).rejects.toThrow(
      'STRIPE_WEBHOOK_SECRET is missing',
    );
  });
});
