import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventIdOf } from './eventId.js';
import { DOMAIN_EVENT_TYPES, type ModelledStripeEventType } from './events.js';
import { translate, type Translated } from './translate.js';
import { fixturesDir } from '../../tests/support/stripeEvents.js';

const FIXTURES = fixturesDir;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const fixtures = readdirSync(FIXTURES)
  .sort()
  .flatMap((folder) =>
    readdirSync(path.join(FIXTURES, folder))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => ({ folder, file: `${folder}/${file}` })),
  );

const load = (file: string): Json => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));

const translated = (body: unknown): Translated => {
  const result = translate(body);
  if (result.kind !== 'ok') throw new Error(`expected ok, got ${result.code}: ${result.message}`);
  return result.event;
};

const idOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : ((value as { id?: string } | null | undefined)?.id ?? null);

/** The shared corpus: 91 Stripe payloads from 2012-era samples to API 2026 (see its MANIFEST.md). */
describe('translate: every recorded and sample Stripe payload', () => {
  it('finds the fixture corpus', () => {
    expect(fixtures).toHaveLength(91);
  });

  it.each(fixtures)(
    'translates $file to its domain type, keeping the object as delivered',
    ({ folder, file }) => {
      const body = load(file);
      const pristine = load(file);
      const event = translated(body);
      const object = body.data.object;

      expect(event.type).toBe(DOMAIN_EVENT_TYPES[folder as ModelledStripeEventType]);
      expect(event.eventId).toBe(eventIdOf(body.id));
      expect(event.data.object).toBe(object);
      expect(event.data.object).toEqual(pristine.data.object);
      expect(event.data.previous_attributes).toEqual(pristine.data.previous_attributes);
      expect(body).toEqual(pristine);
      expect(event.data.derived.kind).toBe(object.object);

      const expectedPi =
        object.object === 'payment_intent' ? object.id : (idOf(object.payment_intent) ?? null);
      expect(event.data.derived.payment_intent_id).toBe(expectedPi);
      if (object.object === 'charge') expect(event.data.derived.charge_ids).toEqual([object.id]);
      if (object.object === 'refund' || object.object === 'dispute')
        expect(event.data.derived.charge_ids).toEqual([idOf(object.charge)]);
      if (object.object === 'payment_intent') {
        const embedded = (object.charges?.data ?? []).map((c: Json) => c.id);
        expect(event.data.derived.charge_ids).toEqual(embedded);
      }
      expect(event.stripe).toEqual({
        id: body.id,
        type: folder,
        apiVersion: body.api_version ?? null,
        created: body.created,
        livemode: body.livemode,
        account: null,
        requestId: typeof body.request === 'string' ? body.request : (body.request?.id ?? null),
      });
    },
  );
});
