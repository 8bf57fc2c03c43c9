import { attempt, getJson } from './api.js';
import { h } from './dom.js';

/** `90 s`, `4 min`, `3 h`. @param {number} seconds */
const duration = (seconds) =>
  seconds < 120
    ? `${Math.round(seconds)} s`
    : seconds < 7200
      ? `${Math.round(seconds / 60)} min`
      : `${Math.round(seconds / 3600)} h`;

/** `refunds failed`, `payments 4 min behind`. @param {string} name @param {{ state: string, lag_seconds: number } | null} detail */
const describeProjection = (name, detail) => {
  if (detail === null) return `${name} failed or behind`;
  if (detail.state === 'failed') return `${name} failed`;
  return detail.lag_seconds >= 1 ? `${name} ${duration(detail.lag_seconds)} behind` : `${name} behind`;
};

/**
 * The notice a page shows above its data when an answer it drew was read from a projection that has
 * failed or lags (the API's Ledger-Stale header and `stale` lists): its numbers may be short of what
 * Stripe has. The header only names projections; GET /api/projections says how each is doing.
 * @param {import('./api.js').Staleness} stale @param {AbortSignal} signal
 * @returns {Promise<HTMLElement | null>}
 */
export const staleNotice = async (stale, signal) => {
  if (stale.size === 0) return null;
  if ([...stale.values()].includes(null)) {
    const status = await attempt(getJson('/api/projections', {}, signal));
    if (status.ok)
      for (const projection of status.value.data ?? [])
        if (stale.get(projection.name) === null)
          stale.set(projection.name, { state: projection.state, lag_seconds: projection.lag_seconds });
  }
  const described = [...stale]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, detail]) => describeProjection(name, detail));
  return h(
    'p',
    { class: 'message stale', role: 'status', 'data-testid': 'stale' },
    h('strong', {}, `Numbers may be incomplete: ${described.join(', ')}.`),
    ' What this page shows was read while ',
    stale.size === 1 ? 'that projection was' : 'those projections were',
    ' not up to date; see ',
    h('a', { href: '#/operations' }, 'Operations'),
    '.',
  );
};
