import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, LOCK_DIRECTORY, lockDataDir } from '../src/db/pgliteLock.js';
import { type LockContender, lockContender } from './support/lockContender.js';
import { waitFor } from './support/waitFor.js';

// proper-lockfile's shortest staleness: a killed holder's lock is taken over 2 s after its last renewal.
const STALE_MS = 2_000;
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The one line a refused process prints: who holds the folder, and when a killed holder's lock is
 * taken over (within the staleness window). */
const refusalPattern = (dir: string) =>
  new RegExp(
    `^the embedded database in ${escaped(dir)} is in use by another stripe-ledger process: stop it and ` +
      `run this again; if that process was killed, its lock is taken over in [12] s \\(once unrenewed for 2 s\\)\n?$`,
  );
const refusal = (dir: string) => expect.stringMatching(refusalPattern(dir));
const noCompromise = { staleMs: STALE_MS, onCompromised: (error: Error) => fail(error) };

describe('the lock of the embedded data folder, between real processes', () => {
  let dir: string;
  const contenders: LockContender[] = [];
  const contender = async () => {
    const started = await lockContender(dir, STALE_MS);
    contenders.push(started);
    return started;
  };
  const attempt = async () => {
    const started = await contender();
    started.go();
    return started.outcome;
  };
  /** A holder killed with SIGKILL: nothing of it runs any more, its lock is left behind. */
  const killedHolder = async () => {
    expect(await attempt()).toEqual({ locked: true });
    await contenders.at(-1)!.kill('SIGKILL');
  };
  const lockIsStale = () => Date.now() - statSync(join(dir, LOCK_DIRECTORY)).mtimeMs > STALE_MS;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stripe-ledger-lock-'));
  });
  afterEach(async () => {
    await Promise.all(contenders.splice(0).map((started) => started.kill('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second process with one line naming the folder, and leaves the first one holding it', async () => {
    expect(await attempt()).toEqual({ locked: true });
    expect(await attempt()).toEqual({ locked: false, code: 1, stderr: refusal(dir) });
    await expect(lockDataDir(dir, noCompromise)).rejects.toThrow(refusalPattern(dir));
    expect(await attempt()).toMatchObject({ locked: false, code: 1 });
  });

  it('hands the folder to the next process as soon as the holder releases it', async () => {
    const lock = await lockDataDir(dir, noCompromise);
    expect(await attempt()).toMatchObject({ locked: false, code: 1 });
    await lock.release();
    expect(await attempt()).toEqual({ locked: true });
  });

  it('keeps refusing for the staleness window after its holder was killed, then lets one process take it over', async () => {
    await killedHolder();
    expect(await attempt()).toEqual({ locked: false, code: 1, stderr: refusal(dir) });
    await waitFor(async () => (await attempt()).locked, {
      timeoutMs: 4 * STALE_MS,
      intervalMs: 200,
      what: 'a new process to take over the lock of the killed one',
    });
  });

  it('lets exactly one of several processes that start at the same instant take over a stale lock', async () => {
    await killedHolder();
    // Each round's winner is killed in turn, leaving the stale lock of the next round.
    for (let round = 0; round < 3; round += 1) {
      await waitFor(lockIsStale, { timeoutMs: 4 * STALE_MS, what: "the killed holder's lock to go stale" });
      const starters = await Promise.all(Array.from({ length: 6 }, contender));
      for (const starter of starters) starter.go();
      const outcomes = await Promise.all(starters.map((starter) => starter.outcome));
      expect(outcomes.filter((outcome) => outcome.locked)).toHaveLength(1);
      expect(outcomes.filter((outcome) => !outcome.locked)).toEqual(
        Array.from({ length: 5 }, () => ({ locked: false, code: 1, stderr: refusal(dir) })),
      );
      await Promise.all(contenders.splice(0).map((started) => started.kill('SIGKILL')));
    }
  });

  it('refuses a second opening in the same process, and frees the folder on release', async () => {
    const lock = await lockDataDir(dir, noCompromise);
    await expect(lockDataDir(dir, noCompromise)).rejects.toThrow(
      new DataDirInUseError(`the embedded database in ${dir} is already open in this process`),
    );
    await lock.release();
    await (await lockDataDir(dir, noCompromise)).release();
  });
});
