import { attempt, downloadCsv, describeError, TOKEN_REFUSED_EVENT, Unauthorized } from '../api.js';
import { daysBetween, dailyChart } from '../chart.js';
import { h, input, message, replace, table } from '../dom.js';
import { failureMessage } from '../failure.js';
import { major, money, moneyMajor } from '../format.js';
import { hashFor } from '../paging.js';

const utcToday = (/** @type {number} */ shift = 0) =>
  new Date(Date.now() + shift * 86_400_000).toISOString().slice(0, 10);
const isDay = (/** @type {string | null} */ value) => value !== null && /^\d{4}-\d{2}-\d{2}$/.test(value);

/** The daily report and the settlement report for a range of UTC days: a chart, a table, a CSV each. */
export const render = async (/** @type {import('../main.js').Route} */ route) => {
  const from = isDay(route.params.get('from'))
    ? /** @type {string} */ (route.params.get('from'))
    : utcToday(-29);
  const to = isDay(route.params.get('to')) ? /** @type {string} */ (route.params.get('to')) : utcToday();
  const range = { from, to };
  const [daily, settlement] = await Promise.all([
    attempt(route.get('/api/reports/daily', range)),
    attempt(route.get('/api/reports/settlement', range)),
  ]);
  if (route.signal.aborted) return;
  const form = h(
    'form',
    { class: 'filters panel', 'aria-label': 'Report range' },
    input('From (UTC day)', 'from', { type: 'date', value: from, required: true }),
    input('To (UTC day)', 'to', { type: 'date', value: to, required: true }),
    h('button', { type: 'submit', class: 'primary' }, 'Show'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(/** @type {HTMLFormElement} */ (form));
    route.go(hashFor('reports', { from: String(data.get('from')), to: String(data.get('to')) }));
  });
  /** @type {(() => void)[]} */
  const draws = [];
  replace(
    route.main,
    h('h1', {}, 'Reports'),
    form,
    h(
      'section',
      { 'aria-labelledby': 'daily' },
      h('h2', { id: 'daily' }, 'Daily report'),
      h(
        'p',
        { class: 'muted' },
        'Per UTC day: payments that became paid, refunds created (pending or succeeded), disputes lost (by the day they closed), and net.',
      ),
      csvButton('Download daily CSV', '/api/reports/daily', range, `daily-${from}-${to}.csv`),
      daily.ok
        ? dailySection(daily.value.data, from, to, draws)
        : failureMessage(daily.error, 'Daily report'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'settlement' },
      h('h2', { id: 'settlement' }, 'Settlement report'),
      h(
        'p',
        { class: 'muted' },
        "Per UTC day of Stripe's balance transactions, currency and reporting category: count, gross, fees and net.",
      ),
      settlement.ok
        ? [
            csvButton(
              'Download settlement CSV',
              '/api/reports/settlement',
              range,
              `settlement-${from}-${to}.csv`,
            ),
            settlementSection(settlement.value.data, from, to, draws),
          ]
        : failureMessage(settlement.error, 'Settlement report'),
    ),
  );
  for (const draw of draws) draw();
};

/** @param {string} label @param {string} path @param {Record<string, string>} params @param {string} filename */
const csvButton = (label, path, params, filename) => {
  const status = h('span', { class: 'muted', role: 'status' });
  const button = h('button', { type: 'button' }, label);
  button.addEventListener('click', async () => {
    button.setAttribute('disabled', '');
    status.textContent = 'Downloading…';
    try {
      await downloadCsv(path, params, filename);
      status.textContent = `Saved ${filename}`;
    } catch (error) {
      if (error instanceof Unauthorized) {
        window.dispatchEvent(new CustomEvent(TOKEN_REFUSED_EVENT, { detail: error.message }));
        return;
      }
      status.textContent = `Download failed: ${describeError(error)}`;
    } finally {
      button.removeAttribute('disabled');
    }
  });
  return h('p', { class: 'inline' }, button, ' ', status);
};

/**
 * A chart for one series at a time (a currency and mode), chosen with a select, over every day of the range.
 * @param {string[]} keys @param {(key: string) => { label: string, series: { label: string, values: number[] }[], currency: string }} seriesOf
 * @param {string[]} days @param {(() => void)[]} draws
 */
const chartWithChoice = (keys, seriesOf, days, draws) => {
  const holder = h('div');
  const show = (/** @type {string} */ key) => {
    const { label, series, currency } = seriesOf(key);
    const chart = dailyChart({ label, days, series, format: (value) => moneyMajor(value, currency) });
    holder.replaceChildren(chart.element);
    chart.draw();
  };
  const choice = h(
    'select',
    { name: 'series' },
    keys.map((key) => h('option', { value: key }, key)),
  );
  choice.addEventListener('change', () => show(/** @type {HTMLSelectElement} */ (choice).value));
  draws.push(() => show(keys[0] ?? ''));
  return [h('label', { class: 'inline' }, 'Chart of ', choice), holder];
};

/** Said above a chart that plots fewer days than the range has. @param {string[]} days @param {string} from */
const cutNote = (days, from) =>
  days[0] === from
    ? null
    : message(
        'notice',
        `The chart shows the last ${days.length} days, from ${days[0]}; the table has every day.`,
      );

/** @param {any[]} rows @param {string} from @param {string} to @param {(() => void)[]} draws */
const dailySection = (rows, from, to, draws) => {
  if (rows.length === 0) return message('notice', `No activity from ${from} to ${to}.`);
  const days = daysBetween(from, to);
  const keyOf = (/** @type {any} */ r) =>
    `${r.currency.toUpperCase()} · ${r.livemode === null ? 'mode unknown' : r.livemode ? 'live' : 'test'}`;
  const keys = largestFirst(rows, keyOf, (r) => r.gross_paid);
  const seriesOf = (/** @type {string} */ key) => {
    const mine = rows.filter((r) => keyOf(r) === key);
    const currency = mine[0]?.currency ?? 'usd';
    const per = (/** @type {string} */ field) =>
      days.map((day) => major(mine.find((r) => r.day === day)?.[field] ?? 0, currency));
    return {
      label: `Daily report, ${key}`,
      currency,
      series: [
        { label: 'Gross paid', values: per('gross_paid') },
        { label: 'Refunded', values: per('refunded') },
        { label: 'Disputed', values: per('disputed') },
        { label: 'Net', values: per('net') },
      ],
    };
  };
  return [
    cutNote(days, from),
    chartWithChoice(keys, seriesOf, days, draws),
    table({
      testid: 'daily-report',
      rows,
      columns: [
        { header: 'Day (UTC)', cell: (r) => r.day },
        { header: 'Mode', cell: (r) => (r.livemode === null ? 'unknown' : r.livemode ? 'live' : 'test') },
        { header: 'Currency', cell: (r) => r.currency.toUpperCase() },
        { header: 'Payments paid', num: true, cell: (r) => r.payments_paid },
        { header: 'Gross paid', num: true, cell: (r) => money(r.gross_paid, r.currency) },
        { header: 'Refunded', num: true, cell: (r) => money(r.refunded, r.currency) },
        { header: 'Disputed', num: true, cell: (r) => money(r.disputed, r.currency) },
        { header: 'Net', num: true, cell: (r) => money(r.net, r.currency) },
      ],
    }),
  ];
};

/** @param {any[]} rows @param {string} from @param {string} to @param {(() => void)[]} draws */
const settlementSection = (rows, from, to, draws) => {
  if (rows.length === 0) return message('notice', `No balance transactions from ${from} to ${to}.`);
  const days = daysBetween(from, to);
  const keys = largestFirst(
    rows,
    (r) => r.currency.toUpperCase(),
    (r) => Math.abs(r.gross),
  );
  const seriesOf = (/** @type {string} */ key) => {
    const mine = rows.filter((r) => r.currency.toUpperCase() === key);
    const currency = key.toLowerCase();
    const categories = [...new Set(mine.map((r) => r.reporting_category))].sort();
    const sum = (/** @type {(r: any) => boolean} */ match, /** @type {string} */ field) =>
      days.map((day) =>
        major(
          mine.filter((r) => r.day === day && match(r)).reduce((total, r) => total + r[field], 0),
          currency,
        ),
      );
    return {
      label: `Settlement report, ${key}: net per reporting category and fees`,
      currency,
      series: [
        ...categories.map((category) => ({
          label: `${category} net`,
          values: sum((r) => r.reporting_category === category, 'net'),
        })),
        { label: 'Fees', values: sum(() => true, 'fee') },
      ],
    };
  };
  return [
    cutNote(days, from),
    chartWithChoice(keys, seriesOf, days, draws),
    table({
      testid: 'settlement-report',
      rows,
      columns: [
        { header: 'Day (UTC)', cell: (r) => r.day },
        { header: 'Currency', cell: (r) => r.currency.toUpperCase() },
        { header: 'Category', cell: (r) => r.reporting_category },
        { header: 'Count', num: true, cell: (r) => r.count },
        { header: 'Gross', num: true, cell: (r) => money(r.gross, r.currency) },
        { header: 'Fees', num: true, cell: (r) => money(r.fee, r.currency) },
        { header: 'Net', num: true, cell: (r) => money(r.net, r.currency) },
      ],
    }),
  ];
};

/** Distinct keys, the one with the most volume first (the chart's default). @template T @param {T[]} rows @param {(row: T) => string} keyOf @param {(row: T) => number} weight */
const largestFirst = (rows, keyOf, weight) => {
  /** @type {Map<string, number>} */
  const totals = new Map();
  for (const row of rows) totals.set(keyOf(row), (totals.get(keyOf(row)) ?? 0) + weight(row));
  return [...totals].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key]) => key);
};
