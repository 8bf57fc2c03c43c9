import type { Queryable } from '../db/port.js';

/** What the sync has done, across every process that ran passes (`serve`, `stripe-ledger sync`). */
export type SyncPassTotals = {
  /** When the last successful pass finished, unix seconds; null before the first. */
  lastSuccess: number | null;
  passes: { ok: number; failed: number };
  eventsRecovered: number;
  objectsImported: number;
  /** Stripe API answers by status (every attempt), summed over the passes. */
  apiRequests: Record<string, number>;
};

// Passes record their summary (syncPass.ts), failed ones too: what a failed pass appended is in the log.
// Only the passes after `$1` (an id) are read: the reader keeps the totals of those it has read.
const TOTALS_SQL = `
SELECT max(id)::bigint AS last_id,
       extract(epoch FROM max(finished_at) FILTER (WHERE succeeded))::float8 AS last_success,
       count(*) FILTER (WHERE succeeded)::bigint AS ok,
       count(*) FILTER (WHERE NOT succeeded)::bigint AS failed,
       coalesce(sum((summary->>'events_appended')::bigint), 0)::bigint AS events_recovered,
       coalesce(sum((summary->>'objects_imported')::bigint), 0)::bigint AS objects_imported,
       (SELECT coalesce(jsonb_object_agg(status, total), '{}'::jsonb) FROM (
          SELECT r.key AS status, sum(r.value::bigint) AS total
            FROM ledger.stripe_sync_passes p,
                 jsonb_each_text(CASE jsonb_typeof(p.summary->'api_requests')
                                   WHEN 'object' THEN p.summary->'api_requests' ELSE '{}'::jsonb END) r
           WHERE p.id > $1
           GROUP BY r.key) s) AS api_requests
  FROM ledger.stripe_sync_passes
 WHERE id > $1`;

const NONE: SyncPassTotals = {
  lastSuccess: null,
  passes: { ok: 0, failed: 0 },
  eventsRecovered: 0,
  objectsImported: 0,
  apiRequests: {},
};

const sum = (a: SyncPassTotals, b: SyncPassTotals): SyncPassTotals => {
  const apiRequests = { ...a.apiRequests };
  for (const [status, total] of Object.entries(b.apiRequests))
    apiRequests[status] = (apiRequests[status] ?? 0) + total;
  return {
    lastSuccess: b.lastSuccess ?? a.lastSuccess,
    passes: { ok: a.passes.ok + b.passes.ok, failed: a.passes.failed + b.passes.failed },
    eventsRecovered: a.eventsRecovered + b.eventsRecovered,
    objectsImported: a.objectsImported + b.objectsImported,
    apiRequests,
  };
};

/**
 * The sync's totals from its pass log (ledger.stripe_sync_passes), for the metrics of any role. The log
 * only grows (a pass a minute is half a million rows a year), so a reader sums it once and then only the
 * passes recorded since: a scrape reads a few rows, not the year. Passes are recorded one at a time
 * (they hold the sync's lease) and each in its own statement, so ids become visible in order.
 */
export const syncPassTotalsReader = (db: Queryable): (() => Promise<SyncPassTotals>) => {
  let totals = NONE;
  let readUpTo = 0;
  return async () => {
    const { rows } = await db.query<{
      last_id: string | null;
      last_success: number | null;
      ok: string;
      failed: string;
      events_recovered: string;
      objects_imported: string;
      api_requests: Record<string, string | number>;
    }>(TOTALS_SQL, [readUpTo]);
    const row = rows[0]!;
    if (row.last_id === null) return totals;
    totals = sum(totals, {
      lastSuccess: row.last_success === null ? null : Number(row.last_success),
      passes: { ok: Number(row.ok), failed: Number(row.failed) },
      eventsRecovered: Number(row.events_recovered),
      objectsImported: Number(row.objects_imported),
      apiRequests: Object.fromEntries(
        Object.entries(row.api_requests).map(([status, total]) => [status, Number(total)]),
      ),
    });
    readUpTo = Number(row.last_id);
    return totals;
  };
};
