import { EventTooLargeError } from '../eventstore/eventTooLarge.js';
import type { AppendResult, EventStore } from '../eventstore/port.js';
import { MAX_NESTING, nestedTooDeep } from '../domain/nesting.js';
import { unstorableText } from '../domain/storableText.js';
import { chargeNeedingLookup, newEventOf, streamFor, translate, withPaymentId } from '../domain/translate.js';
import { redactErrorText } from '../health/redactError.js';
import { withDeadline } from '../runtime/deadline.js';
import { errorMessage } from '../shared/errorMessage.js';
import type { GroupAppender } from './groupCommit.js';
import { verifySignature } from './verifySignature.js';

export type WebhookAnswer = {
  status: 200 | 400 | 413 | 503;
  body: Record<string, unknown>;
  /** For the request log line: never the payload. */
  log: { stripeEventId?: string; type?: string; outcome: string; error?: string };
};

export type WebhookDeps = {
  secrets: readonly string[];
  toleranceSeconds: number;
  appender: GroupAppender;
  store: Pick<EventStore, 'paymentOfCharge'>;
  now: () => Date;
  /** The store work of one delivery (charge lookup and append) answers 503 past this: Stripe's own
   * timeout is longer, and a hung database must get the same answer as one that is down. */
  deadlineMs?: number;
};

export const WEBHOOK_DEADLINE_MS = 8000;

const rejected = (
  code: string,
  message: string,
  extra: Partial<WebhookAnswer['log']> = {},
): WebhookAnswer => ({
  status: 400,
  body: { error: { code, message } },
  log: { outcome: code, ...extra },
});

const unavailable = (log: WebhookAnswer['log'], error?: unknown): WebhookAnswer => ({
  status: 503,
  body: { error: { code: 'store_unavailable', message: 'the event store is unavailable; retry later' } },
  log: {
    ...log,
    outcome: 'store_unavailable',
    // The cause for the log line, with any quoted value (a fragment of the payload) taken out.
    ...(error !== undefined && { error: redactErrorText(errorMessage(error)) }),
  },
});

// The body fit under the webhook's 1 MiB cap, but its stored form (the object, derived keys, metadata)
// is over the event store's limit: no retry can change that, so it is not answered as an outage.
const tooLargeToStore = (error: EventTooLargeError, log: WebhookAnswer['log']): WebhookAnswer => ({
  status: 413,
  body: {
    error: {
      code: 'event_too_large',
      message: `the event is ${error.sizeBytes} bytes once stored, over the event store's limit of ${error.limitBytes} bytes per append; it cannot be stored`,
      limit_bytes: error.limitBytes,
    },
  },
  log: { ...log, outcome: 'event_too_large' },
});

// The third hex digit of \ud800-\udfff.
const SURROGATE_THIRD_DIGITS: ReadonlySet<number> = new Set(Buffer.from('89abcdefABCDEF'));

/** Whether the raw JSON holds a `\ud800`-`\udfff` escape (hex digits of either case): the only way a
 * parsed string gets a surrogate, since decoding the bytes as UTF-8 never yields one. Buffer searches,
 * several times faster than a regex over the text: every delivery pays for this one. */
const hasSurrogateEscape = (raw: Buffer): boolean =>
  ['\\ud', '\\uD'].some((prefix) => {
    for (let at = raw.indexOf(prefix); at !== -1; at = raw.indexOf(prefix, at + prefix.length)) {
      if (SURROGATE_THIRD_DIGITS.has(raw[at + prefix.length] ?? 0)) return true;
    }
    return false;
  });

/** Whether the parsed body may hold text PostgreSQL cannot store (src/domain/storableText.ts): only a
 * `\u0000` or surrogate escape in the raw bytes can put it there, so the common body is never walked. */
const mayHoldUnstorableText = (raw: Buffer): boolean => raw.includes('\\u0000') || hasSurrogateEscape(raw);

/** raw bytes -> verify -> parse -> translate -> durable append. Answers 2xx only after the commit. */
export const handleWebhook =
  (deps: WebhookDeps) =>
  async (rawBody: Buffer, signatureHeader: string | undefined): Promise<WebhookAnswer> => {
    const receivedAt = deps.now();
    const check = verifySignature(
      rawBody,
      signatureHeader,
      deps.secrets,
      deps.toleranceSeconds,
      Math.floor(receivedAt.getTime() / 1000),
    );
    if (check.kind === 'rejected') return rejected(check.code, check.message);

    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      return rejected('invalid_json', 'the request body is not valid JSON');
    }
    // Such an event could never be stored (a NUL) or would break every jsonb read of it (a lone
    // surrogate): retrying is pointless, so it is refused as bad input.
    const unstorable = mayHoldUnstorableText(rawBody) ? unstorableText(body) : null;
    if (unstorable !== null) {
      return rejected('invalid_payload', `the event contains ${unstorable.message}`);
    }
    if (nestedTooDeep(rawBody, body)) {
      return rejected(
        'invalid_payload',
        `the event nests deeper than ${MAX_NESTING} levels of objects and arrays, which no Stripe event does`,
      );
    }
    const translated = translate(body);
    if (translated.kind === 'invalid') return rejected(translated.code, translated.message);
    const event = translated.event;
    const log = { stripeEventId: event.stripe.id, type: event.stripe.type, outcome: 'received' };

    const store = async (): Promise<AppendResult> => {
      const derived = event.data.derived;
      const charge = chargeNeedingLookup(derived);
      const linked = charge === null ? null : await deps.store.paymentOfCharge(charge);
      const { stream, paymentId } = streamFor(derived, linked, event.stripe.id);
      return deps.appender.append({
        stream,
        expectedVersion: 'any',
        events: [withPaymentId(newEventOf(event, receivedAt), paymentId)],
      });
    };
    let result: AppendResult;
    try {
      // Past the deadline the append may still commit: the 503 only makes Stripe retry, and the
      // retry is then answered 200 duplicate.
      result = await withDeadline(store(), deps.deadlineMs ?? WEBHOOK_DEADLINE_MS, 'the append');
    } catch (error) {
      if (error instanceof EventTooLargeError) return tooLargeToStore(error, log);
      return unavailable(log, error);
    }
    switch (result.kind) {
      case 'ok':
        return {
          status: 200,
          body: { received: true, event_id: event.eventId },
          log: { ...log, outcome: 'stored' },
        };
      case 'duplicate':
        return {
          status: 200,
          body: { received: true, duplicate: true },
          log: { ...log, outcome: 'duplicate' },
        };
      case 'conflict':
        // Webhook appends use expectedVersion 'any', so a conflict means the store misbehaved: let Stripe retry.
        return unavailable(log);
      default: {
        const unhandled: never = result;
        throw new Error(`unhandled append result ${JSON.stringify(unhandled)}`);
      }
    }
  };
