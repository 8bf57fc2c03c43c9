import { ApiError, describeError } from './api.js';
import { h, message } from './dom.js';

/**
 * What a section shows in place of its data when its request failed; the rest of the page still works.
 * @param {unknown} error @param {string} what e.g. "Payouts"
 */
export const failureMessage = (error, what) => message('error', `${what}: ${describeError(error)}`);

/**
 * The page of one object (a payment, a payout) when it could not be read: "no such id" for a 404,
 * otherwise what failureMessage says.
 * @param {{ back: Element, what: string, id: string, error: unknown }} page
 */
export const detailFailure = ({ back, what, id, error }) => [
  back,
  h('h1', {}, `${what} `, h('code', {}, id)),
  error instanceof ApiError && error.status === 404
    ? message('error', `No ${what.toLowerCase()} with id ${id} in the ledger.`)
    : failureMessage(error, what),
];
