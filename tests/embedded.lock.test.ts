import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../src/db/pgliteLock.js';

/** A process that is running (until killed), or the pid of one that has exited. */
const sleeper = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
const deadPid = async (): Promise<number> => {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
};

describe('the lock file of the embedded data folder', () => {
  let dir: string;
  let lockFile: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'stripe-ledger-lock-'));
    lockFile = join(dir, LOCK_FILE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created with our pid and removed on release', () => {
    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
    lockDataDir(dir).release();
  });

  it('refuses a second opening in the same process', () => {
    const lock = lockDataDir(dir);
    expect(() => lockDataDir(dir)).toThrow(`the embedded database in ${dir} is already open in this process`);
    lock.release();
  });

  it('refuses, in one line naming it, a folder another live process holds', () => {
    const other = sleeper();
    try {
      writeFileSync(lockFile, `${other.pid}\n`);
      let refusal: unknown;
      try {
        lockDataDir(dir);
      } catch (error) {
        refusal = error;
      }
      expect(refusal).toBeInstanceOf(DataDirInUseError);
      expect((refusal as Error).message).toBe(
        `the embedded database in ${dir} is in use by another stripe-ledger process (pid ${other.pid}): stop it, or set LEDGER_DATA_DIR to another folder`,
      );
      expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(other.pid));
    } finally {
      other.kill();
    }
  });

  it('takes over a stale lock whose process is gone', async () => {
    writeFileSync(lockFile, `${await deadPid()}\n`);
    const lock = lockDataDir(dir);
    expect(readFileSync(lockFile, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });

  it('takes over a lock naming our own pid that this process does not hold (a restarted container)', () => {
    writeFileSync(lockFile, `${process.pid}\n`);
    lockDataDir(dir).release();
  });

  it('waits out a lock that another process is still writing, and takes it over once it is old', () => {
    writeFileSync(lockFile, '');
    expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
    const aMinuteAgo = new Date(Date.now() - 60_000);
    utimesSync(lockFile, aMinuteAgo, aMinuteAgo);
    lockDataDir(dir).release();
  });

  it('leaves alone, on release, a lock that another process has taken since', () => {
    const lock = lockDataDir(dir);
    writeFileSync(lockFile, '999999999\n');
    lock.release();
    expect(readFileSync(lockFile, 'utf8').trim()).toBe('999999999');
  });
});
