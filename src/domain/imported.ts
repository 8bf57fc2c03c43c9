import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import type { EventMetadata } from './ledgerEvent.js';
import { deriveKeys } from './derive.js';
import { EVENT_ID_NAMESPACE } from './eventId.js';
import type { LedgerEventData, StripeObjectKind } from './events.js';
import { formatIssues } from './issues.js';
import { payoutSchema } from './moneySchemas.js';
import { objectSchemas } from './schemas.js';
import { SCHEMA_VERSION } from './translate.js';

/**
 * A Stripe object read from a list endpoint by the sync's history import, for objects older than the
 * Events API's 30 days (SPEC section 11). Projections fold it by the same rules as a webhook event
 * carrying the same object. Its freshness (`metadata.created`, SPEC section 5 rule 4) is the second the
 * sync read it: the object is Stripe's state as of that instant, so it is fresher than every event
 * created before and older than any created after, whatever order they reach the log in.
 */
export const IMPORTED = 'StripeObjectImported';

export const IMPORTABLE_OBJECTS = ['payment_intent', 'charge', 'refund', 'dispute', 'payout'] as const;
export type ImportableObject = (typeof IMPORTABLE_OBJECTS)[number];

const contentHash = (object: Record<string, unknown>): string =>
  createHash('sha256').update(JSON.stringify(object)).digest('hex');

export type ImportedEvent = {
  /** UUIDv5 of the object id and its content: the same object read twice unchanged is one event. */
  eventId: string;
  /** Stands in for a Stripe event id (status history, tie-breaks): deterministic like the event id. */
  snapshotId: string;
  data: LedgerEventData;
};

export type ImportResult = { kind: 'ok'; event: ImportedEvent } | { kind: 'invalid'; message: string };

const isModelled = (kind: ImportableObject): kind is StripeObjectKind => kind !== 'payout';

/** The schema a webhook carrying the object is checked against: the payouts projection reads an
 * imported payout as it reads a payout.* webhook's. */
const schemaOf = (kind: ImportableObject) => (isModelled(kind) ? objectSchemas[kind] : payoutSchema);

/** Validates an object like the webhook path does (SPEC section 3) and makes its snapshot event. Pure. */
export const importObject = (kind: ImportableObject, object: Record<string, unknown>): ImportResult => {
  if (object.object !== kind || typeof object.id !== 'string') {
    return { kind: 'invalid', message: `a ${kind} list answered an object that is not a ${kind} with an id` };
  }
  const parsed = schemaOf(kind).safeParse(object, { reportInput: true });
  if (!parsed.success)
    return { kind: 'invalid', message: `${object.id}: ${formatIssues(parsed.error.issues, kind)}` };
  const hash = contentHash(object);
  return {
    kind: 'ok',
    event: {
      eventId: uuidv5(`imported:${object.id}:${hash}`, EVENT_ID_NAMESPACE),
      snapshotId: `snapshot_${object.id}_${hash.slice(0, 16)}`,
      data: { object, derived: deriveKeys(isModelled(kind) ? kind : 'other', object) },
    },
  };
};

/** The stream of a payout's events (SPEC section 12). */
export { payoutStream } from './moneyEvents.js';

export const importedMetadata = (
  kind: ImportableObject,
  event: ImportedEvent,
  context: { account: string | null; observedAt: number; receivedAt: Date },
): EventMetadata => ({
  stripe_event_id: event.snapshotId,
  stripe_event_type: `${kind}.imported`,
  api_version: null,
  created: context.observedAt,
  livemode: event.data.object.livemode === true,
  account: context.account,
  received_at: context.receivedAt.toISOString(),
  request_id: null,
  schema_version: SCHEMA_VERSION,
});
