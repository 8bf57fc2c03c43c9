import type { Row } from '../../db/port.js';
import type { StoredEvent } from '../../eventstore/port.js';
import type { Projection } from '../../../projections/projection.js';
import { chargeKeysOf } from '../../../projections/shared/routing.js';
import { foldBatch } from './foldBatch.js';

/**
 * The history rows of `key` as a fold that knew every link from the start (a rebuild) writes them, from
 * its story up to `upTo`; pure. A batch that joins keys filed under a charge into `key` learnt a link late:
 * rows it wrote for `key` before then moved it from a status the rebuild never sees (the charge's events
 * were elsewhere), so they are restated from the whole story and both agree row for row.
 */
export const restatedHistory = (
  projection: Projection,
  key: string,
  story: readonly StoredEvent[],
  upTo: number,
): Row[] => {
  const { history, fold } = projection;
  if (!history) return [];
  const events = story.filter((event) => event.position <= upTo);
  // Every charge stream of the story belongs to the key: that is what the story is.
  const links = new Map(chargeKeysOf(events).map((charge) => [charge, key]));
  const routed = fold.route(events, links).filter((r) => r.key === key);
  return history.rows(foldBatch(fold, new Map(), routed).steps, new Map()).rows;
};
