import { queryString } from './api.js';
import { h } from './dom.js';

/** `#/<base>?filters` for a list page. @param {string} base @param {Record<string, string | undefined>} params */
export const hashFor = (base, params) => `#/${base}${queryString(params)}`;

// The cursors of the pages before the one shown, per list and filter set. Keyset cursors only go
// forward, so "Previous" goes back to a cursor seen on the way.
/** @type {Map<string, string[]>} */
const trails = new Map();

/**
 * Previous / Next buttons for a keyset-paged list.
 * @param {{ base: string, filters: Record<string, string>, cursor: string | undefined, nextCursor: string | null, go: (hash: string) => void, shown: number }} options
 */
export const pager = ({ base, filters, cursor, nextCursor, go, shown }) => {
  const key = hashFor(base, filters);
  const trail = trails.get(key) ?? [];
  trails.set(key, trail);
  const here = cursor ?? '';
  const seen = trail.indexOf(here);
  if (seen >= 0) trail.length = seen;
  else if (here === '') trail.length = 0;
  const page = cursor && trail.length === 0 ? undefined : trail.length + 1;
  const previous = trail.at(-1);
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
      `${page ? `Page ${page}` : 'A later page'} · ${shown} row${shown === 1 ? '' : 's'}`,
    ),
    h(
      'button',
      {
        type: 'button',
        disabled: !nextCursor,
        onclick: () => {
          trail.push(here);
          go(hashFor(base, { ...filters, cursor: nextCursor ?? undefined }));
        },
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
