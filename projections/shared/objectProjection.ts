import type { Queryable } from '../../src/db/port.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import { tableIn, type Projection } from '../projection.js';
import { carriedBy, type Carried } from './carried.js';
import { joinFact } from './lattice.js';
import { linksOf, resolver, storedLinks, streamPaymentId } from './routing.js';
import { selectByKeys, upsertRows } from './sql.js';

/** A read model of one row per Stripe object (refund, dispute), folded per object. */
export type ObjectFold<S> = {
  name: 'refunds' | 'disputes';
  table: string;
  stateTable: string;
  idColumn: string;
  columns: readonly string[];
  /** The state each object the event carries has from this event alone. */
  statesOf(carried: Carried): [id: string, state: S][];
  /** A join-semilattice, so rows do not depend on delivery order or duplicates. */
  merge(a: S, b: S): S;
  row(id: string, paymentId: string | null, state: S): object;
};

/** A payment intent id beats the charge id the object was filed under before its link was known. */
const joinPaymentId = (a: string | null, b: string | null): string | null => {
  if (a?.startsWith('pi_') !== b?.startsWith('pi_')) return a?.startsWith('pi_') ? a : b;
  return joinFact(a, b);
};

type Folded<S> = { paymentId: string | null; state: S };

const relink = async (tx: Queryable, tables: string[], links: Map<string, string>) => {
  if (links.size === 0) return;
  const [first, ...rest] = tables.map((table, i) => ({ table, alias: `t${i}` }));
  const update = ({ table, alias }: { table: string; alias: string }) =>
    `UPDATE ${table} ${alias} SET payment_id = l.payment_id FROM links l WHERE ${alias}.payment_id = l.charge_id`;
  await tx.query(
    `WITH links AS (SELECT * FROM unnest($1::text[], $2::text[]) AS l(charge_id, payment_id))
     ${rest.map((t, i) => `, u${i} AS (${update(t)})`).join('')}
     ${update(first!)}`,
    [[...links.keys()], [...links.values()]],
  );
};

export const objectProjection = <S>(fold: ObjectFold<S>): Projection => ({
  name: fold.name,
  tables: [fold.table, fold.stateTable],
  apply: async (tx, events: StoredEvent[], target) => {
    const modelled = events.flatMap((event) => {
      const carried = carriedBy(event);
      return carried === null ? [] : [{ event, carried }];
    });
    if (modelled.length === 0) return;
    const resolve = resolver(events, await storedLinks(tx, events));
    const deltas = modelled.flatMap(({ event, carried }) => {
      const key = streamPaymentId(event);
      const paymentId = key === null ? null : resolve(key);
      return fold.statesOf(carried).map(([id, state]) => ({ id, paymentId, state }));
    });
    const stateTable = tableIn(target, fold.stateTable);
    const table = tableIn(target, fold.table);
    const loaded = await selectByKeys<{ payment_id: string | null; state: S } & Record<string, unknown>>(
      tx,
      stateTable,
      fold.idColumn,
      [...new Set(deltas.map((d) => d.id))],
    );
    const folded = new Map<string, Folded<S>>(
      loaded.map((row) => [String(row[fold.idColumn]), { paymentId: row.payment_id, state: row.state }]),
    );
    const touched = new Set<string>();
    for (const { id, paymentId, state } of deltas) {
      const mine = folded.get(id);
      folded.set(id, {
        paymentId: joinPaymentId(mine?.paymentId ?? null, paymentId),
        state: mine === undefined ? state : fold.merge(mine.state, state),
      });
      touched.add(id);
    }
    const written = [...touched].map((id) => [id, folded.get(id)!] as const);
    await upsertRows(
      tx,
      stateTable,
      fold.idColumn,
      [fold.idColumn, 'payment_id', 'state'],
      written.map(([id, f]) => ({ [fold.idColumn]: id, payment_id: f.paymentId, state: f.state })),
    );
    await upsertRows(
      tx,
      table,
      fold.idColumn,
      fold.columns,
      written.map(([id, f]) => fold.row(id, f.paymentId, f.state)),
    );
    // Rows filed under a charge before its payment intent was known follow the link now proven.
    await relink(tx, [table, stateTable], new Map(modelled.flatMap(({ event }) => linksOf(event))));
  },
});
