/**
 * Keeps the workers of one projector close together while they catch up, so the batches they read
 * stay in the shared read cache (sharedReads) and each event is read, parsed and folded once instead
 * of once per projection: a worker more than `lead` events ahead of the slowest busy worker waits for
 * it. A worker that is idle (caught up, failed, or a standby) holds nobody back.
 */
export type Pacing = {
  /** The worker is busy at `position`; resolves once it may read past it. */
  busyAt(name: string, position: number): Promise<void>;
  idle(name: string): void;
};

export const pacing = (lead: number): Pacing => {
  const positions = new Map<string, number>();
  let waiters: { name: string; resolve: () => void }[] = [];
  const slowest = () => Math.min(...positions.values());
  const mayGo = (name: string) => (positions.get(name) ?? 0) - slowest() <= lead;
  const release = () => {
    const still: typeof waiters = [];
    for (const waiter of waiters) {
      if (mayGo(waiter.name)) waiter.resolve();
      else still.push(waiter);
    }
    waiters = still;
  };
  return {
    busyAt: (name, position) => {
      positions.set(name, position);
      release();
      if (mayGo(name)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ name, resolve }));
    },
    idle: (name) => {
      positions.delete(name);
      release();
    },
  };
};
