import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelledStripeEventType } from '../../src/domain/events.js';
import { carriedBy } from './carried.js';
import { given } from '../../tests/support/givenEvents.js';
import { fixturesDir } from '../../tests/support/stripeEvents.js';
import { stripeEvent } from '../../tests/support/testEvents.js';

const FIXTURES = fixturesDir;

type Envelope = {
  id: string;
  type: ModelledStripeEventType;
  created: number;
  livemode: boolean;
  data: { object: Record<string, unknown> };
};

const fixture = (path: string): Envelope =>
  JSON.parse(readFileSync(join(FIXTURES, path), 'utf8')) as Envelope;
const storedFrom = (e: Envelope) =>
  stripeEvent(e.type, e.data.object, { id: e.id, created: e.created, livemode: e.livemode });

const all = readdirSync(FIXTURES).flatMap((type) =>
  readdirSync(join(FIXTURES, type)).map((file) => `${type}/${file}`),
);

describe('payment fold over the recorded Stripe fixtures (2012-era samples to 2026 API versions)', () => {
  it.each(all)('reads %s', (path) => {
    const carried = carriedBy(storedFrom(fixture(path)));
    expect(carried).not.toBeNull();
  });

  it('folds the recorded dj-stripe payment_intent.succeeded (embedded charges) into a paid payment', () => {
    const event = fixture('payment_intent.succeeded/dj-stripe-1.json');
    given(storedFrom(event)).whenFolded().thenPayment('pi_1FG742B7kbjcJ8QqGKF6qIM0', {
      payment_status: 'paid',
      amount_received: 190200,
      customer_id: 'cus_6lsBvm5rJ0zyHc',
      latest_charge_id: 'ch_fakefakefakefakefake0001',
    });
  });

  it('folds the recorded legacy charge.refunded (no payment intent) into a refunded payment', () => {
    const event = fixture('charge.refunded/webhookdb-1.json');
    given(storedFrom(event)).whenFolded().thenPayment('ch_3NtYaBLelvCURGkU1YaN66W1', {
      livemode: true,
      payment_status: 'refunded',
      amount_refunded: 500,
      customer_id: 'cus_OOZK3PoLrv6OKo',
    });
  });

  it('folds a recorded payment_intent.payment_failed of API 2018-02-28 (requires_source) into failed', () => {
    const event = fixture('payment_intent.payment_failed/stripe-ruby-mock-2.json');
    const id = String(event.data.object.id);
    given(storedFrom(event))
      .whenFolded()
      .thenPayment(id, { status: 'requires_payment_method', payment_status: 'failed' });
  });
});
