import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/paths.js';
import { TEST_SECRET } from './stripeEvents.js';

export type LedgerProcess = {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | NodeJS.Signals>;
  stop(): Promise<void>;
};

const mainScript = join(packageRoot, 'dist/src/cli/main.js');

/** The built CLI, `stripe-ledger serve [args]`, as its own process on an ephemeral port. */
export const spawnLedger = async (
  databaseUrl: string,
  {
    args = [],
    env = {},
    startTimeoutMs = 20_000,
  }: { args?: string[]; env?: Record<string, string>; startTimeoutMs?: number } = {},
): Promise<LedgerProcess> => {
  if (!existsSync(mainScript)) throw new Error(`${mainScript} is missing: run npm run build first`);
  const child = spawn(process.execPath, [mainScript, 'serve', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      STRIPE_WEBHOOK_SECRET: TEST_SECRET,
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  // The log line `stripe-ledger listening` carries the URL; the rest of stdout is read and dropped.
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the server did not listen within ${startTimeoutMs} ms: ${stderr}`)),
      startTimeoutMs,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('stripe-ledger listening')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${how}) before listening: ${stderr}`));
    });
  });

  return {
    url,
    child,
    exited,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};
