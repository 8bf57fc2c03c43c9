import { attempt } from '../api.js';
import { failureMessage } from '../failure.js';
import { badge, formValues, h, input, replace, select, table } from '../dom.js';
import { localDayBound, money, time } from '../format.js';
import { filtersFrom, hashFor, pager } from '../paging.js';
import { INTENT_STATUSES, PAYMENT_STATUSES } from '../statuses.js';

const FILTERS = [
  'payment_status',
  'status',
  'order_id',
  'customer_id',
  'currency',
  'livemode',
  'created_from',
  'created_to',
  'limit',
];
const PAGE_SIZES = ['25', '50', '100', '250'];

/** @param {string} id */
export const paymentLink = (id) =>
  id ? h('a', { href: `#/payments/${encodeURIComponent(id)}` }, id) : h('span', { class: 'muted' }, '—');

/** @param {import('../main.js').Route} route */
export const render = async (route) => {
  if (route.path[1]) return (await import('./payment.js')).render(route);
  const filters = filtersFrom(route.params, FILTERS);
  const cursor = route.params.get('cursor') ?? undefined;
  const { limit = '50', created_from: from, created_to: to, ...rest } = filters;
  const answer = await attempt(
    route.get('/api/payments', {
      ...rest,
      limit,
      cursor,
      created_from: from && localDayBound(from, 'start'),
      created_to: to && localDayBound(to, 'end'),
    }),
  );
  if (route.signal.aborted) return;
  replace(
    route.main,
    h('h1', {}, 'Payments'),
    searchForm(route),
    filterForm(route, filters),
    answer.ok ? results(route, filters, cursor, answer.value) : failureMessage(answer.error, 'Payments'),
  );
};

/** @param {import('../main.js').Route} route */
const searchForm = (route) => {
  const form = h(
    'form',
    { class: 'inline panel', role: 'search', 'aria-label': 'Find a payment by id' },
    input('Payment id', 'id', {
      placeholder: 'pi_... or ch_...',
      required: true,
      // Spaces around a pasted id are allowed here and trimmed on submit (formValues).
      pattern: '\\s*[A-Za-z0-9_.:@#\\/+\\-]{1,255}\\s*',
      title: 'a payment intent or charge id',
      spellcheck: 'false',
    }),
    h('button', { type: 'submit' }, 'Open payment'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const { id } = formValues(/** @type {HTMLFormElement} */ (form));
    if (id) route.go(`#/payments/${encodeURIComponent(id)}`);
  });
  return form;
};

/** @param {import('../main.js').Route} route @param {Record<string, string>} filters */
const filterForm = (route, filters) => {
  const form = h(
    'form',
    { class: 'filters panel', 'aria-label': 'Filter payments' },
    select('Payment status', 'payment_status', PAYMENT_STATUSES, filters.payment_status),
    select('Stripe status', 'status', INTENT_STATUSES, filters.status),
    input('Order id', 'order_id', { value: filters.order_id ?? '', spellcheck: 'false' }),
    input('Customer id', 'customer_id', { value: filters.customer_id ?? '', spellcheck: 'false' }),
    input('Currency', 'currency', {
      value: filters.currency ?? '',
      size: 4,
      maxlength: 3,
      pattern: '\\s*[A-Za-z]{3}\\s*',
      title: 'three letters, e.g. usd',
    }),
    h(
      'label',
      {},
      'Mode',
      h(
        'select',
        { name: 'livemode' },
        h('option', { value: '' }, 'Live and test'),
        h('option', { value: 'true', selected: filters.livemode === 'true' }, 'Live'),
        h('option', { value: 'false', selected: filters.livemode === 'false' }, 'Test'),
      ),
    ),
    input('Created from (your time zone)', 'created_from', {
      type: 'date',
      value: filters.created_from ?? '',
    }),
    input('Created to', 'created_to', { type: 'date', value: filters.created_to ?? '' }),
    select('Rows per page', 'limit', PAGE_SIZES, filters.limit ?? '50', 'Default (50)'),
    h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
    h('button', { type: 'button', onclick: () => route.go('#/payments') }, 'Clear'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    route.go(hashFor('payments', formValues(/** @type {HTMLFormElement} */ (form))));
  });
  return form;
};

/**
 * @param {import('../main.js').Route} route @param {Record<string, string>} filters @param {string | undefined} cursor
 * @param {{ data: any[], next_cursor: string | null }} answer
 */
const results = (route, filters, cursor, answer) =>
  h(
    'section',
    { 'aria-label': 'Payments found' },
    table({
      testid: 'payments',
      rows: answer.data,
      empty: 'No payment matches these filters.',
      columns: [
        { header: 'Payment', cell: (p) => paymentLink(p.payment_id) },
        { header: 'Created', cell: (p) => time(p.created_at) },
        { header: 'Amount', num: true, cell: (p) => money(p.amount, p.currency) },
        { header: 'Received', num: true, cell: (p) => money(p.amount_received, p.currency) },
        { header: 'Refunded', num: true, cell: (p) => money(p.amount_refunded, p.currency) },
        { header: 'Status', cell: (p) => badge(p.payment_status) },
        { header: 'Dispute', cell: (p) => (p.dispute_status ? badge(p.dispute_status) : '') },
        { header: 'Order', cell: (p) => p.order_id ?? '' },
        { header: 'Customer', cell: (p) => p.customer_id ?? '' },
        { header: 'Mode', cell: (p) => (p.livemode ? 'live' : 'test') },
      ],
    }),
    pager({
      base: 'payments',
      filters,
      cursor,
      nextCursor: answer.next_cursor,
      go: route.go,
      shown: answer.data.length,
    }),
  );
