import { overlapped } from './overlapped.js';

const later = () => new Promise((resolve) => setImmediate(resolve));

describe('overlapped work', () => {
  it('runs items one at a time in order while the caller goes on', async () => {
    const log: string[] = [];
    let running = 0;
    const run = overlapped(async (n: number) => {
      running += 1;
      expect(running).toBe(1);
      log.push(`start ${n}`);
      await later();
      log.push(`end ${n}`);
      running -= 1;
    });
    await run.next(1);
    log.push('caller after 1');
    await run.next(2);
    await run.drain();
    expect(log).toEqual(['start 1', 'caller after 1', 'end 1', 'start 2', 'end 2']);
  });

  it('throws the first failure at the next call and starts nothing after it', async () => {
    const started: number[] = [];
    const run = overlapped(async (n: number) => {
      started.push(n);
      await later();
      if (n === 1) throw new Error('append 1 failed');
    });
    await run.next(1);
    await expect(run.next(2)).rejects.toThrow('append 1 failed');
    expect(started).toEqual([1]);
  });

  it('throws a failure of the last item from drain', async () => {
    const run = overlapped(async () => {
      await later();
      throw new Error('last append failed');
    });
    await run.next(1);
    await expect(run.drain()).rejects.toThrow('last append failed');
  });
});
