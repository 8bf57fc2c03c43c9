import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Stripe from 'stripe';
import { packageRoot } from '../../src/paths.js';

export const TEST_SECRET = 'whsec_test_secret_for_stripe_ledger';

/** The shared fixture corpus lives beside the checkout (../shared), or where STRIPE_FIXTURES_DIR says. */
export const fixturesDir =
  process.env.STRIPE_FIXTURES_DIR ?? resolve(packageRoot, '../shared/stripe-fixtures/events');

export type Fixture = { file: string; type: string; body: string; json: Record<string, unknown> };

export const loadFixtures = (): Fixture[] =>
  readdirSync(fixturesDir)
    .sort()
    .flatMap((type) =>
      readdirSync(join(fixturesDir, type))
        .filter((file) => file.endsWith('.json'))
        .sort()
        .map((file) => {
          const body = readFileSync(join(fixturesDir, type, file), 'utf8');
          return { file: `${type}/${file}`, type, body, json: JSON.parse(body) as Record<string, unknown> };
        }),
    );

/** A Stripe-Signature header made by Stripe's own library. */
export const signatureFor = (payload: string, secret = TEST_SECRET, timestamp?: number): string =>
  Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp !== undefined && { timestamp }),
  });

export const postWebhook = async (
  baseUrl: string,
  payload: string,
  header: string | undefined = signatureFor(payload),
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const response = await fetch(`${baseUrl}/api/webhooks/stripe`, {
    method: 'POST',
    body: payload,
    headers: {
      'content-type': 'application/json',
      ...(header !== undefined && { 'stripe-signature': header }),
    },
  });
  const text = await response.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { raw: text };
  }
  return { status: response.status, body };
};
