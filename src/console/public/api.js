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

/** `?a=1&b=2` from the non-empty values. @param {Record<string, string | number | boolean | null | undefined>} params */
export const queryString = (params = {}) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params))
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
};

/** @param {string} path @param {string} accept @param {AbortSignal} [signal] */
const request = async (path, accept, signal) => {
  const response = await fetch(path, {
    headers: { authorization: `Bearer ${token.get() ?? ''}`, accept },
    cache: 'no-store',
    credentials: 'omit',
    signal,
  });
  if (response.ok) return response;
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
  throw new Kind(response.status, code, text, path.split('?')[0] ?? path);
};

/**
 * GET a JSON answer of the query API.
 * @param {string} path @param {Record<string, string | number | boolean | null | undefined>} [params] @param {AbortSignal} [signal]
 * @returns {Promise<any>}
 */
export const getJson = async (path, params, signal) =>
  (await request(`${path}${queryString(params)}`, 'application/json', signal)).json();

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
