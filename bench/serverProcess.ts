import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

export type ServerProcess = {
  pid: number;
  host: string;
  port: number;
  url: string;
  stop(): Promise<void>;
};

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.once('error', reject);
  });

/**
 * `stripe-ledger serve` from dist/, as production runs it (or another `script` answering the same health
 * path), logging to `logFile`; resolves once healthy.
 */
export const startServerProcess = async (options: {
  env: Record<string, string>;
  args?: string[];
  /** Another program to run instead of `dist/src/cli/main.js serve`, with its arguments. */
  script?: string[];
  /** Options for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
  logFile: string;
  startTimeoutMs?: number;
}): Promise<ServerProcess> => {
  const host = '127.0.0.1';
  const port = await freePort();
  const log = openSync(options.logFile, 'w');
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      ...(options.script ?? [join(packageRoot, 'dist/src/cli/main.js'), 'serve', ...(options.args ?? [])]),
    ],
    {
      env: { PATH: process.env.PATH ?? '', HOST: host, PORT: String(port), ...options.env },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(String(signal ?? code))),
  );
  let exitedEarly: string | undefined;
  void exited.then((how) => (exitedEarly = how));
  const url = `http://${host}:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exitedEarly !== undefined)
      throw new Error(`the server exited (${exitedEarly}) during start; see ${options.logFile}`);
    const healthy = await fetch(`${url}/api/webhooks/health`).then(
      (response) => response.ok,
      () => false,
    );
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server was not healthy in time; see ${options.logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    pid: child.pid!,
    host,
    port,
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};
