import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { paymentIntentSucceededFactory } from './paymentIntentSucceeded.js';
import { memoryMiB } from './procStats.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';
import { timedRequest, type Timed } from './timedRequest.js';

export const SECRET = 'whsec_bench_hostile_4c1d9e7a';
export const TOKEN = 'bench-hostile-token-0123456789';

/** A megabyte (10^6 bytes) in MiB, the unit /proc reports in: the targets are in MB. */
export const MB = 1_000_000 / 1024 / 1024;

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

/** `stripe-ledger serve` as `npm start` runs it (every role), on `databaseUrl`. */
export const startLedgerProcess = (name: string, databaseUrl: string): Promise<ServerProcess> =>
  startServerProcess({
    env: {
      DATABASE_URL: databaseUrl,
      STRIPE_WEBHOOK_SECRET: SECRET,
      LEDGER_API_TOKENS: TOKEN,
      LOG_LEVEL: 'warn',
    },
    logFile: join(tmpdir(), `stripe-ledger-bench-hostile-${name}-${process.pid}.log`),
    startTimeoutMs: 60_000,
  });

/** The highest RSS of a process while it runs, sampled every 100 ms, MiB. */
export const rssPeak = (pid: number) => {
  let peak = 0;
  const sample = () => {
    try {
      peak = Math.max(peak, memoryMiB(pid).rss);
    } catch {
      // exited
    }
  };
  sample();
  const timer = setInterval(sample, 100);
  return {
    peak: () => peak,
    stop: () => {
      clearInterval(timer);
      sample();
      return peak;
    },
  };
};

export type SignedWebhook = { id: string; paymentId: string; body: Buffer; signature: string };

/** Distinct payment_intent.succeeded deliveries as Stripe signs them (about 2 KB each). */
export const webhooks = () => {
  const next = paymentIntentSucceededFactory(SECRET);
  return (): SignedWebhook => {
    const { body, signature } = next();
    const text = body.toString('utf8');
    return {
      id: /"id": "(evt_[^"]+)"/.exec(text)![1]!,
      paymentId: /"id": "(pi_[^"]+)"/.exec(text)![1]!,
      body,
      signature,
    };
  };
};

export const deliver = (
  agent: http.Agent,
  server: ServerProcess,
  webhook: SignedWebhook,
  timeoutMs = 15_000,
) =>
  timedRequest(agent, `${server.url}/api/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': webhook.signature },
    body: webhook.body,
    timeoutMs,
  });

/** `200 x 980, 503 x 20, no answer x 1`. */
export const statusesOf = (answers: readonly Timed[]): string => {
  const counts = new Map<number, number>();
  for (const answer of answers) counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status === 0 ? 'no answer' : status} x ${count}`)
    .join(', ');
};

/** Runs `tasks` with at most `concurrency` under way. */
export const limited = async <T>(tasks: (() => Promise<T>)[], concurrency: number): Promise<T[]> => {
  const results: T[] = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
};

/** One line of a scenario's table: the figure, its target, and whether it was met. */
export type Figure = { figure: string; measured: string; target: string; met: 'yes' | 'NO' };
export const figure = (name: string, measured: string, target: string, met: boolean): Figure => ({
  figure: name,
  measured,
  target,
  met: met ? 'yes' : 'NO',
});
