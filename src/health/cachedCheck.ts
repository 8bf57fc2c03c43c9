import { withDeadline } from '../runtime/deadline.js';

export type CachedCheck<T> = {
  current(): Promise<T>;
  /** The last value `check` gave, however old; undefined before its first answer. */
  last(): T | undefined;
};

/**
 * `check` run at most once per `ttlMs` however many callers ask, never two at once, and (with
 * `deadlineMs`) never waited on past it: a dependency that hangs makes callers fail fast instead of
 * queueing behind it.
 */
export const cachedCheck = <T>(
  check: () => Promise<T>,
  { ttlMs, deadlineMs, what }: { ttlMs: number; deadlineMs?: number; what: string },
): CachedCheck<T> => {
  let cached: { value: T; at: number } | undefined;
  let running: Promise<T> | undefined;
  return {
    current: () => {
      if (cached && Date.now() - cached.at < ttlMs) return Promise.resolve(cached.value);
      // A check still running past its deadline is not started again: it keeps its slot until it ends.
      running ??= check()
        .then((value) => {
          cached = { value, at: Date.now() };
          return value;
        })
        .finally(() => (running = undefined));
      return deadlineMs === undefined ? running : withDeadline(running, deadlineMs, what);
    },
    last: () => cached?.value,
  };
};
