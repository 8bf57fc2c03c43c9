import type { Queryable } from '../../src/db/port.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { BulkBuild, BulkIo, BulkShared, RebuildableProjection } from '../bulk.js';
import { tableIn, type Projection } from '../projection.js';
import { batchLinks, mapRows, perBatch, prefetchLinks, valuesIn } from './bulkSession.js';
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

const modelledIn = (events: StoredEvent[]) =>
  events.flatMap((event) => {
    const carried = carriedBy(event);
    return carried === null ? [] : [{ event, carried }];
  });

type Modelled = ReturnType<typeof modelledIn>;

/** Each object the batch carries with its state from this event alone and the payment it is filed under. */
const deltasOf = <S>(fold: ObjectFold<S>, modelled: Modelled, resolve: (key: string) => string) =>
  modelled.flatMap(({ event, carried }) => {
    const key = streamPaymentId(event);
    const paymentId = key === null ? null : resolve(key);
    return fold.statesOf(carried).map(([id, state]) => ({ id, paymentId, state }));
  });

/** The charge -> payment links the batch proves, as relink applies them. */
const provenLinks = (modelled: Modelled) => new Map(modelled.flatMap(({ event }) => linksOf(event)));

/** What refunds and disputes both take from a batch, computed once for both. */
const routeObjects = async (shared: BulkShared, io: BulkIo, events: StoredEvent[]) => {
  const modelled = modelledIn(events);
  if (modelled.length === 0)
    return { modelled, resolve: (key: string) => key, proven: new Map<string, string>() };
  const resolve = resolver(events, await batchLinks(shared, io.tx, events));
  return { modelled, resolve, proven: provenLinks(modelled) };
};

/**
 * The fast path: every object's fold in memory as apply keeps it in the state table (the state as its
 * JSON text, which takes a third of the heap a parsed one does), and the relink replayed after each
 * batch on the objects filed under a charge it links (an index from payment id to objects finds them).
 * Rows are derived from the final folds at the end.
 */
const bulkBuild = <S>(fold: ObjectFold<S>, shared: BulkShared): BulkBuild => {
  const folded = new Map<string, { paymentId: string | null; state: string }>();
  const filedUnder = new Map<string, Set<string>>();
  const file = (id: string, from: string | null, to: string | null) => {
    if (from === to) return;
    if (from !== null) {
      const ids = filedUnder.get(from)!;
      ids.delete(id);
      if (ids.size === 0) filedUnder.delete(from);
    }
    if (to !== null) {
      const ids = filedUnder.get(to);
      if (ids === undefined) filedUnder.set(to, new Set([id]));
      else ids.add(id);
    }
  };
  return {
    prefetch: (events, io) => prefetchLinks(shared, events, io),
    add: async (events, io) => {
      const { modelled, resolve, proven } = await perBatch(
        shared,
        'objectRouting',
        (context: BulkIo, batch) => routeObjects(shared, context, batch),
        io,
        events,
      );
      if (modelled.length === 0) return;
      const deltas = deltasOf(fold, modelled, resolve);
      // As apply: each object loaded once, merged with every delta of the batch, written once.
      const touched = new Map<string, Folded<S>>();
      for (const { id, paymentId, state } of deltas) {
        const mine = touched.get(id) ?? parsedFold(folded.get(id));
        touched.set(id, {
          paymentId: joinPaymentId(mine?.paymentId ?? null, paymentId),
          state: mine === undefined ? state : fold.merge(mine.state, state),
        });
      }
      for (const [id, f] of touched) {
        file(id, folded.get(id)?.paymentId ?? null, f.paymentId);
        folded.set(id, { paymentId: f.paymentId, state: JSON.stringify(f.state) });
      }
      // apply's relink: one UPDATE, each row matched (on its payment id before it) at most once.
      const moves: [id: string, paymentId: string][] = [];
      for (const [chargeId, paymentId] of proven) {
        for (const id of filedUnder.get(chargeId) ?? []) moves.push([id, paymentId]);
      }
      for (const [id, paymentId] of moves) {
        const mine = folded.get(id)!;
        file(id, mine.paymentId, paymentId);
        folded.set(id, { paymentId, state: mine.state });
      }
    },
    write: async (_tx, _target, copy) => {
      await copy(
        fold.stateTable,
        [fold.idColumn, 'payment_id', 'state'],
        mapRows(folded, ([id, f]) => [id, f.paymentId, f.state]),
      );
      await copy(
        fold.table,
        fold.columns,
        mapRows(folded, ([id, f]) =>
          valuesIn(fold.columns, fold.row(id, f.paymentId, JSON.parse(f.state) as S)),
        ),
      );
    },
  };
};

const parsedFold = <S>(
  held: { paymentId: string | null; state: string } | undefined,
): Folded<S> | undefined =>
  held === undefined ? undefined : { paymentId: held.paymentId, state: JSON.parse(held.state) as S };

export const objectProjection = <S>(fold: ObjectFold<S>): RebuildableProjection => {
  const apply: Projection['apply'] = async (tx, events, target) => {
    const modelled = modelledIn(events);
    if (modelled.length === 0) return;
    const deltas = deltasOf(fold, modelled, resolver(events, await storedLinks(tx, events)));
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
    await relink(tx, [table, stateTable], provenLinks(modelled));
  };
  return {
    name: fold.name,
    tables: [fold.table, fold.stateTable],
    apply,
    bulk: { mirrors: apply, start: (shared) => bulkBuild(fold, shared) },
  };
};
