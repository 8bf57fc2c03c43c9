import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { projections } from '../../projections/index.js';
import type { StoredEvent } from '../eventstore/port.js';
import { foldBatch } from '../projector/engine/foldBatch.js';
import { recordBalanceTransaction, reconcilePayout, type Recorded } from './balanceTransactions.js';
import { importedMetadata, importObject, IMPORTED, type ImportableObject } from './imported.js';
import type { NewEvent } from './ledgerEvent.js';
import { newEventOf, streamFor, translate, withPaymentId } from './translate.js';
import { envelope, payout as makePayout } from '../../tests/support/payoutShapes.js';
import { fixturesDir } from '../../tests/support/stripeEvents.js';

/**
 * SPEC sections 3 and 10: what the ledger accepts, its read models can fold. An object that passes the
 * schemas and then stops a projection is the worst answer: 200 to Stripe, then a projection failure.
 * So every field a projection reads (found by folding each input once behind a proxy) is replaced by
 * hostile JSON, and whenever the webhook path, the history import or the money sync still accepts the
 * input, every projection must fold it, beside the unchanged original, into rows PostgreSQL can store.
 */

type Json = Record<string, unknown>;
type Path = readonly (string | number)[];

const FIXTURES = fixturesDir;
const fixtureFiles = readdirSync(FIXTURES)
  .sort()
  .flatMap((folder) =>
    readdirSync(path.join(FIXTURES, folder))
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => `${folder}/${file}`),
  );
const loadFixture = (file: string): Json =>
  JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8')) as Json;

const payout = makePayout({ balance_transaction: 'txn_own', status: 'paid' }) as Json;
const chargeTransaction: Json = {
  id: 'txn_charge',
  object: 'balance_transaction',
  amount: 10_800,
  available_on: 1_736_121_600,
  created: 1_735_948_800,
  currency: 'usd',
  fee: 350,
  net: 10_450,
  reporting_category: 'charge',
  source: { id: 'ch_1', object: 'charge', payment_intent: 'pi_1' },
  status: 'available',
  type: 'charge',
};
const ownTransaction: Json = {
  ...chargeTransaction,
  id: 'txn_own',
  amount: -10_450,
  fee: 0,
  net: -10_450,
  reporting_category: 'payout',
  source: 'po_1OaBc2',
  type: 'payout',
};

let position = 0;
const stored = (event: NewEvent, stream: string): StoredEvent => {
  position += 1;
  return { ...event, stream, streamVersion: 0, position, recordedAt: new Date(0) };
};
const RECEIVED = new Date('2026-05-01T12:00:00Z');
const MONEY = { account: null, livemode: false, recordedAt: RECEIVED };

/** The event the ledger appends for a webhook body, or null when ingest answers 400. */
const viaWebhook = (body: Json): StoredEvent | null => {
  const result = translate(body);
  if (result.kind === 'invalid') return null;
  const { stream, paymentId } = streamFor(result.event.data.derived, null, result.event.stripe.id);
  return stored(withPaymentId(newEventOf(result.event, RECEIVED), paymentId), stream);
};

/** The snapshot the history import appends for an object its list of `kind` answered, or null when
 * it skips it. */
const viaImport =
  (kind: ImportableObject) =>
  (object: Json): StoredEvent | null => {
    const result = importObject(kind, object);
    if (result.kind === 'invalid') return null;
    const { event } = result;
    const { stream, paymentId } = streamFor(event.data.derived, null, event.snapshotId);
    const metadata = importedMetadata(kind, event, {
      account: null,
      observedAt: 1_777_000_000,
      receivedAt: RECEIVED,
    });
    const data = { ...event.data, derived: { ...event.data.derived, payment_id: paymentId } };
    return stored({ id: event.eventId, type: IMPORTED, data, metadata }, stream);
  };

const viaMoneySync = (recorded: Recorded): StoredEvent | null =>
  recorded.kind === 'ok' ? stored(recorded.event, recorded.stream) : null;

/**
 * An input the ledger may accept, how it turns one into a stored event, and where the Stripe objects
 * of that event sit in the input (`data.object`, and `data.transactions` of a reconciliation).
 */
type Source = {
  name: string;
  kind: 'webhook' | 'imported' | 'balance transaction' | 'reconciliation';
  input: Json;
  accept(input: Json): StoredEvent | null;
  objects: Record<string, Path>;
};

const AS_WEBHOOK = { kind: 'webhook', accept: viaWebhook, objects: { object: ['data', 'object'] } } as const;
const asImported = (object: Json) =>
  ({
    kind: 'imported',
    accept: viaImport(object.object as ImportableObject),
    objects: { object: [] },
  }) as const;

const sources: Source[] = [
  ...fixtureFiles.map((file) => ({ name: `webhook ${file}`, input: loadFixture(file), ...AS_WEBHOOK })),
  // The list endpoints give every object an id: 2013-era disputes without one are no import's.
  ...fixtureFiles
    .map((file) => ({ file, object: (loadFixture(file).data as Json).object as Json }))
    .filter(({ object }) => typeof object.id === 'string')
    .map(({ file, object }) => ({
      name: `imported object of ${file}`,
      input: object,
      ...asImported(object),
    })),
  { name: 'webhook payout.paid', input: envelope('payout.paid', payout), ...AS_WEBHOOK },
  { name: 'imported payout', input: payout, ...asImported(payout) },
  {
    name: 'recorded balance transaction',
    kind: 'balance transaction',
    input: chargeTransaction,
    accept: (bt) => viaMoneySync(recordBalanceTransaction(bt, null, MONEY)),
    objects: { object: [] },
  },
  {
    name: 'reconciled payout',
    kind: 'reconciliation',
    input: { payout, transactions: [chargeTransaction, ownTransaction] },
    // Two transactions: one part, the whole listing.
    accept: ({ payout: p, transactions }) => {
      const reconciled = reconcilePayout(p, transactions as unknown[], MONEY);
      return reconciled.kind === 'ok'
        ? stored(reconciled.parts[0]!.event, reconciled.parts[0]!.stream)
        : null;
    },
    objects: { object: ['payout'], transactions: ['transactions'] },
  },
];

/** Every row every projection writes for these events, folded as one batch from empty states. */
const rowsOfEveryProjection = (events: StoredEvent[]): Json[] =>
  projections.flatMap((projection) => {
    const routed = projection.fold.route(events, new Map());
    const { states, steps } = foldBatch(projection.fold, new Map(), routed);
    const rows: Json[] = [...states].flatMap(([key, state]) => [
      projection.fold.stored.toRow(state),
      ...Object.values(projection.rows?.(key, state) ?? {}).flat(),
      ...(projection.stateColumns ? [projection.stateColumns.of(key, state)] : []),
    ]);
    return [...rows, ...(projection.history?.rows(steps, new Map()).rows ?? [])];
  });

/** `value` behind a proxy noting the path of every field read from it, however deep. */
const tracked = (value: unknown, at: Path, reads: Map<string, Path>): unknown => {
  if (typeof value !== 'object' || value === null) return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const found: unknown = Reflect.get(target, key, receiver);
      const isIndex = Array.isArray(target) && typeof key === 'string' && /^\d+$/.test(key);
      if (typeof key === 'symbol' || typeof found === 'function' || (Array.isArray(target) && !isIndex)) {
        return found;
      }
      const read = [...at, isIndex ? Number(key) : key];
      reads.set(JSON.stringify(read), read);
      return tracked(found, read, reads);
    },
  });
};

/** The paths of the input whose fields some projection reads when folding what the source accepts. */
const pathsRead = (source: Source): Map<string, Path> => {
  const reads = new Map<string, Path>();
  const event = source.accept(source.input);
  if (event === null) throw new Error(`${source.name} is refused unchanged`);
  const data = { ...event.data } as Json;
  for (const [key, at] of Object.entries(source.objects)) data[key] = tracked(data[key], at, reads);
  rowsOfEveryProjection([{ ...event, data } as StoredEvent]);
  return reads;
};

const readByKind = new Map<Source['kind'], Path[]>();
/**
 * The paths to replace: every field some projection reads from an input of the same kind (absent
 * ones included: an old API version lacks what a newer one has), and for webhooks every envelope field
 * (the event's metadata: created, livemode, account).
 */
const candidatePaths = (source: Source): Path[] => {
  if (!readByKind.has(source.kind)) {
    const sameKind = sources.filter((s) => s.kind === source.kind);
    readByKind.set(source.kind, [...new Map(sameKind.flatMap((s) => [...pathsRead(s)])).values()]);
  }
  const envelopeFields =
    source.kind === 'webhook' ? Object.keys(source.input).filter((field) => field !== 'data') : [];
  return [...readByKind.get(source.kind)!, ...envelopeFields.map((field) => [field])];
};

const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    undefined,
    null,
    '',
    'x',
    // Ids key records in the folds: names of Object.prototype members must stay plain data.
    '__proto__',
    'toString',
    'constructor',
    0,
    -1,
    1.5,
    2 ** 53,
    1e13,
    -1e13,
    253_402_300_800,
    -62_135_596_801,
    true,
    [],
    {},
    [{}],
    { object: 'list', data: [] },
    { object: 'list', data: [{}] },
    { data: 'x' },
    { id: '' },
    { id: 'x' },
    [{ amount: 100, created: 1e13 }],
    [{ amount: '100', created: 1_700_000_000 }],
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** `input` with the value at `at` replaced (undefined: removed), as JSON would deliver it. */
const replaced = (input: Json, at: Path, value: unknown): Json => {
  const copy = structuredClone(input);
  let parent = copy as Record<string | number, unknown>;
  for (const key of at.slice(0, -1)) {
    const next = parent[key];
    if (typeof next !== 'object' || next === null) return copy;
    parent = next as Record<string | number, unknown>;
  }
  const last = at[at.length - 1]!;
  if (value === undefined) delete parent[last];
  else parent[last] = value;
  return JSON.parse(JSON.stringify(copy)) as Json;
};

/** A new status stops the projections by design (ranks.ts): stored, named, then ranked by a release. */
const UNRANKED_STATUS = /status ".*" is not one the ledger ranks/;

/** ISO text PostgreSQL's timestamptz takes: years 0001 to 9999, written with four digits. */
const looksLikeTime = (value: unknown): value is string =>
  typeof value === 'string' && /^[+-]?\d+-\d\d-\d\dT\d\d:/.test(value);
const storableTime = (value: string) => /^\d{4}-/.test(value) && !value.startsWith('0000');

describe('every input the ledger accepts, every projection folds into rows PostgreSQL stores', () => {
  it.each(sources.map((source) => [source.name, source] as const))(
    '%s, any field a projection reads replaced by hostile JSON',
    (_name, source) => {
      const original = source.accept(source.input)!;
      const edits = fc.array(fc.tuple(fc.constantFrom(...candidatePaths(source)), hostile), {
        minLength: 1,
        maxLength: 3,
      });
      fc.assert(
        fc.property(edits, (changes) => {
          const input = changes.reduce((json, [at, value]) => replaced(json, at, value), source.input);
          const accepted = source.accept(input);
          if (accepted === null) return;
          let rows: Json[];
          try {
            rows = rowsOfEveryProjection([original, accepted]);
          } catch (error) {
            if (UNRANKED_STATUS.test(String(error))) return;
            throw error;
          }
          for (const row of rows) {
            for (const [column, value] of Object.entries(row)) {
              if (looksLikeTime(value) && !storableTime(value)) {
                throw new Error(`${column}: ${value} is no timestamptz PostgreSQL takes`);
              }
            }
          }
        }),
        { numRuns: 60 },
      );
    },
  );
});
