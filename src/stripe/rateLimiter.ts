/**
 * At most `perSecond` requests within any window of one second as Stripe counts them (on arrival),
 * shared by every request of the client (retries included). A plain token bucket of capacity N lets 2N
 * through in a second that straddles a refill, and timing departures is not enough either: a request
 * can leave late (a busy event loop) and arrive close to a later one. So a slot is held from `take()`
 * until the answer came back (`done()`), and freed one second after that: the request had certainly
 * arrived by then, so any request started later arrives more than a second after it.
 */
export type RateLimiter = {
  /** Resolves when a request may start; call the returned `done` once its answer (or error) came back. */
  take(): Promise<() => void>;
};

export type Clock = { now: () => number; sleep: (ms: number) => Promise<void> };

const WINDOW_MS = 1000;
/** While every slot is held by a request in flight, how often to look again. */
const IN_FLIGHT_POLL_MS = 5;

export const rateLimiter = (
  perSecond: number,
  clock: Clock = {
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
): RateLimiter => {
  // One entry per slot in use: the time its request's answer came back, or null while in flight.
  const slots: { doneAt: number | null }[] = [];
  let queue: Promise<unknown> = Promise.resolve();
  const takeInTurn = async (): Promise<() => void> => {
    for (;;) {
      const now = clock.now();
      for (let i = slots.length - 1; i >= 0; i -= 1) {
        const doneAt = slots[i]!.doneAt;
        if (doneAt !== null && now - doneAt >= WINDOW_MS) slots.splice(i, 1);
      }
      if (slots.length < perSecond) {
        const slot = { doneAt: null as number | null };
        slots.push(slot);
        return () => {
          slot.doneAt ??= clock.now();
        };
      }
      const freedAt = Math.min(...slots.map((s) => (s.doneAt === null ? Infinity : s.doneAt + WINDOW_MS)));
      await clock.sleep(Number.isFinite(freedAt) ? Math.max(1, freedAt - now) : IN_FLIGHT_POLL_MS);
    }
  };
  return {
    take: () => {
      const turn = queue.then(takeInTurn);
      queue = turn;
      return turn;
    },
  };
};
