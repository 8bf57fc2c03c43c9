import { waitFor } from './support/waitFor.js';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { serve, type Running } from '../src/cli/serve.js';
import { loadConfig } from '../src/config/config.js';
import { packageRoot } from '../src/paths.js';
import { TEST_SECRET } from './support/stripeEvents.js';

const mainScript = join(packageRoot, 'dist/src/cli/main.js');

/** `stripe-ledger demo ...` as a user runs it: its exit code, stdout and stderr. */
const demo = (args: string[], env: Record<string, string>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [mainScript, 'demo', ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

const closedPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('stripe-ledger demo', () => {
  let dataDir: string;
  let ledger: Running;
  beforeAll(async () => {
    if (!existsSync(mainScript)) execFileSync('npm', ['run', 'build', '--silent'], { cwd: packageRoot });
    dataDir = mkdtempSync(join(tmpdir(), 'stripe-ledger-demo-'));
    // As after `npm start` on a fresh machine: embedded database, development secret, no API tokens.
    ledger = await serve(loadConfig({ LEDGER_DATA_DIR: dataDir, PORT: '0' }), pino({ level: 'silent' }), {
      role: 'all',
      notice: () => undefined,
    });
  });
  afterAll(async () => {
    await ledger?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const head = async () =>
    ((await (await fetch(`${ledger.url}/api/webhooks/health`)).json()) as { event_store: { head: number } })
      .event_store.head;

  it('sends a signed story of payments, signed with the development secret of LEDGER_DATA_DIR, and says how to look at it', async () => {
    const before = await head();
    const run = await demo(['--url', ledger.url!], { LEDGER_DATA_DIR: dataDir });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain(`sent 33 signed events for 8 payments to ${ledger.url}, all stored:`);
    expect(run.stdout.match(/^ {2}pi_demo_\w+ /gm)).toHaveLength(8);
    expect(run.stdout).toMatch(/refunded in full/);
    expect(run.stdout).toMatch(/disputed and lost/);
    expect(run.stdout).toMatch(/card declined, then paid/);
    expect(run.stdout).toContain(`curl -s -H "Authorization: Bearer <token>" ${ledger.url}/api/payments`);
    // Health is cached for a second: wait for a fresh answer.
    await waitFor(async () => (await head()) === before + 33, { what: 'health to show the 33 events' });
  });

  it('falls back to STRIPE_WEBHOOK_SECRET when the ledger does not verify with the development secret', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'stripe-ledger-demo-'));
    const config = loadConfig({ LEDGER_DATA_DIR: otherDir, PORT: '0', STRIPE_WEBHOOK_SECRET: TEST_SECRET });
    const other = await serve(config, pino({ level: 'silent' }), { role: 'all', notice: () => undefined });
    try {
      const run = await demo(['--url', other.url!], {
        LEDGER_DATA_DIR: dataDir,
        STRIPE_WEBHOOK_SECRET: TEST_SECRET,
      });
      expect(run).toMatchObject({ code: 0, stderr: '' });
    } finally {
      await other.stop();
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('exits non-zero with one line when the secret is not the one the ledger verifies with', async () => {
    const run = await demo(['--url', ledger.url!, '--secret', 'whsec_not_the_right_one'], {});
    expect(run.code).not.toBe(0);
    expect(run.stderr).toBe(
      `stripe-ledger: the ledger at ${ledger.url} refused the signature: pass --secret with the whsec_... it verifies with (its start banner shows the development one, else its STRIPE_WEBHOOK_SECRET)\n`,
    );
  });

  it('exits non-zero with one line when the ledger is not reachable', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const run = await demo(['--url', url], { LEDGER_DATA_DIR: dataDir });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toBe(
      `stripe-ledger: cannot reach the ledger at ${url} (ECONNREFUSED): start it with npm start, or pass --url\n`,
    );
    expect(run.stdout).toBe('');
  });

  it('defaults to the ledger at HOST:PORT and to the secret in LEDGER_DATA_DIR', async () => {
    const port = new URL(ledger.url!).port;
    expect(readFileSync(join(dataDir, 'webhook-secret'), 'utf8')).toMatch(/^whsec_/);
    const run = await demo([], { LEDGER_DATA_DIR: dataDir, PORT: port });
    expect(run).toMatchObject({ code: 0, stderr: '' });
  });
});
