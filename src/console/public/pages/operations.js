import { attempt, getJson } from '../api.js';
import { badge, h, replace, table } from '../dom.js';
import { failureMessage } from '../failure.js';
import { time } from '../format.js';

/** Every projection's state, lag and failures; the store's health; events a projection could not apply. */
export const render = async (/** @type {import('../main.js').Route} */ route) => {
  const [projections, health, failed] = await Promise.all([
    attempt(getJson('/api/projections', {}, route.signal)),
    attempt(getJson('/api/webhooks/health', {}, route.signal)),
    attempt(getJson('/api/webhooks/events', { failed: 'true', limit: 50 }, route.signal)),
  ]);
  if (route.signal.aborted) return;
  // Refreshed on request, not on a timer: a re-render would close what the reader opened and move focus.
  const refresh = h(
    'button',
    { type: 'button', onclick: () => route.go(`#/operations?at=${Date.now()}`) },
    'Refresh',
  );
  replace(
    route.main,
    h('h1', {}, 'Operations'),
    h('p', { class: 'muted' }, 'Read at ', time(new Date().toISOString()), '. ', refresh),
    h(
      'section',
      { 'aria-labelledby': 'health' },
      h('h2', { id: 'health' }, 'Health'),
      health.ok ? healthFacts(health.value) : failureMessage(health.error, 'Health'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'projections' },
      h('h2', { id: 'projections' }, 'Projections'),
      projections.ok
        ? table({
            testid: 'projections',
            rows: projections.value.data,
            columns: [
              { header: 'Projection', cell: (p) => p.name },
              {
                header: 'State',
                cell: (p) => h('span', { 'data-testid': `state-${p.name}` }, badge(p.state)),
              },
              { header: 'Position', num: true, cell: (p) => p.position.toLocaleString() },
              { header: 'Head', num: true, cell: (p) => p.head.toLocaleString() },
              { header: 'Lag (events)', num: true, cell: (p) => p.lag_events.toLocaleString() },
              { header: 'Lag (seconds)', num: true, cell: (p) => p.lag_seconds.toFixed(1) },
              { header: 'Open failures', num: true, cell: (p) => p.open_failures },
              { header: 'Last error', wrap: true, cell: (p) => p.last_error ?? '' },
              { header: 'Worker', cell: (p) => p.owner ?? h('span', { class: 'muted' }, 'none') },
              { header: 'Heartbeat', cell: (p) => time(p.heartbeat_at) },
            ],
          })
        : failureMessage(projections.error, 'Projections'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'failed-events' },
      h('h2', { id: 'failed-events' }, 'Events a projection could not apply'),
      failed.ok
        ? table({
            testid: 'failed-events',
            rows: failed.value.data,
            empty: 'None: every stored event was applied or is waiting its turn.',
            columns: [
              { header: 'Position', num: true, cell: (e) => e.id },
              { header: 'Received', cell: (e) => time(e.created_at) },
              { header: 'Type', cell: (e) => e.event_type },
              { header: 'Stripe event', cell: (e) => e.event_id },
              { header: 'Error', wrap: true, cell: (e) => e.error_message ?? '' },
              {
                header: 'Payload',
                wrap: true,
                cell: (e) =>
                  h(
                    'details',
                    {},
                    h('summary', {}, 'Show'),
                    h('pre', { class: 'payload' }, JSON.stringify(e.payload, null, 2)),
                  ),
              },
            ],
          })
        : failureMessage(failed.error, 'Failed events'),
    ),
  );
};

/** @param {any} health */
const healthFacts = (health) =>
  h(
    'dl',
    { class: 'facts', 'data-testid': 'health' },
    h('dt', {}, 'Overall'),
    h('dd', {}, badge(health.status)),
    h('dt', {}, 'Database'),
    h('dd', {}, badge(health.database?.ok ? 'ok' : 'failed'), ' ', health.database?.kind ?? ''),
    h('dt', {}, 'Event store'),
    h(
      'dd',
      {},
      badge(health.event_store?.ok ? 'ok' : 'failed'),
      ' head at position ',
      String(health.event_store?.head ?? '—'),
    ),
  );
