import type Stripe from 'stripe';
import type { RateLimiter } from './rateLimiter.js';

type HttpClient = Stripe.HttpClient;
type HttpResponse = Stripe.HttpClientResponse;

export type RetryPolicy = {
  /** Attempts after the first one, for 429 and 5xx answers. */
  retries: number;
  /** Attempts after the first one when no answer came (refused, reset, timed out): an API out of reach
   * is reported within seconds rather than after a rate-limit storm's worth of waiting. */
  networkRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
};

/** 8 retries from 0.5 s doubling to 20 s: a rate-limit storm of about two minutes is ridden out. */
export const DEFAULT_RETRY: RetryPolicy = {
  retries: 8,
  networkRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 20_000,
};

const shouldRetry = (response: HttpResponse): boolean => {
  const status = response.getStatusCode();
  if (status !== 429 && status < 500) return false;
  // Stripe says when a retry cannot help (or will): its answer beats the status code.
  return response.getHeaders()['stripe-should-retry'] !== 'false';
};

/** Retry-After in seconds, when Stripe sends one. */
const retryAfterMs = (response: HttpResponse): number | null => {
  const value = Number(response.getHeaders()['retry-after']);
  return Number.isFinite(value) && value >= 0 ? value * 1000 : null;
};

const backoffMs = (policy: RetryPolicy, attempt: number, random: () => number): number => {
  const capped = Math.min(policy.initialDelayMs * 2 ** attempt, policy.maxDelayMs);
  return capped / 2 + (random() * capped) / 2;
};

/**
 * Lets go of an answer that will be retried. stripe-node's fetch response can be disposed of; its Node
 * response cannot (no dispose), and a body never read holds its keep-alive socket: read it to the end
 * (a small error body; a body that stalls ends at the request timeout) so the socket is reused.
 */
const discard = async (response: HttpResponse): Promise<void> => {
  if (response.dispose !== undefined) return response.dispose();
  await response.toJSON().catch(() => undefined);
};

/**
 * The stripe client's HTTP layer, wrapped so that every attempt (stripe-node's own retries included)
 * waits for the shared rate limiter, is counted by status, and 429 or 5xx answers are retried with
 * exponential backoff and jitter, honouring `Stripe-Should-Retry` and `Retry-After`. stripe-node alone
 * does not retry a 429 without `Stripe-Should-Retry: true`, and its retries would bypass the limiter.
 */
export const retryingHttpClient = (options: {
  inner: HttpClient;
  limiter: RateLimiter;
  policy: RetryPolicy;
  onAnswer: (status: number | 'network_error') => void;
  sleep?: (ms: number) => Promise<void>;
}): HttpClient => {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  return {
    getClientName: () => `ledger-${options.inner.getClientName()}`,
    makeRequest: async (host, port, path, method, headers, data, protocol, timeout) => {
      for (let attempt = 0; ; attempt += 1) {
        const done = await options.limiter.take();
        let response: HttpResponse;
        try {
          response = await options.inner.makeRequest(
            host,
            port,
            path,
            method,
            headers,
            data,
            protocol,
            timeout,
          );
        } catch (error) {
          done();
          options.onAnswer('network_error');
          if (attempt >= options.policy.networkRetries) throw error;
          await sleep(backoffMs(options.policy, attempt, Math.random));
          continue;
        }
        done();
        options.onAnswer(response.getStatusCode());
        if (attempt >= options.policy.retries || !shouldRetry(response)) return response;
        await discard(response);
        const wait = backoffMs(options.policy, attempt, Math.random);
        await sleep(Math.min(Math.max(wait, retryAfterMs(response) ?? 0), options.policy.maxDelayMs));
      }
    },
  };
};
