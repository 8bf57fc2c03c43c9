import type pg from 'pg';
import { projections } from '../projections/index.js';

/** Waits until every projection's checkpoint is at the head of the PostgreSQL log; the seconds it took. */
export const drainProjections = async (client: pg.Client, deadlineSeconds: number): Promise<number> => {
  const started = performance.now();
  for (;;) {
    const { rows } = await client.query<{ behind: string; projections: string }>(
      `SELECT count(*) FILTER (WHERE c.position < h.position) AS behind, count(*) AS projections
         FROM ledger.projection_checkpoints c,
              (SELECT coalesce(max(position), 0) AS position FROM eventstore.events) h`,
    );
    const seconds = (performance.now() - started) / 1000;
    // Every projection the projector runs must reach the head (the money projections included).
    if (Number(rows[0]!.projections) === projections.length && Number(rows[0]!.behind) === 0) return seconds;
    if (seconds > deadlineSeconds) {
      throw new Error(`the projections were not drained within ${deadlineSeconds} s of the load ending`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
