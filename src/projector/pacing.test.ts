import { pacing } from './pacing.js';

const settled = async (promise: Promise<void>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('pacing of a projector’s workers', () => {
  it('lets a worker within the lead of the slowest busy worker read on at once', async () => {
    const pace = pacing(100);
    await pace.busyAt('payments', 0);
    expect(await settled(pace.busyAt('orders', 100))).toBe(true);
  });

  it('holds a worker further ahead until the slowest catches up', async () => {
    const pace = pacing(100);
    await pace.busyAt('history', 0);
    const ahead = pace.busyAt('payments', 500);
    expect(await settled(ahead)).toBe(false);
    await pace.busyAt('history', 300);
    expect(await settled(ahead)).toBe(false);
    await pace.busyAt('history', 400);
    expect(await settled(ahead)).toBe(true);
  });

  it('lets nobody wait for a worker that went idle (caught up, failed or stopped)', async () => {
    const pace = pacing(100);
    await pace.busyAt('refunds', 0);
    const ahead = pace.busyAt('payments', 5000);
    expect(await settled(ahead)).toBe(false);
    pace.idle('refunds');
    expect(await settled(ahead)).toBe(true);
  });
});
