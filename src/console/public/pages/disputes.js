import { attempt, getJson } from '../api.js';
import { badge, h, replace, select, table } from '../dom.js';
import { failureMessage } from '../failure.js';
import { daysUntil, money, time } from '../format.js';
import { filtersFrom, hashFor, pager } from '../paging.js';
import { DISPUTE_STATUSES } from '../statuses.js';
import { paymentLink } from './payments.js';

const NEEDS_RESPONSE = ['needs_response', 'warning_needs_response'];
// Disputes awaiting a response are few (each is work for someone); past this many the page says so.
const NEEDS_RESPONSE_CAP = 5000;

/** Disputes that need a response first, soonest evidence deadline first; then every dispute, newest first. */
export const render = async (/** @type {import('../main.js').Route} */ route) => {
  const filters = filtersFrom(route.params, ['status']);
  const cursor = route.params.get('cursor') ?? undefined;
  const [open, all] = await Promise.all([
    attempt(needingResponse(route.signal)),
    attempt(getJson('/api/disputes', { ...filters, cursor, limit: 50 }, route.signal)),
  ]);
  if (route.signal.aborted) return;
  const statusForm = h(
    'form',
    { class: 'filters', 'aria-label': 'Filter disputes' },
    select('Status', 'status', DISPUTE_STATUSES, filters.status),
    h('button', { type: 'submit' }, 'Apply'),
  );
  statusForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const status = /** @type {HTMLSelectElement} */ (statusForm.querySelector('select')).value;
    route.go(hashFor('disputes', status ? { status } : {}));
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
      h('h2', { id: 'all-disputes' }, 'All disputes, newest first'),
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

/** Every dispute in a status that needs a response, soonest deadline first (none last). @param {AbortSignal} signal */
const needingResponse = async (signal) => {
  /** @type {any[]} */
  const rows = [];
  for (const status of NEEDS_RESPONSE) {
    /** @type {string | null | undefined} */
    let cursor;
    do {
      const page = await getJson('/api/disputes', { status, limit: 1000, cursor }, signal);
      rows.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor && rows.length < NEEDS_RESPONSE_CAP);
  }
  const due = (/** @type {any} */ d) => (d.evidence_due_by ? Date.parse(d.evidence_due_by) : Infinity);
  return {
    rows: rows.sort((a, b) => due(a) - due(b) || a.dispute_id.localeCompare(b.dispute_id)),
    truncated: rows.length >= NEEDS_RESPONSE_CAP,
  };
};

/** @param {{ rows: any[], truncated: boolean }} open */
const needsResponseTable = ({ rows, truncated }) => [
  truncated
    ? h(
        'p',
        { class: 'message notice' },
        `Showing the first ${NEEDS_RESPONSE_CAP} disputes needing a response.`,
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
  const days = daysUntil(due);
  if (days < 0) return h('span', { class: 'badge bad' }, 'overdue');
  return h(
    'span',
    { class: `badge ${days < 3 ? 'bad' : 'warn'}` },
    days === 0 ? 'due today' : `${days} day${days === 1 ? '' : 's'} left`,
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
