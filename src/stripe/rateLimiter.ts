/**
 * At most `perSecond` request starts within any window of one second, shared by every request of a pass
 * (retries included). A plain token bucket of capacity N lets 2N through in a second that straddles a
 * refill, so this keeps the start times of the last N requests and lets the next one start only when the
 * oldest of them is more than a second (plus a margin for network jitter) old. Waiters queue in order.
 */
export type RateLimiter = { take(): Promise<void> };

/** Measured at Stripe, arrivals can be closer together than departures by a few ms of network jitter. */
const JITTER_MARGIN_MS = 25;

export const rateLimiter = (
  perSecond: number,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> } = {
    now: () => performance.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  },
): RateLimiter => {
  const window = 1000 + JITTER_MARGIN_MS;
  const starts: number[] = [];
  let queue: Promise<void> = Promise.resolve();
  const takeInTurn = async () => {
    for (;;) {
      const now = clock.now();
      while (starts.length > 0 && now - starts[0]! >= window) starts.shift();
      if (starts.length < perSecond) {
        starts.push(now);
        return;
      }
      await clock.sleep(window - (now - starts[0]!));
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
