import { closeSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Another process has the folder open: PGlite has no locking of its own, and two of them corrupt it. */
export class DataDirInUseError extends Error {}

export type DataDirLock = { file: string; release(): void };

export const LOCK_FILE = 'ledger.lock';

// A lock file with no pid yet is one that another process is writing right now, unless it is old.
const UNWRITTEN_LOCK_GRACE_MS = 10_000;

/** Folders this process holds: a lock naming our own pid is ours only when it is in here. */
const heldHere = new Set<string>();

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

type Owner = { pid: number | undefined; ageMs: number } | undefined;

const readOwner = (file: string): Owner => {
  try {
    const text = readFileSync(file, 'utf8').trim();
    const pid = /^\d+$/.test(text) ? Number(text) : undefined;
    return { pid, ageMs: Date.now() - statSync(file).mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

const inUse = (file: string, owner: NonNullable<Owner>): boolean => {
  if (owner.pid === undefined) return owner.ageMs < UNWRITTEN_LOCK_GRACE_MS;
  // Our own pid in a lock we did not take: left by an earlier life of a container whose pid is reused.
  if (owner.pid === process.pid) return heldHere.has(file);
  return isAlive(owner.pid);
};

const refusal = (dir: string, owner: NonNullable<Owner>) =>
  new DataDirInUseError(
    owner.pid === process.pid
      ? `the embedded database in ${dir} is already open in this process`
      : `the embedded database in ${dir} is in use by another stripe-ledger process` +
          `${owner.pid === undefined ? '' : ` (pid ${owner.pid})`}: stop it, or set LEDGER_DATA_DIR to another folder`,
  );

/**
 * Takes the data folder for this process: creates the lock file exclusively (O_EXCL) with our pid in it.
 * A lock whose process is gone (crash, kill -9) is taken over. Released on close, or at exit at the latest.
 */
export const lockDataDir = (dir: string): DataDirLock => {
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt += 1) {
    let fd: number;
    try {
      fd = openSync(file, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = readOwner(file);
      if (owner && inUse(file, owner)) throw refusal(dir, owner);
      rmSync(file, { force: true });
      continue;
    }
    try {
      writeSync(fd, `${process.pid}\n`);
    } finally {
      closeSync(fd);
    }
    heldHere.add(file);
    const releaseAtExit = () => release();
    const release = () => {
      process.removeListener('exit', releaseAtExit);
      if (!heldHere.delete(file)) return;
      if (readOwner(file)?.pid === process.pid) rmSync(file, { force: true });
    };
    process.on('exit', releaseAtExit);
    return { file, release };
  }
  throw new DataDirInUseError(`cannot take ${file}: other processes keep creating it`);
};
