import { PAYLOAD_API_VERSION, type Json } from './stripeList.js';

export type WebhookEventShape = {
  /** evt_... */
  id: string;
  /** The Stripe event type, such as `charge.refunded`. */
  type: string;
  object: Json;
  created: number;
  /** Fields the object had before, on `*.updated`-like events. */
  previousAttributes?: Json;
  apiVersion?: string;
  livemode?: boolean;
  /** Set on events of connected accounts only. */
  account?: string;
  /** The API request that caused the event; both null for events Stripe raised on its own. */
  request?: { id: string | null; idempotency_key: string | null };
  pendingWebhooks?: number;
};

/** The event envelope Stripe delivers to a webhook endpoint, fields in Stripe's order. */
export const webhookEvent = (e: WebhookEventShape): Json => ({
  id: e.id,
  object: 'event',
  ...(e.account === undefined ? {} : { account: e.account }),
  api_version: e.apiVersion ?? PAYLOAD_API_VERSION,
  created: e.created,
  data: {
    object: e.object,
    ...(e.previousAttributes === undefined ? {} : { previous_attributes: e.previousAttributes }),
  },
  livemode: e.livemode ?? false,
  pending_webhooks: e.pendingWebhooks ?? 1,
  request: e.request ?? { id: null, idempotency_key: null },
  type: e.type,
});
