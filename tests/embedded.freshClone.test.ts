import { execFile, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import { waitFor } from './support/waitFor.js';

// About a minute on this machine (npm ci from the local cache, two TypeScript builds, initdb), so it
// runs when asked: STRIPE_LEDGER_SLOW_TESTS=1 npx jest tests/embedded.freshClone.test.ts
const slow = process.env.STRIPE_LEDGER_SLOW_TESTS === '1';
const TITLE = 'a fresh checkout with DATABASE_URL unset';
if (!slow)
  console.warn(`skipped "${TITLE}": slow (npm ci and two builds); set STRIPE_LEDGER_SLOW_TESTS=1 to run it`);

/** The working tree as a clone would have it once committed: tracked and new files, minus .gitignore's. */
const copyWorkingTree = (to: string) => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: packageRoot,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(packageRoot, file)));
  for (const file of files) {
    mkdirSync(dirname(join(to, file)), { recursive: true });
    copyFileSync(join(packageRoot, file), join(to, file));
  }
};

/** The environment of a machine that was never configured: no ledger variables, no outer npm run. */
const freshEnv = (extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('npm_') || key.startsWith('STRIPE_') || key.startsWith('LEDGER_')) continue;
    if (['DATABASE_URL', 'EVENT_STORE', 'PORT', 'HOST'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

(slow ? describe : describe.skip)(TITLE, () => {
  it('goes from npm ci to a healthy npm start on the embedded database', async () => {
    const checkout = mkdtempSync(join(tmpdir(), 'stripe-ledger-clone-'));
    try {
      copyWorkingTree(checkout);
      await new Promise<void>((resolve, reject) =>
        execFile(
          'npm',
          ['ci', '--no-audit', '--no-fund', '--prefer-offline'],
          { cwd: checkout, env: freshEnv({}), timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
          (error, _stdout, stderr) => (error ? reject(new Error(`npm ci failed: ${stderr}`)) : resolve()),
        ),
      );

      const port = await freePort();
      const started = spawn('npm', ['start'], {
        cwd: checkout,
        env: freshEnv({ PORT: String(port) }),
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      started.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise((resolve) => started.once('exit', resolve));
      try {
        type Health = { status: number; body: { database?: { ok: boolean; kind: string } } };
        let health: Health | undefined;
        await waitFor(
          async () => {
            if (started.exitCode !== null) throw new Error(`npm start exited: ${stderr}`);
            health = await fetch(`http://127.0.0.1:${port}/api/webhooks/health`)
              .then(async (response) => ({
                status: response.status,
                body: (await response.json()) as Health['body'],
              }))
              .catch(() => undefined);
            return health?.status === 200;
          },
          { timeoutMs: 180_000, intervalMs: 250, what: 'GET /api/webhooks/health to answer 200' },
        );
        expect(health!.body.database).toEqual({ ok: true, kind: 'embedded' });
        expect(stderr).toContain('running on the embedded database (PGlite)');
        expect(existsSync(join(checkout, '.stripe-ledger', 'webhook-secret'))).toBe(true);
      } finally {
        // npm start runs node under a shell: end the whole process group.
        process.kill(-started.pid!, 'SIGTERM');
        await exited;
      }
    } finally {
      rmSync(checkout, { recursive: true, force: true });
    }
  }, 600_000);
});
