import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from '../../src/paths.js';

const lockModule = join(packageRoot, 'dist/src/db/pgliteLock.js');

// Loads the built lock module, says `ready`, waits for `go` on stdin (so that several can start at the
// same instant), then takes the folder: `locked` on stdout and held until killed, or the refusal on
// stderr and exit 1.
const script = `
import { createInterface } from 'node:readline';
const { lockDataDir } = await import(process.argv[1]);
const [dir, staleMs] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin });
console.log('ready');
for await (const line of lines) if (line === 'go') break;
try {
  await lockDataDir(dir, {
    staleMs: Number(staleMs),
    onCompromised: (error) => { console.log('compromised ' + error.message); process.exit(3); },
  });
  console.log('locked');
} catch (error) {
  process.stderr.write(error.message + '\\n');
  process.exit(1);
}
setInterval(() => undefined, 1000);
`;

export type LockContender = {
  child: ChildProcess;
  go(): void;
  /** `locked` once it holds the folder, or its exit code and stderr when it was refused. */
  outcome: Promise<{ locked: true } | { locked: false; code: number | null; stderr: string }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
};

/** A separate Node process that takes the embedded data folder `dir` with the built lock module. */
export const lockContender = async (dir: string, staleMs: number): Promise<LockContender> => {
  if (!existsSync(lockModule)) execFileSync('npm', ['run', 'build', '--silent'], { cwd: packageRoot });
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', script, lockModule, dir, String(staleMs)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const lines = createInterface({ input: child.stdout! });
  const said = (word: string) =>
    new Promise<boolean>((resolve) => {
      lines.on('line', (line) => line === word && resolve(true));
      void exited.then(() => resolve(false));
    });
  const ready = said('ready');
  const locked = said('locked');
  if (!(await ready)) throw new Error(`the lock contender exited before it was ready: ${stderr}`);
  return {
    child,
    go: () => child.stdin!.write('go\n'),
    outcome: Promise.race([
      locked.then((yes) => (yes ? ({ locked: true } as const) : new Promise<never>(() => undefined))),
      exited.then(async (code) => ({ locked: false as const, code, stderr })),
    ]),
    kill: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
};
