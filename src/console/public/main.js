import { token, Unauthorized, describeError, getJson, TOKEN_REFUSED_EVENT } from './api.js';
import { h, replace, message } from './dom.js';
import { staleNotice } from './staleNotice.js';

/**
 * What a page is given to draw itself. `get` reads the query API for this route (aborted when the reader
 * moves on; what its answers say is stale is shown above the page). `redirect` replaces the current
 * history entry, so Back does not return to a link that only forwards.
 * @typedef {{
 *   main: HTMLElement, path: string[], params: URLSearchParams, signal: AbortSignal,
 *   get: (path: string, params?: Record<string, string | number | boolean | null | undefined>, options?: { answered?: readonly number[] }) => Promise<any>,
 *   go: (hash: string) => void, redirect: (hash: string) => void,
 * }} Route
 */

/** A page's module could not be loaded: after an upgrade the server serves the new version's modules,
 * and this tab still asks for the old one's. */
class PageUnavailable extends Error {}

/** @template T @param {() => Promise<T>} load @returns {Promise<T>} */
const loadPage = (load) =>
  load().catch(() => {
    throw new PageUnavailable();
  });

// Pages load when first visited, so signing in costs only the payments page.
const PAGES = {
  payments: () => import('./pages/payments.js'),
  disputes: () => import('./pages/disputes.js'),
  reports: () => import('./pages/reports.js'),
  payouts: () => import('./pages/payouts.js'),
  operations: () => import('./pages/operations.js'),
};

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.querySelector('header nav'));
const signOutButton = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));

/** @type {AbortController | undefined} */
let current;
let lastPath = '';

/** @param {string} [reason] */
const signInForm = (reason) => {
  // The page after signing in is drawn afresh, not dimmed over this form.
  lastPath = '';
  nav.hidden = true;
  signOutButton.hidden = true;
  const field = h('input', {
    id: 'api-token',
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    required: true,
    spellcheck: 'false',
  });
  const form = h(
    'form',
    { class: 'panel signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title' }, 'Sign in'),
    reason && message('error', reason),
    h('label', { for: 'api-token' }, 'API token'),
    field,
    h(
      'p',
      { class: 'muted' },
      'One of the LEDGER_API_TOKENS of this ledger. It is kept in this tab only, until you sign out or close it.',
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = /** @type {HTMLInputElement} */ (field).value.trim();
    if (!value) return;
    token.set(value);
    signIn();
  });
  replace(main, form);
  field.focus();
};

/** The token was refused (rotated, revoked): forget it and ask again, saying why. @param {string} why */
const tokenRefused = (why) => {
  token.clear();
  signInForm(`The API token was refused: ${why}. Sign in again.`);
};

/** Shows the console; the first page's request checks the token (a refused one comes back here with a message). */
const signIn = () => {
  nav.hidden = false;
  signOutButton.hidden = false;
  if (!location.hash || location.hash === '#' || location.hash === '#main') location.hash = '#/payments';
  else void route();
};

/**
 * From the moment a route starts until its page is drawn: a new page replaces the old one with
 * "Loading…" (the old heading and table must not sit under the new nav link); a new filter or page of
 * the same list keeps the old content, dimmed, under the note.
 * @param {boolean} moved
 */
const showLoading = (moved) => {
  main.setAttribute('aria-busy', 'true');
  const existing = main.querySelector(':scope > .loading-note');
  const note = existing ?? h('p', { class: 'loading-note', role: 'status' }, 'Loading…');
  if (moved) replace(main, note);
  else if (!existing) main.prepend(note);
};

const route = async () => {
  if (!token.get()) return signInForm();
  if (location.hash === '#main') return;
  const [pathPart = '', queryPart = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const parts = pathPart.split('/').filter(Boolean);
  const known = !parts[0] || Object.hasOwn(PAGES, parts[0]);
  const section = /** @type {keyof typeof PAGES} */ (known && parts[0] ? parts[0] : 'payments');
  for (const link of nav.querySelectorAll('a')) {
    if (known && link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  current?.abort();
  if (!known) {
    // A mistyped or outdated link: say so, rather than read its words as a payment id.
    lastPath = pathPart;
    return replace(
      main,
      h('h1', {}, 'No such page'),
      message('error', `The console has no page at ${location.hash}.`),
      h('p', {}, h('a', { href: '#/payments' }, 'Open Payments')),
    );
  }
  const controller = (current = new AbortController());
  // A new page (not a new filter or page of the same list) moves focus to it, as a page load would.
  const moved = pathPart !== lastPath;
  lastPath = pathPart;
  showLoading(moved);
  /** @type {import('./api.js').Staleness} */
  const stale = new Map();
  try {
    // Inside the try: a damaged link (`%E0%A4%A`) is a message on the page, not an uncaught error.
    const path = parts.map(decodeURIComponent);
    const page = await loadPage(PAGES[section]);
    await page.render({
      main,
      path,
      params: new URLSearchParams(queryPart),
      signal: controller.signal,
      get: (apiPath, params, options) => getJson(apiPath, params, controller.signal, { ...options, stale }),
      go: (hash) => (location.hash = hash),
      redirect: (hash) => {
        history.replaceState(null, '', hash);
        void route();
      },
    });
    if (controller.signal.aborted) return;
    if (moved) main.focus({ preventScroll: true });
    const notice = await staleNotice(stale, controller.signal);
    if (notice && !controller.signal.aborted) {
      const heading = main.querySelector('h1');
      if (heading) heading.after(notice);
      else main.prepend(notice);
    }
  } catch (error) {
    if (controller.signal.aborted) return;
    if (error instanceof Unauthorized) return tokenRefused(error.message);
    if (error instanceof PageUnavailable) {
      const reload = h('button', { type: 'button', class: 'primary' }, 'Reload');
      reload.addEventListener('click', () => location.reload());
      return replace(
        main,
        h('h1', {}, 'The console was updated'),
        message(
          'error',
          'This page cannot load its part of the console: the ledger now serves a newer version.',
        ),
        h('p', {}, reload, ' to open the new version (you stay signed in).'),
      );
    }
    if (error instanceof URIError)
      return replace(
        main,
        h('h1', {}, 'Bad link'),
        message('error', `This link is damaged and cannot be read: ${location.hash}`),
        h('p', {}, h('a', { href: `#/${section}` }, `Open ${section[0]?.toUpperCase()}${section.slice(1)}`)),
      );
    replace(main, h('h1', {}, 'Something went wrong'), message('error', describeError(error)));
  } finally {
    if (current === controller) {
      main.removeAttribute('aria-busy');
      main.querySelector(':scope > .loading-note')?.remove();
    }
  }
};

signOutButton.addEventListener('click', () => {
  token.clear();
  current?.abort();
  history.replaceState(null, '', location.pathname);
  signInForm();
});
window.addEventListener('hashchange', () => void route());
window.addEventListener(TOKEN_REFUSED_EVENT, (event) => {
  current?.abort();
  tokenRefused(/** @type {CustomEvent<string>} */ (event).detail);
});
if (token.get()) signIn();
else signInForm();
