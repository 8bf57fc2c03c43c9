import { eventIdOf } from './eventId.js';
import { translate } from './translate.js';

/** Computed once with the namespace; if this test fails, stored events would no longer deduplicate. */
const PINNED = 'd658f87b-04da-5e12-a48c-34540eaf7620';

describe('eventIdOf', () => {
  it('maps a Stripe event id to the same UUIDv5 on every call, pinned because ids are a contract', () => {
    expect(eventIdOf('evt_1Gib6dHLwdCOCoR7mbMhSVu0')).toBe(PINNED);
    expect(eventIdOf('evt_1Gib6dHLwdCOCoR7mbMhSVu0')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('gives different Stripe events different ids', () => {
    expect(eventIdOf('evt_a')).not.toBe(eventIdOf('evt_b'));
  });

  it('is the id translate gives the event', () => {
    const body = { id: 'evt_a', type: 'customer.created', created: 1, livemode: false, data: { object: {} } };
    const result = translate(body);
    expect(result.kind === 'ok' && result.event.eventId).toBe(eventIdOf('evt_a'));
  });
});
