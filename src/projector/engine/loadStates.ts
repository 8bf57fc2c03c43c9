import { PREPARED, type Queryable, type Row } from '../../db/port.js';
import type { Projection, ProjectionTarget } from '../../../projections/projection.js';
import { tableIn } from '../../../projections/projection.js';
import { stateColumnsOf } from './writeStates.js';

export type LoadedStates = {
  /** The state rows as stored, JSON columns as their text. */
  rows: Row[];
  /** Per key, the text of its stored state: equal texts are equal states. */
  texts: Map<string, string>;
};

/** Reads the state rows of the keys, JSON columns as their text (one statement). */
export const loadStates = async (
  tx: Queryable,
  projection: Projection,
  target: ProjectionTarget,
  keys: readonly string[],
): Promise<LoadedStates> => {
  const { state, fold } = projection;
  if (keys.length === 0) return { rows: [], texts: new Map() };
  // ::text is free on the text columns states live in, and keeps a jsonb column comparable as text.
  const json = new Set(fold.stored.json);
  const columns = stateColumnsOf(projection).map((c) => (json.has(c) ? `${c}::text AS ${c}` : c));
  const { rows } = await tx.query<Row>(
    `SELECT ${columns.join(', ')} FROM ${tableIn(target, state.table)} WHERE ${state.key} = ANY($1::text[])`,
    [keys],
    PREPARED,
  );
  const texts = new Map(
    rows.map((row) => [
      row[state.key] as string,
      fold.stored.columns.map((c) => (row[c] === null ? '\u0000' : String(row[c]))).join('\u0001'),
    ]),
  );
  return { rows, texts };
};

/** A loaded row with its JSON columns parsed, as fold.stored.fromRow takes it. */
export const parsedRow = (projection: Projection, row: Row): Row => {
  const out = { ...row };
  for (const column of projection.fold.stored.json) {
    if (typeof out[column] === 'string') out[column] = JSON.parse(out[column]);
  }
  return out;
};
