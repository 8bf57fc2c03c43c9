import { throttled, wakeable } from './wake.js';

/** Pure timing logic: Jest's fake clock drives it, so nothing here waits for real time. */
describe('throttled wake-ups', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('wakes at once on the first signal', () => {
    const wake = jest.fn();
    throttled(wake, 50).signal();
    expect(wake).toHaveBeenCalledTimes(1);
  });

  it('wakes at most once per window however many signals come, and carries the last to the window end', () => {
    const wake = jest.fn();
    const throttle = throttled(wake, 50);
    throttle.signal();
    for (let at = 1; at < 50; at += 7) {
      jest.advanceTimersByTime(7);
      throttle.signal();
    }
    expect(wake).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(50 - 49);
    expect(wake).toHaveBeenCalledTimes(2);
    jest.advanceTimersByTime(500);
    expect(wake).toHaveBeenCalledTimes(2);
  });

  it('never drops a signal that comes right after a wake-up', () => {
    const wake = jest.fn();
    const throttle = throttled(wake, 50);
    throttle.signal();
    jest.advanceTimersByTime(1);
    throttle.signal();
    jest.advanceTimersByTime(48);
    expect(wake).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(1);
    expect(wake).toHaveBeenCalledTimes(2);
  });

  it('wakes at once on a signal after a quiet window', () => {
    const wake = jest.fn();
    const throttle = throttled(wake, 50);
    throttle.signal();
    jest.advanceTimersByTime(50);
    throttle.signal();
    expect(wake).toHaveBeenCalledTimes(2);
  });

  it('spaces the wake-ups of a steady stream of signals one window apart', () => {
    const times: number[] = [];
    const throttle = throttled(() => times.push(Date.now() - 1_000_000), 50);
    for (let at = 0; at <= 200; at += 10) {
      throttle.signal();
      jest.advanceTimersByTime(10);
    }
    expect(times).toEqual([0, 50, 100, 150, 200]);
  });

  it('wakes no more once cancelled', () => {
    const wake = jest.fn();
    const throttle = throttled(wake, 50);
    throttle.signal();
    throttle.signal();
    throttle.cancel();
    jest.advanceTimersByTime(500);
    expect(wake).toHaveBeenCalledTimes(1);
  });
});

describe('a wakeable pause', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  const settled = async (promise: Promise<void>) => {
    let done = false;
    void promise.then(() => (done = true));
    await Promise.resolve();
    await Promise.resolve();
    return done;
  };

  it('ends after its time without a wake-up', async () => {
    const pause = wakeable().pause(1000);
    jest.advanceTimersByTime(999);
    expect(await settled(pause)).toBe(false);
    jest.advanceTimersByTime(1);
    expect(await settled(pause)).toBe(true);
  });

  it('ends at once on a wake-up', async () => {
    const signal = wakeable();
    const pause = signal.pause(1000);
    signal.wake();
    expect(await settled(pause)).toBe(true);
  });

  it('keeps a wake-up that came while the loop was busy: the next pause ends at once, the one after waits', async () => {
    const signal = wakeable();
    signal.wake();
    signal.wake();
    expect(await settled(signal.pause(1000))).toBe(true);
    expect(await settled(signal.pause(1000))).toBe(false);
  });

  it('keeps a wake-up that came after a pause ended by its time', async () => {
    const signal = wakeable();
    const first = signal.pause(100);
    jest.advanceTimersByTime(100);
    expect(await settled(first)).toBe(true);
    signal.wake();
    expect(await settled(signal.pause(1000))).toBe(true);
  });
});
