/**
 * `projections rebuild` runs the rebuild in a child process whose heap is capped (src/cli/heapCap.ts),
 * so a large rebuild's memory stays bounded. The command must still behave as one process: its output
 * and exit code, a stop on SIGTERM that swaps nothing, and no rebuild left running when it is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../src/paths.js';
import { databaseWithLifecycles } from './support/dbTesting.js';
import { describeWithPostgres } from './support/needsPostgres.js';
import { waitFor } from './support/waitFor.js';

type Rebuild = { child: ChildProcess; done: Promise<{ code: number | null; output: string }> };

describeWithPostgres('the command and its child share one PostgreSQL database')(
  'projections rebuild, heap capped',
  () => {
    const database = databaseWithLifecycles(3000, 9);
    beforeEach(async () => {
      await database().db.query('DELETE FROM ledger.rebuilds');
    });

    const rebuild = (env: Record<string, string> = {}): Rebuild => {
      const child = spawn(
        process.execPath,
        [join(packageRoot, 'dist/src/cli/main.js'), 'projections', 'rebuild', '--all'],
        { env: { PATH: process.env.PATH ?? '', DATABASE_URL: database().url, ...env }, stdio: 'pipe' },
      );
      let output = '';
      child.stdout!.on('data', (chunk) => (output += chunk));
      child.stderr!.on('data', (chunk) => (output += chunk));
      const done = new Promise<{ code: number | null; output: string }>((resolve) =>
        child.once('close', (code) => resolve({ code, output })),
      );
      return { child, done };
    };
    const recorded = async () =>
      (
        await database().db.query<{
          owner: string;
          phase: string;
          outcome: string | null;
          error: string | null;
        }>('SELECT owner, phase, outcome, error FROM ledger.rebuilds')
      ).rows;
    const pidOf = (owner: string) => Number(owner.split(':').at(-1));
    const folding = () =>
      waitFor(async () => (await recorded()).some((row) => row.phase === 'folding'), {
        what: 'the rebuild to fold',
        timeoutMs: 30_000,
      });

    it('rebuilds in a child process of its own and answers as the command', async () => {
      const { child, done } = rebuild();
      const { code, output } = await done;
      expect(code).toBe(0);
      expect(output).toMatch(/"event":"swapped"/);
      const [row] = await recorded();
      expect(row?.outcome).toBe('swapped');
      expect(pidOf(row!.owner)).not.toBe(child.pid);
    }, 60_000);

    it('runs in its own process when the operator chose a heap size', async () => {
      const { child, done } = rebuild({ NODE_OPTIONS: '--max-old-space-size=1024' });
      expect((await done).code).toBe(0);
      const [row] = await recorded();
      expect(pidOf(row!.owner)).toBe(child.pid);
    }, 60_000);

    it('stops on SIGTERM with the reason, swapping nothing', async () => {
      const { child, done } = rebuild();
      await folding();
      child.kill('SIGTERM');
      const { code, output } = await done;
      expect(code).toBe(1);
      expect(output).toContain('stripe-ledger: rebuild aborted: the live tables are untouched');
      expect(await recorded()).toEqual([expect.objectContaining({ outcome: 'failed' })]);
    }, 60_000);

    it('says so when the process running the rebuild is killed outright', async () => {
      const { done } = rebuild();
      await folding();
      const [row] = await recorded();
      process.kill(pidOf(row!.owner), 'SIGKILL');
      const { code, output } = await done;
      expect(code).toBe(137);
      expect(output).toContain(
        'stripe-ledger: the process running the command was killed (SIGKILL) before it finished',
      );
    }, 60_000);

    it('leaves no rebuild running when the command is killed outright', async () => {
      const { child, done } = rebuild();
      await folding();
      child.kill('SIGKILL');
      await done;
      await waitFor(async () => (await recorded())[0]?.outcome === 'failed', {
        what: 'the child to stop its rebuild',
        timeoutMs: 30_000,
      });
      expect((await recorded())[0]?.error).toBe('rebuild aborted: the live tables are untouched');
    }, 60_000);
  },
);
