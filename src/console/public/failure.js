import { ApiError, describeError } from './api.js';
import { h, message } from './dom.js';

/**
 * What a section shows when its request failed. An endpoint this ledger does not have (an older
 * release) is a notice naming it, not an error: the rest of the console works.
 * @param {unknown} error @param {string} what e.g. "Payouts"
 */
export const failureMessage = (error, what) =>
  error instanceof ApiError && error.missingEndpoint
    ? message(
        'notice',
        `${what}: not available from this ledger. ${error.path} answered 404 (no such endpoint); this release of the ledger does not serve it yet.`,
      )
    : message('error', describeError(error));

/**
 * The page of one object (a payment, a payout) when it could not be read: "no such id" for a 404 of
 * a route that exists, otherwise what failureMessage says.
 * @param {{ back: Element, what: string, id: string, error: unknown }} page
 */
export const detailFailure = ({ back, what, id, error }) => {
  const notFound = error instanceof ApiError && error.status === 404 && !error.missingEndpoint;
  return [
    back,
    h('h1', {}, `${what} `, h('code', {}, id)),
    notFound
      ? message('error', `No ${what.toLowerCase()} with id ${id} in the ledger.`)
      : failureMessage(error, what),
  ];
};
