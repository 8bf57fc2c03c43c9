import { token, Unauthorized, describeError } from './api.js';
import { h, replace, message } from './dom.js';

/** @typedef {{ main: HTMLElement, path: string[], params: URLSearchParams, signal: AbortSignal, go: (hash: string) => void }} Route */

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

/** Shows the console; the first page's request checks the token (a refused one comes back here with a message). */
const signIn = () => {
  nav.hidden = false;
  signOutButton.hidden = false;
  if (!location.hash || location.hash === '#' || location.hash === '#main') location.hash = '#/payments';
  else void route();
};

const route = async () => {
  if (!token.get()) return signInForm();
  if (location.hash === '#main') return;
  const [pathPart = '', queryPart = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const path = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const section = /** @type {keyof typeof PAGES} */ (path[0] && path[0] in PAGES ? path[0] : 'payments');
  for (const link of nav.querySelectorAll('a')) {
    if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  current?.abort();
  const controller = (current = new AbortController());
  // A new page (not a new filter or page of the same list) moves focus to it, as a page load would.
  const moved = pathPart !== lastPath;
  lastPath = pathPart;
  main.setAttribute('aria-busy', 'true');
  try {
    const page = await PAGES[section]();
    await page.render({
      main,
      path,
      params: new URLSearchParams(queryPart),
      signal: controller.signal,
      go: (hash) => (location.hash = hash),
    });
    if (moved && !controller.signal.aborted) main.focus({ preventScroll: true });
  } catch (error) {
    if (controller.signal.aborted) return;
    if (error instanceof Unauthorized) {
      token.clear();
      return signInForm(`The API token was refused: ${error.message}. Sign in again.`);
    }
    replace(main, h('h1', {}, 'Something went wrong'), message('error', describeError(error)));
  } finally {
    if (current === controller) main.removeAttribute('aria-busy');
  }
};

signOutButton.addEventListener('click', () => {
  token.clear();
  current?.abort();
  history.replaceState(null, '', location.pathname);
  signInForm();
});
window.addEventListener('hashchange', () => void route());
if (token.get()) signIn();
else signInForm();
