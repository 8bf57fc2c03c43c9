import { readFileSync } from 'node:fs';
import path from 'node:path';
import { UNMODELLED } from './events.js';
import { metadataOf, translate, type Translated } from './translate.js';
import { fixturesDir } from '../../tests/support/stripeEvents.js';

const FIXTURES = fixturesDir;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const load = (file: string): Json => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));

/** A fixture with its envelope or object edited; the file itself stays untouched. */
const edited = (file: string, edit: (object: Json, event: Json) => void): Json => {
  const event = load(file);
  edit(event.data.object, event);
  return event;
};

const translated = (body: unknown): Translated => {
  const result = translate(body);
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result.event;
};

const rejected = (body: unknown, code: 'not_an_event' | 'invalid_object'): string => {
  const result = translate(body);
  if (result.kind !== 'invalid') throw new Error('expected the body to be rejected');
  expect(result.code).toBe(code);
  return result.message;
};

describe('translate: envelopes of every era', () => {
  it('accepts an envelope without api_version and without request', () => {
    const event = translated(load('charge.succeeded/stripe_event-1.json'));
    expect(event.stripe).toMatchObject({ apiVersion: null, requestId: null, account: null });
  });

  it('reads the request id from a pre-2017 bare-string request', () => {
    const event = translated(load('charge.dispute.created/dj-stripe-1.json'));
    expect(event.stripe.requestId).toBe('req_6lsB7hkicwhaDj');
  });

  it('reads the request id and connected account of a current envelope', () => {
    const body = edited('charge.succeeded/zulip-1.json', (_, e) => (e.account = 'acct_123'));
    expect(translated(body).stripe).toMatchObject({ requestId: 'req_iNHOyacAIM38T3', account: 'acct_123' });
  });

  it('builds store metadata with schema version 1 and the given receive time', () => {
    const event = translated(load('charge.succeeded/zulip-1.json'));
    expect(metadataOf(event, new Date('2026-05-01T12:00:00Z'))).toEqual({
      stripe_event_id: 'evt_3TbGBUJEe0yY0QKr1eTEBGsV',
      stripe_event_type: 'charge.succeeded',
      api_version: '2026-04-22.dahlia',
      created: event.stripe.created,
      livemode: false,
      account: null,
      received_at: '2026-05-01T12:00:00.000Z',
      request_id: 'req_iNHOyacAIM38T3',
      schema_version: 1,
    });
  });
});

describe('translate: derived keys', () => {
  it('links a pre-2022-11-15 payment intent to the charges it embeds', () => {
    const event = translated(load('payment_intent.payment_failed/stripe-ruby-mock-2.json'));
    expect(event.type).toBe('PaymentFailed');
    expect(event.data.derived).toEqual({
      kind: 'payment_intent',
      payment_intent_id: 'pi_00000000000000',
      charge_ids: ['py_00000000000000'],
      payment_id: 'pi_00000000000000',
    });
  });

  it('links a current payment intent to its latest_charge, given as an id or expanded', () => {
    for (const latest of ['ch_latest', { id: 'ch_latest', object: 'charge' }]) {
      const body = edited('payment_intent.created/openapi-10.json', (o) => (o.latest_charge = latest));
      expect(translated(body).data.derived.charge_ids).toEqual(['ch_latest']);
    }
  });

  it('makes a legacy charge without payment intent its own payment', () => {
    const event = translated(load('charge.succeeded/stripe_event-1.json'));
    expect(event.data.derived).toEqual({
      kind: 'charge',
      payment_intent_id: null,
      charge_ids: ['ch_00000000000000'],
      payment_id: 'ch_00000000000000',
    });
  });

  it('leaves the payment of a refund without payment_intent to the charge lookup', () => {
    for (const file of ['refund.created/openapi-1.json', 'charge.refund.updated/webhookdb-1.json']) {
      const derived = translated(load(file)).data.derived;
      expect(derived).toMatchObject({ kind: 'refund', payment_intent_id: null, payment_id: null });
      expect(derived.charge_ids).toEqual([load(file).data.object.charge]);
    }
  });

  it('leaves the payment of a dispute without payment_intent to the charge lookup', () => {
    expect(translated(load('charge.dispute.created/openapi-1.json')).data.derived).toEqual({
      kind: 'dispute',
      payment_intent_id: null,
      charge_ids: ['ch_1B2a0z2eZvKYlo2CFTMoeepo'],
      payment_id: null,
    });
  });

  it('takes the payment intent of a refund from its expanded charge', () => {
    const body = edited(
      'refund.created/openapi-1.json',
      (o) => (o.charge = { id: 'ch_x', payment_intent: 'pi_x' }),
    );
    expect(translated(body).data.derived).toMatchObject({ payment_intent_id: 'pi_x', charge_ids: ['ch_x'] });
  });

  it('translates the legacy charge.refund.updated into RefundUpdated', () => {
    const event = translated(load('charge.refund.updated/zulip-1.json'));
    expect(event.type).toBe('RefundUpdated');
    expect(event.data.derived.payment_intent_id).toBe('pi_1Gib60HLwdCOCoR7KJbTO3U7');
  });
});

describe('translate: event types the ledger does not model', () => {
  const customerCreated = {
    id: 'evt_customer',
    object: 'event',
    type: 'customer.created',
    created: 1700000000,
    livemode: false,
    data: { object: { id: 'cus_1', object: 'customer', balance: 'not validated' } },
  };

  it('stores an unmodelled type as StripeEventUnmodelled without validating its object', () => {
    const event = translated(customerCreated);
    expect(event.type).toBe(UNMODELLED);
    expect(event.data.object).toBe(customerCreated.data.object);
    expect(event.data.derived).toEqual({
      kind: 'other',
      payment_intent_id: null,
      charge_ids: [],
      payment_id: null,
    });
  });

  it('still links an unmodelled event about a charge to its payment', () => {
    const body = edited('charge.succeeded/zulip-1.json', (o, e) => {
      e.type = 'charge.pending';
      o.amount = 'not validated';
    });
    expect(translated(body).data.derived).toMatchObject({
      kind: 'other',
      payment_id: 'pi_3TbGBUJEe0yY0QKr1NhtlhQp',
    });
  });

  it('treats a type named like an Object.prototype member as unmodelled', () => {
    expect(translated({ ...customerCreated, type: 'constructor' }).type).toBe(UNMODELLED);
  });
});

describe('translate: rejected bodies', () => {
  it.each([
    ['null', null, 'body: expected object, got null'],
    ['an array', [], 'body: expected object, got array'],
    ['a string', 'evt_1', 'body: expected object, got string'],
    ['an object without id, type or data', {}, 'id: missing (expected string)'],
  ])('answers not_an_event for %s', (_, body, message) => {
    expect(rejected(body, 'not_an_event')).toContain(message);
  });

  it('answers not_an_event when data.object is not an object', () => {
    const body = edited('charge.succeeded/zulip-1.json', (_, e) => (e.data.object = [1]));
    expect(rejected(body, 'not_an_event')).toBe('data.object: expected object, got array');
  });

  it('answers invalid_object naming amount when a charge amount is a string', () => {
    const body = edited('charge.succeeded/zulip-1.json', (o) => (o.amount = '1000'));
    expect(rejected(body, 'invalid_object')).toBe('data.object.amount: expected integer, got string');
  });

  it('names the path of a bad field inside an embedded charge', () => {
    const body = edited(
      'payment_intent.succeeded/stripe-ruby-mock-1.json',
      (o) => (o.charges.data[0].amount = 1.5),
    );
    expect(rejected(body, 'invalid_object')).toBe(
      'data.object.charges.data[0].amount: expected integer, got non-integer number',
    );
  });

  it('names a missing field of a payment intent', () => {
    const body = edited('payment_intent.created/openapi-10.json', (o) => delete o.currency);
    expect(rejected(body, 'invalid_object')).toBe('data.object.currency: missing (expected string)');
  });

  it('answers invalid_object when a modelled type carries another kind of object', () => {
    const body = edited('refund.created/openapi-1.json', (_, e) => (e.type = 'charge.succeeded'));
    expect(rejected(body, 'invalid_object')).toBe(
      'data.object.object: a charge.succeeded event carries a charge, got "refund"',
    );
  });
});
