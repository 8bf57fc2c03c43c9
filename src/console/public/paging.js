import { queryString } from './api.js';
import { h } from './dom.js';

/** `#/<base>?filters` for a list page. @param {string} base @param {Record<string, string | undefined>} params */
export const hashFor = (base, params) => `#/${base}${queryString(params)}`;

// Keyset cursors only go forward, so "Previous" goes back to a cursor seen on the way. Per list and
// filter set, each cursor seen as a "Next" is kept with its page number and the cursor before it:
// keyed by cursor, not by the order pages were drawn in, so Back and Forward (which draw pages in any
// order) still show the right number.
/** @type {Map<string, Map<string, { page: number, previous: string }>>} */
const trails = new Map();

/**
 * Previous / Next buttons for a keyset-paged list.
 * @param {{ base: string, filters: Record<string, string>, cursor: string | undefined, nextCursor: string | null, go: (hash: string) => void, shown: number }} options
 */
export const pager = ({ base, filters, cursor, nextCursor, go, shown }) => {
  const key = hashFor(base, filters);
  const trail = trails.get(key) ?? new Map();
  trails.set(key, trail);
  const here = cursor ?? '';
  // The first page has no cursor; a later page opened from a link (not reached here) has no number.
  const known = here === '' ? { page: 1, previous: undefined } : trail.get(here);
  if (known && nextCursor) trail.set(nextCursor, { page: known.page + 1, previous: here });
  const previous = known?.previous;
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    h(
      'button',
      {
        type: 'button',
        disabled: !cursor,
        onclick: () => go(hashFor(base, { ...filters, cursor: previous || undefined })),
      },
      previous === undefined && cursor ? 'First page' : 'Previous page',
    ),
    h(
      'span',
      { class: 'muted', 'aria-live': 'polite' },
      `${known ? `Page ${known.page}` : 'A later page'} · ${shown} row${shown === 1 ? '' : 's'}`,
    ),
    h(
      'button',
      {
        type: 'button',
        disabled: !nextCursor,
        onclick: () => go(hashFor(base, { ...filters, cursor: nextCursor ?? undefined })),
      },
      'Next page',
    ),
  );
};

/** The filters in a list's hash, without its cursor. @param {URLSearchParams} params @param {readonly string[]} names */
export const filtersFrom = (params, names) => {
  /** @type {Record<string, string>} */
  const filters = {};
  for (const name of names) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
};
