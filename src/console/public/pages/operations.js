import { attempt } from '../api.js';
import { badge, h, message, replace, table } from '../dom.js';
import { failureMessage } from '../failure.js';
import { time } from '../format.js';
import { pager } from '../paging.js';

const FAILED_PER_PAGE = 50;

/** "folding 42 % since 20:41:07 (host:pid)": a running rebuild, as text (never HTML). */
const rebuildText = (
  /** @type {{ phase: string, done: number, total: number, started_at: string, owner: string }} */ rebuild,
) => {
  const share = rebuild.total > 0 ? ` ${Math.floor((rebuild.done / rebuild.total) * 100)} %` : '';
  return `${rebuild.phase}${share} since ${new Date(rebuild.started_at).toLocaleTimeString()} (${rebuild.owner})`;
};

/** Every projection's state, lag and failures; the store's health; events a projection could not apply. */
export const render = async (/** @type {import('../main.js').Route} */ route) => {
  const cursor = route.params.get('cursor') ?? undefined;
  const [projections, health, failed] = await Promise.all([
    attempt(route.get('/api/projections')),
    // 503 is health's answer when the database or the event store does not answer: its body says which.
    attempt(route.get('/api/webhooks/health', {}, { answered: [503] })),
    attempt(route.get('/api/webhooks/events', { failed: 'true', limit: FAILED_PER_PAGE, cursor })),
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
              {
                header: 'Rebuild',
                cell: (p) =>
                  p.rebuild
                    ? h('span', { 'data-testid': `rebuild-${p.name}` }, rebuildText(p.rebuild))
                    : h('span', { class: 'muted' }, 'none'),
              },
            ],
          })
        : failureMessage(projections.error, 'Projections'),
    ),
    h(
      'section',
      { 'aria-labelledby': 'failed-events' },
      h('h2', { id: 'failed-events' }, 'Events a projection could not apply'),
      projections.ok ? openFailures(projections.value.data) : null,
      failed.ok
        ? [
            table({
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
            }),
            pager({
              base: 'operations',
              filters: {},
              cursor,
              nextCursor: failed.value.next_cursor,
              go: route.go,
              shown: failed.value.data.length,
            }),
          ]
        : failureMessage(failed.error, 'Failed events'),
    ),
  );
};

/** How many failures are open in all: the table below pages through their events. @param {any[]} projections */
const openFailures = (projections) => {
  const open = projections.reduce((total, p) => total + (Number(p.open_failures) || 0), 0);
  if (open === 0) return null;
  return h(
    'p',
    { class: 'muted', 'data-testid': 'open-failures' },
    `${open.toLocaleString()} open failure${open === 1 ? '' : 's'} in all projections, ${FAILED_PER_PAGE} events a page, newest first (an event can fail in more than one projection).`,
  );
};

/** Which parts of the ledger do not answer, from health's body. @param {any} health */
const down = (health) =>
  [
    health.database?.ok === false && `the database (${health.database.kind ?? 'unknown'})`,
    health.event_store?.ok === false && 'the event store',
  ].filter(Boolean);

/** @param {any} health */
const healthFacts = (health) => {
  const notAnswering = down(health);
  return [
    notAnswering.length > 0 ? message('error', `Not answering: ${notAnswering.join(' and ')}.`) : null,
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
      health.failed_projections?.length > 0
        ? [h('dt', {}, 'Failed projections'), h('dd', {}, health.failed_projections.join(', '))]
        : null,
      health.stalled_projections?.length > 0
        ? [
            h('dt', {}, 'Stalled projections'),
            h('dd', {}, `${health.stalled_projections.join(', ')}: events wait and no projector is running`),
          ]
        : null,
      health.ahead_projections?.length > 0
        ? [
            h('dt', {}, 'Past the end of the log'),
            h(
              'dd',
              {},
              `${health.ahead_projections.join(', ')}: their checkpoints stand past the event log's head (the event store was replaced or restored from an older backup); nothing appended to it is projected until \`stripe-ledger projections rebuild --all\``,
            ),
          ]
        : null,
    ),
  ];
};
