import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { serve, type Role, type Running } from '../../src/cli/serve.js';
import type { Projection } from '../../projections/projection.js';
import { TEST_SECRET } from './stripeEvents.js';

export type TestServer = Running & { url: string };

/** The real server, in process, on an ephemeral port, against the given database. */
export const startLedger = async (
  databaseUrl: string,
  options: { role?: Role; env?: Record<string, string>; projections?: readonly Projection[] } = {},
): Promise<TestServer> => {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    STRIPE_WEBHOOK_SECRET: TEST_SECRET,
    PORT: '0',
    LEDGER_API_TOKENS: 'test-token',
    ...options.env,
  });
  const running = await serve(config, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), {
    role: options.role ?? 'all',
    projections: options.projections,
  });
  return { ...running, url: running.url ?? '' };
};
