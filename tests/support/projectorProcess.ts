import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

export type ProjectorProcess = {
  child: ChildProcess;
  /** What the process writes into ledger.projection_checkpoints.owner while it holds a projection. */
  owner: string;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | NodeJS.Signals>;
  /** What it wrote to stderr so far, for failure messages. */
  stderr(): string;
  stop(): Promise<void>;
};

const mainScript = join(packageRoot, 'dist/src/cli/main.js');

/** The built CLI, `stripe-ledger serve --role projector`, as its own process. It serves no HTTP:
 * watch ledger.projection_checkpoints to see what it does. */
export const spawnProjector = (databaseUrl: string, env: Record<string, string> = {}): ProjectorProcess => {
  if (!existsSync(mainScript)) throw new Error(`${mainScript} is missing: run npm run build first`);
  const child = spawn(process.execPath, [mainScript, 'serve', '--role', 'projector'], {
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code ?? 0)),
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    child,
    owner: `${hostname()}:${child.pid}`,
    exited,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};
