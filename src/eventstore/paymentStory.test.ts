import { isTransient } from '../db/transient.js';
import { storiesOn } from './paymentStory.js';

describe('payment stories read beside a projector batch', () => {
  it('fail as transient when a store of its own cannot be read, so the batch is retried rather than the event recorded as failing', async () => {
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    const store = { readStream: () => Promise.reject(unavailable) };
    const read = storiesOn(store)({ query: () => Promise.reject(new Error('not this connection')) });
    const failure = await read('pi_1').then(
      () => null,
      (error: unknown) => error,
    );
    expect(isTransient(unavailable)).toBe(false);
    expect(isTransient(failure)).toBe(true);
    expect(String(failure)).toContain('reading the story of payment pi_1: 14 UNAVAILABLE');
  });
});
