import { setTimeout as delay } from 'node:timers/promises';
import type { Db, Lease } from '../db/port.js';
import type { Logger } from '../observability/logger.js';
import { backoffMs } from '../db/transient.js';
import { errorMessage } from '../shared/errorMessage.js';

export type LeaseKeepers = {
  /** The projections whose lease this process holds now. */
  held(): string[];
  /** Stops trying and releases what it holds. */
  stop(): Promise<void>;
};

/**
 * Keeps trying to hold each projection's lease (`projection:<name>`): one holder across processes, the
 * others standbys that take over when the holder's session ends. `onChange` hears of every lease taken
 * or lost, so the projector starts or stops applying that projection at once.
 */
export const leaseKeepers = (options: {
  db: Db;
  names: readonly string[];
  logger: Logger;
  owner: string;
  pollMs: number;
  onChange: () => void;
}): LeaseKeepers => {
  const { db, logger, owner, pollMs, onChange } = options;
  const held = new Map<string, Lease>();
  let stopped = false;
  // An abort signal, not a promise: a standby sleeps every poll, and a listener left on a promise that
  // settles only at stop would pile up; the timer removes its abort listener when it fires.
  const stop = new AbortController();
  const stopping = new Promise<void>((resolve) => stop.signal.addEventListener('abort', () => resolve()));
  const sleep = (ms: number) => delay(ms, undefined, { signal: stop.signal }).catch(() => undefined);

  const keep = async (name: string) => {
    const log = logger.child({ projection: name });
    let attempt = 0;
    while (!stopped) {
      let lease: Lease | null;
      try {
        lease = await db.tryLease(`projection:${name}`);
        attempt = 0;
      } catch (error) {
        attempt += 1;
        log.warn({ error: errorMessage(error) }, 'cannot reach the database for the projection lease');
        await sleep(backoffMs(attempt));
        continue;
      }
      if (lease === null) {
        await sleep(pollMs);
        continue;
      }
      if (stopped) {
        await lease.release();
        return;
      }
      held.set(name, lease);
      log.info({ owner }, 'projection lease taken');
      onChange();
      await Promise.race([lease.lost, stopping]);
      if (stopped) return;
      held.delete(name);
      log.warn({ owner }, 'projection lease lost; applying nothing more until it is taken again');
      onChange();
    }
  };
  const keeping = options.names.map(keep);

  return {
    held: () => [...held.keys()],
    stop: async () => {
      stopped = true;
      stop.abort();
      await Promise.all(keeping);
      const leases = [...held.values()];
      held.clear();
      await Promise.all(leases.map((lease) => lease.release().catch(() => undefined)));
    },
  };
};
