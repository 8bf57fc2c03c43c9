import { eachAtMost } from './eachAtMost.js';

const later = () => new Promise((resolve) => setImmediate(resolve));

describe('eachAtMost', () => {
  it('does every item, never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await eachAtMost(3, [1, 2, 3, 4, 5, 6, 7], async (n) => {
      running += 1;
      most = Math.max(most, running);
      await later();
      done.push(n);
      running -= 1;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('starts no item after a failure, lets the running ones finish, and throws it', async () => {
    const started: number[] = [];
    let finished = 0;
    const run = eachAtMost(2, [1, 2, 3, 4, 5], async (n) => {
      started.push(n);
      await later();
      if (n === 1) throw new Error('payout 1 failed');
      finished += 1;
    });
    await expect(run).rejects.toThrow('payout 1 failed');
    expect(started).toEqual([1, 2]);
    expect(finished).toBe(1);
  });
});
