// Every element of the console is built here. Text of any origin (Stripe ids, metadata, descriptions,
// failure messages, API errors) becomes a text node: nothing is ever parsed as HTML.

/**
 * An element with properties and children. `on<event>` props add listeners; `class`, `for` and
 * attributes are set as attributes; strings and numbers become text nodes; null, undefined and false
 * are skipped; arrays are flattened.
 * @param {string} tag
 * @param {Record<string, unknown>} [props]
 * @param {...unknown} children
 * @returns {HTMLElement}
 */
export const h = (tag, props = {}, ...children) => {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function')
      element.addEventListener(key.slice(2), /** @type {EventListener} */ (value));
    else if (key === 'value' || key === 'checked' || key === 'selected')
      /** @type {any} */ (element)[key] = value;
    else element.setAttribute(key, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
};

/** @param {ParentNode} parent @param {unknown[]} children */
export const append = (parent, children) => {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
};

/** Replaces everything in `parent`. @param {Element} parent @param {...unknown} children */
export const replace = (parent, ...children) => {
  parent.replaceChildren();
  append(parent, children);
};

/** A message box; errors are announced to screen readers. @param {'error'|'notice'} kind @param {string} text */
export const message = (kind, text) =>
  h('p', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);

/**
 * A table. Each column: a header, a cell builder, and whether it is numeric. Rows with no content show
 * `empty` in one cell.
 * @template T
 * @param {{ caption?: string, columns: { header: string, cell: (row: T) => unknown, num?: boolean, wrap?: boolean }[], rows: T[], empty?: string, testid?: string }} spec
 */
export const table = ({ caption, columns, rows, empty = 'Nothing to show.', testid }) =>
  h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': testid },
      caption && h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { scope: 'col', class: c.num ? 'num' : undefined }, c.header)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.length === 0
          ? h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty))
          : rows.map((row) =>
              h(
                'tr',
                {},
                columns.map((c) =>
                  h('td', { class: c.num ? 'num' : c.wrap ? 'wrap' : undefined }, c.cell(row)),
                ),
              ),
            ),
      ),
    ),
  );

/** A labelled select with an "any" choice. @param {string} label @param {string} name @param {readonly string[]} values @param {string} [current] */
export const select = (label, name, values, current = '', anyLabel = 'Any') =>
  h(
    'label',
    {},
    label,
    h(
      'select',
      { name },
      h('option', { value: '' }, anyLabel),
      values.map((value) => h('option', { value, selected: value === current }, value)),
    ),
  );

/** A labelled input. @param {string} label @param {string} name @param {Record<string, unknown>} [props] */
export const input = (label, name, props = {}) => h('label', {}, label, h('input', { name, ...props }));

/** The values of a form's named, non-empty fields. @param {HTMLFormElement} form */
export const formValues = (form) => {
  /** @type {Record<string, string>} */
  const values = {};
  for (const [key, value] of new FormData(form))
    if (typeof value === 'string' && value.trim() !== '') values[key] = value.trim();
  return values;
};

/** A status word as a coloured badge. @param {string | null | undefined} status */
export const badge = (status) => {
  if (!status) return h('span', { class: 'muted' }, '—');
  return h('span', { class: `badge ${tone(status)}` }, status.replaceAll('_', ' '));
};

const GOOD = new Set(['paid', 'succeeded', 'won', 'live', 'ok', 'reconciled', 'available']);
const BAD = new Set([
  'failed',
  'stalled',
  'ahead',
  'unavailable',
  'lost',
  'canceled',
  'needs_response',
  'warning_needs_response',
  'not reconciled',
]);
const WARN = new Set([
  'degraded',
  'refunded',
  'partially_refunded',
  'under_review',
  'warning_under_review',
  'catching_up',
  'idle',
  'pending',
  'in_transit',
  'requires_action',
  'authorized',
  'processing',
]);
/** @param {string} status */
const tone = (status) =>
  GOOD.has(status) ? 'good' : BAD.has(status) ? 'bad' : WARN.has(status) ? 'warn' : 'neutral';
