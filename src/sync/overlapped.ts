/**
 * Runs `work` on one item at a time, in order, while the caller prepares the next: `next(item)` waits
 * for the previous item's work, then starts this one and returns at once. `drain()` waits for the last.
 * The first failure is thrown by the following `next` or by `drain`, and nothing after it starts.
 */
export const overlapped = <T>(work: (item: T) => Promise<void>) => {
  let running: Promise<void> = Promise.resolve();
  return {
    next: async (item: T): Promise<void> => {
      await running;
      running = work(item);
      // Handled here so a failure while the caller awaits something else is not an unhandled
      // rejection; it still rejects the next `next` or `drain`.
      running.catch(() => undefined);
    },
    drain: (): Promise<void> => running,
  };
};
