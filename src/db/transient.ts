/** Errors worth retrying with backoff: the same batch may succeed once the database is back. */
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '53400']);
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** A failure of a dependency other than the database (the event store's server) that a retry may
 * get past, raised where its own errors are not recognisable as such. */
export class TransientError extends Error {
  readonly transient = true;
}

/** EventStoreDB client errors (their `type`) of a server that is away, slow or changing leader. */
const EVENT_STORE_OUTAGES = new Set(['unavailable', 'deadline-exceeded', 'timeout', 'not-leader']);

/** An EventStoreDB client error of a server that is away, slow or changing leader. */
export const isEventStoreOutage = (error: unknown): boolean => {
  const type = typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
  return typeof type === 'string' && EVENT_STORE_OUTAGES.has(type);
};

export const isTransient = (error: unknown): boolean => {
  // Not `instanceof Error`: errors of node's own sockets come from another realm under a test runner's vm.
  if (typeof error !== 'object' || error === null) return false;
  if ((error as { transient?: unknown }).transient === true) return true;
  if (isEventStoreOutage(error)) return true;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || TRANSIENT_CODES.has(code))
  ) {
    return true;
  }
  // pg's own: a pool that found no connection in time, a query the server never answered (query_timeout).
  return /connection terminated|connection timeout|terminating connection|client has encountered a connection error|not queryable|timeout exceeded when trying to connect|query read timeout/i.test(
    String(message),
  );
};

/** Exponential backoff with jitter, capped. */
export const backoffMs = (attempt: number, capMs = 10_000): number =>
  Math.min(capMs, 100 * 2 ** Math.min(attempt, 10)) * (0.5 + Math.random() / 2);
