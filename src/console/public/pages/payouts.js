import { attempt } from '../api.js';
import { badge, h, input, replace, select, table } from '../dom.js';
import { detailFailure, failureMessage } from '../failure.js';
import { calendarDay, localDayBound, money, time } from '../format.js';
import { filtersFrom, hashFor, pager } from '../paging.js';
import { PAYOUT_STATUSES } from '../statuses.js';
import { balanceTransactions } from './payment.js';

const payoutLink = (/** @type {string} */ id) => h('a', { href: `#/payouts/${encodeURIComponent(id)}` }, id);

/**
 * A payout's reconciliation: once paid, the transactions it paid out must be known and their net must
 * equal its amount. Stripe lists the transactions of automatic payouts only (SPEC section 12), so a
 * manual payout's are never known. @param {any} p
 */
const reconciliation = (p) => {
  if (p.reconciled) return h('span', { class: 'badge good' }, 'reconciled');
  const status = String(p.status).replaceAll('_', ' ');
  if (p.status === 'failed' || p.status === 'canceled')
    return h('span', { class: 'badge neutral' }, `not paid out (${status})`);
  if (p.status !== 'paid') return h('span', { class: 'badge neutral' }, `not paid out yet (${status})`);
  if (p.automatic === false)
    return h('span', { class: 'badge neutral' }, "Stripe does not list a manual payout's transactions");
  if (p.transaction_count === null || p.transactions_net === null)
    return h('span', { class: 'badge warn' }, 'transactions not known yet');
  return h('span', { class: 'badge bad' }, `off by ${money(p.amount - p.transactions_net, p.currency)}`);
};

/** Payouts, newest first, each with its reconciliation; an id opens the payout and what it paid out. */
export const render = async (/** @type {import('../main.js').Route} */ route) => {
  if (route.path[1]) return renderPayout(route, route.path[1]);
  const filters = filtersFrom(route.params, ['status', 'created_from', 'created_to']);
  const cursor = route.params.get('cursor') ?? undefined;
  const { created_from: from, created_to: to, ...rest } = filters;
  const answer = await attempt(
    route.get('/api/payouts', {
      ...rest,
      cursor,
      limit: 50,
      created_from: from && localDayBound(from, 'start'),
      created_to: to && localDayBound(to, 'end'),
    }),
  );
  if (route.signal.aborted) return;
  const form = h(
    'form',
    { class: 'filters panel', 'aria-label': 'Filter payouts' },
    select('Status', 'status', PAYOUT_STATUSES, filters.status),
    input('Created from (your time zone)', 'created_from', {
      type: 'date',
      value: filters.created_from ?? '',
    }),
    input('Created to', 'created_to', { type: 'date', value: filters.created_to ?? '' }),
    h('button', { type: 'submit', class: 'primary' }, 'Apply filters'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    /** @type {Record<string, string>} */
    const values = {};
    for (const [key, value] of new FormData(/** @type {HTMLFormElement} */ (form)))
      if (value) values[key] = String(value);
    route.go(hashFor('payouts', values));
  });
  replace(
    route.main,
    h('h1', {}, 'Payouts'),
    form,
    answer.ok
      ? h(
          'section',
          { 'aria-label': 'Payouts found' },
          table({
            testid: 'payouts',
            rows: answer.value.data,
            empty: 'No payouts.',
            columns: [
              { header: 'Payout', cell: (p) => payoutLink(p.payout_id) },
              { header: 'Created', cell: (p) => time(p.created_at) },
              { header: 'Arrival (UTC day)', cell: (p) => calendarDay(p.arrival_date) },
              { header: 'Amount', num: true, cell: (p) => money(p.amount, p.currency) },
              { header: 'Status', cell: (p) => badge(p.status) },
              { header: 'Transactions', num: true, cell: (p) => p.transaction_count ?? '—' },
              { header: 'Their net', num: true, cell: (p) => money(p.transactions_net, p.currency) },
              { header: 'Reconciliation', cell: reconciliation },
            ],
          }),
          pager({
            base: 'payouts',
            filters,
            cursor,
            nextCursor: answer.value.next_cursor,
            go: route.go,
            shown: answer.value.data.length,
          }),
        )
      : failureMessage(answer.error, 'Payouts'),
  );
};

/** @param {import('../main.js').Route} route @param {string} id */
const renderPayout = async (route, id) => {
  const answer = await attempt(route.get(`/api/payouts/${encodeURIComponent(id)}`));
  if (route.signal.aborted) return;
  const back = h('p', {}, h('a', { href: '#/payouts' }, '← All payouts'));
  if (!answer.ok) {
    return replace(route.main, ...detailFailure({ back, what: 'Payout', id, error: answer.error }));
  }
  const p = answer.value;
  const totals = p.totals ?? [];
  replace(
    route.main,
    back,
    h('h1', {}, 'Payout ', h('code', {}, p.payout_id), ' ', badge(p.status)),
    h(
      'section',
      { 'aria-labelledby': 'reconciliation' },
      h('h2', { id: 'reconciliation' }, 'Reconciliation'),
      h(
        'dl',
        { class: 'facts' },
        [
          ['Amount paid out', money(p.amount, p.currency)],
          ['Net of the transactions it paid out', money(p.transactions_net, p.currency)],
          [
            'Difference',
            p.transactions_net === null || p.transactions_net === undefined
              ? '—'
              : money(p.amount - p.transactions_net, p.currency),
          ],
          ['Transactions paid out', String(p.transaction_count ?? '—')],
          ['Result', reconciliation(p)],
          ['Created', time(p.created_at)],
          ['Arrival (UTC day)', calendarDay(p.arrival_date)],
          ['Automatic', p.automatic ? 'yes' : 'no'],
          ["Payout's own transaction", p.balance_transaction_id ?? '—'],
        ].map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'totals' },
      h('h2', { id: 'totals' }, 'Totals per reporting category'),
      table({
        testid: 'payout-totals',
        rows: totals,
        empty: 'No transactions paid out yet.',
        columns: [
          { header: 'Category', cell: (t) => t.reporting_category },
          { header: 'Currency', cell: (t) => t.currency.toUpperCase() },
          { header: 'Count', num: true, cell: (t) => t.count },
          { header: 'Gross', num: true, cell: (t) => money(t.gross, t.currency) },
          { header: 'Fees', num: true, cell: (t) => money(t.fee, t.currency) },
          { header: 'Net', num: true, cell: (t) => money(t.net, t.currency) },
        ],
      }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'transactions' },
      h('h2', { id: 'transactions' }, 'Transactions paid out'),
      balanceTransactions(p.transactions ?? []),
    ),
  );
};
