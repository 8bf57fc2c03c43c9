import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';

/** `stripe-ledger serve --role projector` from dist/: it serves no HTTP, so it is ready once spawned. */
export const startProjectorProcess = (options: {
  env: Record<string, string>;
  logFile: string;
  /** Options for node itself, e.g. --cpu-prof. */
  nodeArgs?: string[];
}) => {
  const log = openSync(options.logFile, 'w');
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), join(packageRoot, 'dist/src/cli/main.js'), 'serve', '--role', 'projector'],
    {
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', log, log],
    },
  );
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};
