import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { serve, type Role, type Running } from '../../src/cli/serve.js';
import type { Projection } from '../../projections/projection.js';
import { TEST_SECRET } from './stripeEvents.js';
import { embeddedTestDatabase } from './testDatabase.js';
import { TOKEN } from './queryApi.js';
import { waitFor } from './waitFor.js';

export type TestServer = Running & { url: string };

/**
 * The real server, in process, on an ephemeral port, against the given database: a postgres:// url, the
 * `embedded://` url of an embedded test database (served in process, whatever the role), or '' for an
 * embedded database of its own in `dataDir` (LEDGER_DATA_DIR), by default a temporary folder removed at stop.
 */
export const startLedger = async (
  databaseUrl: string,
  options: {
    role?: Role;
    env?: Record<string, string>;
    projections?: readonly Projection[];
    dataDir?: string;
    /** The server's logger (default: silent, or TEST_LOG_LEVEL). */
    logger?: Logger;
  } = {},
): Promise<TestServer> => {
  const temporaryDir =
    databaseUrl === '' && options.dataDir === undefined
      ? mkdtempSync(join(tmpdir(), 'stripe-ledger-test-'))
      : undefined;
  const shared = embeddedTestDatabase(databaseUrl);
  const config = loadConfig({
    DATABASE_URL: shared ? '' : databaseUrl,
    LEDGER_DATA_DIR: options.dataDir ?? temporaryDir ?? '',
    STRIPE_WEBHOOK_SECRET: TEST_SECRET,
    PORT: '0',
    LEDGER_API_TOKENS: 'test-token-0123456789',
    ...options.env,
  });
  const level = process.env.TEST_LOG_LEVEL;
  let running: Running;
  try {
    running = await serve(config, options.logger ?? pino({ level: level ?? 'silent' }), {
      role: options.role ?? 'all',
      projections: options.projections,
      ...(level === undefined && { notice: () => undefined }),
      ...(shared && { db: shared }),
    });
  } catch (error) {
    if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...running,
    url: running.url ?? '',
    stop: async () => {
      await running.stop();
      if (temporaryDir) rmSync(temporaryDir, { recursive: true, force: true });
    },
  };
};

/** What a web role on `databaseUrl` tells operators and finance: its health report, once it answers,
 * its /metrics, and the Ledger-Stale header of a payments list. */
export const webRoleSignals = async (
  databaseUrl: string,
): Promise<{ health: Record<string, unknown>; metrics: string; stale: string | null }> => {
  const server = await startLedger(databaseUrl, { role: 'web' });
  try {
    let health: Record<string, unknown> = {};
    await waitFor(
      async () => {
        health = (await (await fetch(`${server.url}/api/webhooks/health`)).json()) as typeof health;
        return health.status !== undefined;
      },
      { what: 'health to answer' },
    );
    const payments = await fetch(`${server.url}/api/payments?limit=1`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    return {
      health,
      metrics: await (await fetch(`${server.url}/metrics`)).text(),
      stale: payments.headers.get('ledger-stale'),
    };
  } finally {
    await server.stop();
  }
};
