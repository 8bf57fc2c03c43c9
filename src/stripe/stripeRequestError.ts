import Stripe from 'stripe';
import { errorMessage } from '../shared/errorMessage.js';

/** A Stripe API request that failed for good (after retries): its message is one line saying what to do. */
export class StripeRequestError extends Error {
  constructor(
    message: string,
    /** `401`, `403`, a status after retries, or `unreachable`. */
    readonly reason: number | 'unreachable',
  ) {
    super(message);
  }
}

/** What a request was, for error lines: never the key, only the method, path and account. */
export type RequestDescription = { path: string; account: string | null };

const where = (request: RequestDescription) =>
  `GET ${request.path}${request.account === null ? '' : ` for ${request.account}`}`;

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

export const describeStripeFailure = (
  error: unknown,
  request: RequestDescription,
  base: string,
): StripeRequestError => {
  if (error instanceof Stripe.errors.StripeAuthenticationError) {
    return new StripeRequestError(
      `Stripe refused STRIPE_API_KEY (401 on ${where(request)}): ${oneLine(error.message)}; check the key or create a new restricted key`,
      401,
    );
  }
  if (error instanceof Stripe.errors.StripePermissionError) {
    return new StripeRequestError(
      `STRIPE_API_KEY may not read this (403 on ${where(request)}): ${oneLine(error.message)}; give the restricted key read access (README, Stripe sync)`,
      403,
    );
  }
  if (error instanceof Stripe.errors.StripeConnectionError) {
    return new StripeRequestError(
      `cannot reach the Stripe API at ${base} (${where(request)}): ${oneLine(error.message)}`,
      'unreachable',
    );
  }
  if (error instanceof Stripe.errors.StripeError) {
    const status = error.statusCode ?? 0;
    const id = error.requestId === undefined ? '' : `, request ${error.requestId}`;
    return new StripeRequestError(
      `${where(request)} failed with ${status}${id}: ${oneLine(error.message)}`,
      status,
    );
  }
  const message = errorMessage(error);
  return new StripeRequestError(`${where(request)} failed: ${oneLine(message)}`, 0);
};
