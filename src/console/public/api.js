// The query API, with the bearer token the reader typed. The token lives in sessionStorage (gone when
// the tab closes) and only ever travels in the Authorization header: never in a URL, a link or a log.

const TOKEN_KEY = 'stripe-ledger.api-token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (/** @type {string} */ value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {string} path */
  constructor(status, code, message, path) {
    super(message);
    this.status = status;
    this.code = code;
    this.path = path;
  }
}

/** Raised when the token is refused; the console signs out and says why. */
export class Unauthorized extends ApiError {}

/** A refused token noticed outside a page's drawing (a download): the console signs out, saying why. */
export const TOKEN_REFUSED_EVENT = 'stripe-ledger:token-refused';

/**
 * How long the console waits for an answer (for a download: for it to start). The API answers within
 * this whatever its database does (a query's statement timeout is 30 s, a hung database gets 503 in
 * seconds): past it, the ledger itself is not answering, and waiting longer shows "Loading…" forever.
 */
export const ANSWER_DEADLINE_MS = 40_000;

/** Raised when the ledger gave no answer within ANSWER_DEADLINE_MS. */
export class NoAnswer extends Error {
  /** @param {string} path */
  constructor(path) {
    super(
      `${path} did not answer within ${ANSWER_DEADLINE_MS / 1000} s: the ledger may be down or overloaded; try again`,
    );
    this.path = path;
  }
}

/** `?a=1&b=2` from the non-empty values. @param {Record<string, string | number | boolean | null | undefined>} params */
export const queryString = (params = {}) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

/**
 * @param {string} path @param {string} accept @param {AbortSignal} [signal]
 * @param {readonly number[]} [answered] error statuses whose JSON body is the answer (health's 503);
 * the same status from something else (a proxy's page) is still an error
 */
const request = async (path, accept, signal, answered = []) => {
  const endpoint = path.split('?')[0] ?? path;
  // The caller's signal (the reader moved on) or the deadline, whichever comes first. A timer, not
  // AbortSignal.timeout, so the deadline follows the page's clock.
  const deadline = new AbortController();
  const onAbort = () => deadline.abort(signal?.reason);
  if (signal?.aborted) deadline.abort(signal.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    deadline.abort();
  }, ANSWER_DEADLINE_MS);
  /** @type {Response} */
  let response;
  try {
    response = await fetch(path, {
      headers: { authorization: `Bearer ${token.get() ?? ''}`, accept },
      cache: 'no-store',
      credentials: 'omit',
      signal: deadline.signal,
    });
  } catch (error) {
    throw late ? new NoAnswer(endpoint) : error;
  } finally {
    // The answer has started: a long download goes on for as long as it streams.
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  if (response.ok) return response;
  if (answered.includes(response.status) && /\bjson\b/.test(response.headers.get('content-type') ?? ''))
    return response;
  /** @type {{ error?: { code?: string, message?: string } }} */
  let body = {};
  try {
    body = await response.json();
  } catch {
    // Not our JSON error (a proxy's page): the status says enough.
  }
  const code = body.error?.code ?? `http_${response.status}`;
  const text = body.error?.message ?? `${response.status} ${response.statusText}`;
  const Kind = response.status === 401 ? Unauthorized : ApiError;
  throw new Kind(response.status, code, text, endpoint);
};

const STALE_HEADER = 'Ledger-Stale';

/**
 * What the API said a page's numbers were read from while failed or behind, by projection: its state
 * and lag when an answer's `stale` list told them, null when only the Ledger-Stale header named it.
 * @typedef {Map<string, { state: string, lag_seconds: number } | null>} Staleness
 */

/** @param {Staleness} stale @param {Response} response @param {any} body */
const noteStale = (stale, response, body) => {
  for (const name of (response.headers.get(STALE_HEADER) ?? '').split(','))
    if (name.trim() && !stale.has(name.trim())) stale.set(name.trim(), null);
  if (Array.isArray(body?.stale))
    for (const entry of body.stale)
      if (typeof entry?.projection === 'string')
        stale.set(entry.projection, { state: String(entry.state), lag_seconds: Number(entry.lag_seconds) });
};

/**
 * @typedef {{ stale?: Staleness, answered?: readonly number[] }} GetOptions
 * `stale` collects what the answer says may be incomplete; `answered` lists error statuses whose JSON
 * body is read as the answer.
 */

/**
 * GET a JSON answer of the query API.
 * @param {string} path @param {Record<string, string | number | boolean | null | undefined>} [params] @param {AbortSignal} [signal]
 * @param {GetOptions} [options]
 * @returns {Promise<any>}
 */
export const getJson = async (path, params, signal, options = {}) => {
  const response = await request(
    `${path}${queryString(params)}`,
    'application/json',
    signal,
    options.answered,
  );
  const body = await response.json();
  if (options.stale) noteStale(options.stale, response, body);
  return body;
};

/**
 * Downloads a CSV export. A bare link cannot carry the Authorization header, so the file is fetched
 * and handed to the browser as a Blob.
 * @param {string} path @param {Record<string, string | number | boolean | null | undefined>} params @param {string} filename
 */
export const downloadCsv = async (path, params, filename) => {
  const response = await request(`${path}${queryString({ ...params, format: 'csv' })}`, 'text/csv');
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
};

/** One line for the reader: which endpoint answered what. @param {unknown} error */
export const describeError = (error) =>
  error instanceof ApiError
    ? `${error.path} answered ${error.status}: ${error.message}`
    : error instanceof Error
      ? error.message
      : String(error);

/**
 * The answer, or the error a section shows in its place; a refused token still propagates, so the
 * console signs out.
 * @template T @param {Promise<T>} promise @returns {Promise<{ ok: true, value: T } | { ok: false, error: unknown }>}
 */
export const attempt = (promise) =>
  promise.then(
    (value) => ({ ok: /** @type {const} */ (true), value }),
    (error) => {
      if (error instanceof Unauthorized) throw error;
      return { ok: /** @type {const} */ (false), error };
    },
  );
