import { h } from './dom.js';

// Stripe's minor units (https://docs.stripe.com/currencies#zero-decimal): amounts in these currencies
// are whole units; in these three-decimal ones, thousandths; everything else in hundredths. ISO 4217
// says otherwise for a few (ISK, UGX...), so the exponent comes from Stripe's list, not from Intl.
const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** @param {string} currency */
export const exponentOf = (currency) => {
  const code = currency.toLowerCase();
  return ZERO_DECIMAL.has(code) ? 0 : THREE_DECIMAL.has(code) ? 3 : 2;
};

/** @type {Map<string, (major: number) => string>} */
const moneyFormats = new Map();

/** @param {string} code @param {number} digits */
const moneyFormat = (code, digits) => {
  const digitOptions = { minimumFractionDigits: digits, maximumFractionDigits: digits };
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: code, ...digitOptions }).format;
  } catch {
    // A code Intl does not know still shows its amount, with the code beside it.
    const plain = new Intl.NumberFormat(undefined, digitOptions);
    return (/** @type {number} */ value) => `${code} ${plain.format(value)}`;
  }
};

/** An amount already in major units (a chart's axis), with the currency, in the reader's locale. */
export const moneyMajor = (/** @type {number} */ value, /** @type {string} */ currency) => {
  const code = currency.toUpperCase();
  let format = moneyFormats.get(code);
  if (!format) moneyFormats.set(code, (format = moneyFormat(code, exponentOf(code))));
  return format(value);
};

/** An integer amount in minor units, as major units with the currency, in the reader's locale. */
export const money = (/** @type {number | null | undefined} */ amount, /** @type {string} */ currency) =>
  amount === null || amount === undefined ? '—' : moneyMajor(major(amount, currency), currency);

/** Minor units to a plain number of major units (for charts). */
export const major = (/** @type {number} */ amount, /** @type {string} */ currency) =>
  amount / 10 ** exponentOf(currency);

const localTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
});

/** `2024-03-04 10:00:00 UTC` from an ISO-8601 time. @param {string} iso */
export const utcText = (iso) =>
  `${new Date(iso)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')} UTC`;

/** A time in the reader's zone, with UTC on hover and in `datetime`. @param {string | null | undefined} iso */
export const time = (iso) => {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  // A bare date is a calendar day, not an instant.
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return calendarDay(iso);
  return h('time', { datetime: date.toISOString(), title: utcText(iso) }, localTime.format(date));
};

const utcDayFormat = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  timeZone: 'UTC',
});

/**
 * A calendar day that the API sends as an instant at 00:00 UTC (a payout's arrival_date, as Stripe
 * gives it): shown as that UTC day, in the reader's locale. In the reader's zone, west of UTC, the
 * instant falls on the evening before. @param {string | null | undefined} iso
 */
export const calendarDay = (iso) => {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const day = date.toISOString().slice(0, 10);
  return h('time', { datetime: day, title: `${day} (UTC calendar day)` }, utcDayFormat.format(date));
};

/**
 * Calendar days in the reader's zone from today to the day of `iso` (0: today, 1: tomorrow, negative:
 * a day gone). Counted by dates, not 24-hour spans: a deadline at 01:00 tomorrow is tomorrow's, though
 * less than a day away. @param {string} iso @param {number} [now]
 */
export const daysUntil = (iso, now = Date.now()) => {
  /** @param {Date} date */
  const dayNumber = (date) => Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / 86_400_000;
  return dayNumber(new Date(iso)) - dayNumber(new Date(now));
};

/** Today's date in the reader's zone, shifted by `days`, as YYYY-MM-DD. */
export const localDate = (/** @type {number} */ days = 0) => {
  const date = new Date();
  date.setDate(date.getDate() + days);
  return `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}`;
};

/** The first (or last) instant of a local calendar day, as ISO-8601 UTC for the API's time filters. */
export const localDayBound = (/** @type {string} */ day, /** @type {'start' | 'end'} */ which) => {
  const [year, month, date] = day.split('-').map(Number);
  const bound =
    which === 'start' ? new Date(year, month - 1, date) : new Date(year, month - 1, date, 23, 59, 59, 999);
  return bound.toISOString();
};
