import { attempt } from '../api.js';
import { badge, formValues, h, replace, select, table } from '../dom.js';
import { failureMessage } from '../failure.js';
import { daysUntil, money, time } from '../format.js';
import { filtersFrom, hashFor, pager } from '../paging.js';
import { DISPUTE_STATUSES } from '../statuses.js';
import { paymentLink } from './payments.js';

const NEEDS_RESPONSE = ['needs_response', 'warning_needs_response'];
// The disputes needing a response with the soonest deadlines; the rest are one click away (all
// disputes, that status, by evidence due date), paged by the API.
const NEEDS_RESPONSE_SHOWN = 100;
const EVIDENCE_ORDER = 'evidence_due_by';

/** Disputes that need a response first, soonest evidence deadline first; then every dispute, newest
 * first or by evidence deadline. */
export const render = async (/** @type {import('../main.js').Route} */ route) => {
  const filters = filtersFrom(route.params, ['status', 'sort']);
  const cursor = route.params.get('cursor') ?? undefined;
  const [open, all] = await Promise.all([
    attempt(needingResponse(route)),
    attempt(route.get('/api/disputes', { ...filters, cursor, limit: 50 })),
  ]);
  if (route.signal.aborted) return;
  const statusForm = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter disputes' },
    select('Status', 'status', DISPUTE_STATUSES, filters.status),
    h(
      'label',
      {},
      'Order',
      h(
        'select',
        { name: 'sort' },
        h('option', { value: '' }, 'Newest opened first'),
        h(
          'option',
          { value: EVIDENCE_ORDER, selected: filters.sort === EVIDENCE_ORDER },
          'Evidence due soonest',
        ),
      ),
    ),
    h('button', { type: 'submit' }, 'Apply'),
  );
  statusForm.addEventListener('submit', (event) => {
    event.preventDefault();
    route.go(hashFor('disputes', formValues(/** @type {HTMLFormElement} */ (statusForm))));
  });
  replace(
    route.main,
    h('h1', {}, 'Disputes'),
    h(
      'section',
      { 'aria-labelledby': 'needs-response' },
      h('h2', { id: 'needs-response' }, 'Needing a response, by evidence due date'),
      open.ok ? needsResponseTable(open.value) : failureMessage(open.error, 'Disputes'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'all-disputes' },
      h(
        'h2',
        { id: 'all-disputes' },
        filters.sort === EVIDENCE_ORDER ? 'All disputes, by evidence due date' : 'All disputes, newest first',
      ),
      statusForm,
      all.ok
        ? [
            disputesTable(all.value.data, 'disputes'),
            pager({
              base: 'disputes',
              filters,
              cursor,
              nextCursor: all.value.next_cursor,
              go: route.go,
              shown: all.value.data.length,
            }),
          ]
        : failureMessage(all.error, 'Disputes'),
    ),
  );
};

/**
 * The disputes needing a response with the soonest deadlines (none last): the first page of each such
 * status in the API's evidence order, merged. @param {import('../main.js').Route} route
 */
const needingResponse = async (route) => {
  const pages = await Promise.all(
    NEEDS_RESPONSE.map((status) =>
      route.get('/api/disputes', { status, sort: EVIDENCE_ORDER, limit: NEEDS_RESPONSE_SHOWN }),
    ),
  );
  const due = (/** @type {any} */ d) => (d.evidence_due_by ? Date.parse(d.evidence_due_by) : Infinity);
  const merged = pages
    .flatMap((page) => page.data)
    .sort(
      (a, b) => due(a) - due(b) || (a.dispute_id < b.dispute_id ? -1 : a.dispute_id > b.dispute_id ? 1 : 0),
    );
  return {
    rows: merged.slice(0, NEEDS_RESPONSE_SHOWN),
    truncated: merged.length > NEEDS_RESPONSE_SHOWN || pages.some((page) => page.next_cursor !== null),
  };
};

/** @param {{ rows: any[], truncated: boolean }} open */
const needsResponseTable = ({ rows, truncated }) => [
  truncated
    ? h(
        'p',
        { class: 'message notice' },
        `Showing the ${NEEDS_RESPONSE_SHOWN} with the soonest deadlines. For every one, list all disputes by status in the order "Evidence due soonest".`,
      )
    : null,
  table({
    testid: 'needs-response',
    rows,
    empty: 'No dispute needs a response.',
    columns: [
      { header: 'Evidence due', cell: (d) => [time(d.evidence_due_by), ' ', deadline(d.evidence_due_by)] },
      ...columns,
    ],
  }),
];

/** @param {string | null} due */
const deadline = (due) => {
  if (!due) return '';
  if (new Date(due).getTime() <= Date.now()) return h('span', { class: 'badge bad' }, 'overdue');
  const days = daysUntil(due);
  return h(
    'span',
    { class: `badge ${days < 3 ? 'bad' : 'warn'}` },
    days === 0 ? 'due today' : days === 1 ? 'due tomorrow' : `${days} days left`,
  );
};

/** @type {{ header: string, cell: (d: any) => unknown, num?: boolean }[]} */
const columns = [
  { header: 'Dispute', cell: (d) => d.dispute_id },
  { header: 'Payment', cell: (d) => paymentLink(d.payment_id) },
  { header: 'Amount', num: true, cell: (d) => money(d.amount, d.currency) },
  { header: 'Status', cell: (d) => badge(d.status) },
  { header: 'Reason', cell: (d) => d.reason ?? '' },
  { header: 'Opened', cell: (d) => time(d.opened_at) },
];

const disputesTable = (/** @type {any[]} */ rows, /** @type {string} */ testid) =>
  table({
    testid,
    rows,
    empty: 'No disputes.',
    columns: [
      ...columns,
      { header: 'Evidence due', cell: (d) => time(d.evidence_due_by) },
      { header: 'Closed', cell: (d) => time(d.closed_at) },
    ],
  });
