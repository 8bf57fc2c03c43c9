import { attempt } from '../api.js';
import { detailFailure } from '../failure.js';
import { badge, h, message, replace, table } from '../dom.js';
import { money, time } from '../format.js';
import { hashFor } from '../paging.js';
import { paymentLink } from './payments.js';

/** One payment: its amounts, its status history as a timeline, refunds, disputes, balance transactions. */
export const render = async (/** @type {import('../main.js').Route} */ route) => {
  const id = route.path[1] ?? '';
  // The search takes a charge id too: its payment is looked up first (a legacy charge is a payment of
  // its own, found below by its id).
  if (CHARGE_ID.test(id)) {
    const owner = await attempt(paymentOfCharge(route, id));
    if (route.signal.aborted) return;
    if (owner.ok && owner.value && owner.value !== id)
      return route.redirect(hashFor(`payments/${encodeURIComponent(owner.value)}`, { charge: id }));
  }
  const answer = await attempt(route.get(`/api/payments/${encodeURIComponent(id)}`));
  if (route.signal.aborted) return;
  const back = h('p', {}, h('a', { href: '#/payments' }, '← All payments'));
  if (!answer.ok) {
    return replace(route.main, ...detailFailure({ back, what: 'Payment', id, error: answer.error }));
  }
  const p = answer.value;
  const charge = route.params.get('charge');
  const amount = (/** @type {number} */ value) => money(value, p.currency);
  replace(
    route.main,
    back,
    h('h1', {}, 'Payment ', h('code', {}, p.payment_id), ' ', badge(p.payment_status)),
    charge === null
      ? null
      : charge === p.latest_charge_id
        ? message('notice', `Found by its charge ${charge}, the latest charge of this payment.`)
        : message(
            'notice',
            `Found by the charge ${charge}; the latest charge of this payment is ${p.latest_charge_id ?? 'not known'}.`,
          ),
    h(
      'div',
      { class: 'cards' },
      card('Amount', amount(p.amount)),
      card('Received', amount(p.amount_received)),
      card('Refunded', amount(p.amount_refunded)),
      card('Net of refunds', amount(p.amount_received - p.amount_refunded)),
    ),
    h(
      'section',
      { 'aria-labelledby': 'facts' },
      h('h2', { id: 'facts' }, 'Details'),
      facts([
        ['Status', badge(p.payment_status)],
        ["Stripe's status", p.status],
        ['Currency', p.currency.toUpperCase()],
        ['Mode', p.livemode ? 'live' : 'test'],
        [
          'Order',
          p.order_id ? h('a', { href: hashFor('payments', { order_id: p.order_id }) }, p.order_id) : '—',
        ],
        [
          'Customer',
          p.customer_id
            ? h('a', { href: hashFor('payments', { customer_id: p.customer_id }) }, p.customer_id)
            : '—',
        ],
        ['Account', p.account_id ?? '—'],
        ['Latest charge', p.latest_charge_id ?? '—'],
        ['Dispute', badge(p.dispute_status)],
        [
          'Failure',
          p.failure_code || p.failure_message
            ? h(
                'span',
                { 'data-testid': 'failure' },
                [p.failure_code, p.failure_message].filter(Boolean).join(': '),
              )
            : '—',
        ],
        ['Created', time(p.created_at)],
        ['Paid', time(p.paid_at)],
        ['Updated', time(p.updated_at)],
        ['Last Stripe event', p.last_stripe_event_id ?? '—'],
      ]),
    ),
    h(
      'section',
      { 'aria-labelledby': 'history' },
      h('h2', { id: 'history' }, 'Status history'),
      timeline(p.history ?? []),
    ),
    h(
      'section',
      { 'aria-labelledby': 'refunds' },
      h('h2', { id: 'refunds' }, 'Refunds'),
      table({
        testid: 'refunds',
        rows: p.refunds ?? [],
        empty: 'No refunds.',
        columns: [
          { header: 'Refund', cell: (r) => r.refund_id },
          { header: 'Created', cell: (r) => time(r.created_at) },
          { header: 'Amount', num: true, cell: (r) => money(r.amount, r.currency) },
          { header: 'Status', cell: (r) => badge(r.status) },
          { header: 'Reason', cell: (r) => r.reason ?? '' },
          { header: 'Failure reason', wrap: true, cell: (r) => r.failure_reason ?? '' },
        ],
      }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'disputes' },
      h('h2', { id: 'disputes' }, 'Disputes'),
      table({
        testid: 'disputes',
        rows: p.disputes ?? [],
        empty: 'No disputes.',
        columns: [
          { header: 'Dispute', cell: (d) => d.dispute_id },
          { header: 'Opened', cell: (d) => time(d.opened_at) },
          { header: 'Amount', num: true, cell: (d) => money(d.amount, d.currency) },
          { header: 'Status', cell: (d) => badge(d.status) },
          { header: 'Reason', cell: (d) => d.reason ?? '' },
          { header: 'Evidence due', cell: (d) => time(d.evidence_due_by) },
          { header: 'Closed', cell: (d) => time(d.closed_at) },
        ],
      }),
    ),
    h(
      'section',
      { 'aria-labelledby': 'balance' },
      h('h2', { id: 'balance' }, 'Balance transactions'),
      balanceTransactions(p.balance_transactions ?? []),
    ),
  );
};

const CHARGE_ID = /^(ch|py)_/;

/** The payment `chargeId` belongs to (its latest charge or an earlier one), or null. @param {import('../main.js').Route} route @param {string} chargeId */
const paymentOfCharge = async (route, chargeId) => {
  const found = await route.get('/api/payments', { charge_id: chargeId, limit: 1 });
  return found.data[0]?.payment_id ?? null;
};

const card = (/** @type {string} */ label, /** @type {string} */ figure) =>
  h('div', { class: 'panel' }, h('div', { class: 'muted' }, label), h('div', { class: 'figure' }, figure));

/** @param {[string, unknown][]} entries */
const facts = (entries) =>
  h(
    'dl',
    { class: 'facts' },
    entries.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
  );

/** Every event applied to the payment, oldest first, with the status it moved from and to. @param {any[]} history */
const timeline = (history) =>
  history.length === 0
    ? h('p', { class: 'muted' }, 'No events yet.')
    : h(
        'ol',
        { class: 'timeline', 'data-testid': 'timeline' },
        history.map((event) =>
          h(
            'li',
            {},
            h('span', { class: 'when' }, time(event.occurred_at)),
            event.from_status && event.from_status !== event.to_status
              ? [badge(event.from_status), ' → ']
              : null,
            badge(event.to_status),
            ' ',
            h('strong', {}, event.event_type),
            ' ',
            h('span', { class: 'muted' }, event.stripe_event_id),
          ),
        ),
      );

/** Money that moved for this payment, from Stripe's balance transactions (SPEC section 12). @param {any[]} rows */
export const balanceTransactions = (rows) =>
  table({
    testid: 'balance-transactions',
    rows,
    empty: 'No balance transactions recorded yet.',
    columns: [
      { header: 'Transaction', cell: (t) => t.balance_transaction_id },
      { header: 'Created', cell: (t) => time(t.created_at) },
      { header: 'Type', cell: (t) => t.type },
      { header: 'Category', cell: (t) => t.reporting_category },
      { header: 'Amount', num: true, cell: (t) => money(t.amount, t.currency) },
      { header: 'Fee', num: true, cell: (t) => money(t.fee, t.currency) },
      { header: 'Net', num: true, cell: (t) => money(t.net, t.currency) },
      { header: 'Status', cell: (t) => badge(t.status) },
      { header: 'Available on', cell: (t) => time(t.available_on) },
      { header: 'Payment', cell: (t) => (t.payment_id ? paymentLink(t.payment_id) : '') },
      {
        header: 'Payout',
        cell: (t) =>
          t.payout_id ? h('a', { href: `#/payouts/${encodeURIComponent(t.payout_id)}` }, t.payout_id) : '',
      },
    ],
  });
