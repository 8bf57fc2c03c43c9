import type { Queryable } from '../../src/db/port.js';
import type { StoredEvent } from '../../src/eventstore/port.js';
import type { BulkBuild, BulkIo, BulkShared, CopyRows, RebuildableProjection } from '../bulk.js';
import { tableIn, type Projection } from '../projection.js';
import { batchLinks, mapRows, perBatch, prefetchLinks, valuesIn } from './bulkSession.js';
import { carriedBy, type Carried } from './carried.js';
import { joinFact } from './lattice.js';
import { IdHashSet } from './idHashSet.js';
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

const relink = async (
  tx: Pick<Queryable, 'query'> | Pick<BulkIo, 'run'>,
  tables: string[],
  links: Map<string, string>,
) => {
  if (links.size === 0) return;
  const [first, ...rest] = tables.map((table, i) => ({ table, alias: `t${i}` }));
  const update = ({ table, alias }: { table: string; alias: string }) =>
    `UPDATE ${table} ${alias} SET payment_id = l.payment_id FROM links l WHERE ${alias}.payment_id = l.charge_id`;
  const sql = `WITH links AS (SELECT * FROM unnest($1::text[], $2::text[]) AS l(charge_id, payment_id))
     ${rest.map((t, i) => `, u${i} AS (${update(t)})`).join('')}
     ${update(first!)}`;
  const params = [[...links.keys()], [...links.values()]];
  if ('run' in tx) await tx.run(sql, params);
  else await tx.query(sql, params);
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
const routeObjects = async (io: BulkIo, events: StoredEvent[]) => {
  const modelled = modelledIn(events);
  if (modelled.length === 0)
    return { modelled, resolve: (key: string) => key, proven: new Map<string, string>() };
  const resolve = resolver(events, await batchLinks(io, events));
  return { modelled, resolve, proven: provenLinks(modelled) };
};

/** BulkShared key: how many objects of each kind the fast path holds in memory at most. */
export const HELD_OBJECTS_KEY = 'objects.held';
export const HELD_OBJECTS = 5_000;

/**
 * The fast path: each object's fold in memory as apply keeps it in the state table, at most
 * HELD_OBJECTS of them, least recently folded first out. An object leaving memory has its rows loaded
 * while folding goes on; when a later event touches it, its fold is read back from the state table (as
 * apply reads it) and its rows are deleted, to be loaded again later. The relink is replayed after each
 * batch: in memory on the objects held under a charge the batch links (an index from payment id to
 * objects finds them), and with apply's own UPDATE on the tables when objects that left memory may
 * be filed under it.
 */
const bulkBuild = <S>(fold: ObjectFold<S>, shared: BulkShared): BulkBuild => {
  const limit = Number(shared.get(HELD_OBJECTS_KEY) ?? HELD_OBJECTS);
  const held = new Map<string, Folded<S>>();
  // Objects that left memory, and the payment ids they were filed under (8 bytes each): a "maybe" for
  // one that never did costs a read that finds nothing, or an UPDATE that changes nothing.
  const spilled = new IdHashSet();
  const spilledUnder = new IdHashSet();
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
  const hold = (id: string, f: Folded<S>) => {
    file(id, held.get(id)?.paymentId ?? null, f.paymentId);
    held.delete(id);
    held.set(id, f);
  };
  const load = async (copy: CopyRows, entries: () => Iterable<[string, Folded<S>]>) => {
    await copy(
      fold.stateTable,
      [fold.idColumn, 'payment_id', 'state'],
      mapRows(entries(), ([id, f]) => [id, f.paymentId, f.state]),
    );
    await copy(
      fold.table,
      fold.columns,
      mapRows(entries(), ([id, f]) => valuesIn(fold.columns, fold.row(id, f.paymentId, f.state))),
    );
  };
  const readBack = async (io: BulkIo, ids: string[]) => {
    await io.settled();
    const rows = await selectByKeys<{ payment_id: string | null; state: S } & Record<string, unknown>>(
      io.tx,
      tableIn(io.target, fold.stateTable),
      fold.idColumn,
      ids,
    );
    for (const row of rows) hold(String(row[fold.idColumn]), { paymentId: row.payment_id, state: row.state });
    for (const table of [fold.table, fold.stateTable]) {
      await io.run(`DELETE FROM ${tableIn(io.target, table)} WHERE ${fold.idColumn} = ANY($1::text[])`, [
        ids,
      ]);
    }
  };
  return {
    prefetch: prefetchLinks,
    add: async (events, io) => {
      const { modelled, resolve, proven } = await perBatch(io, 'objectRouting', () =>
        routeObjects(io, events),
      );
      if (modelled.length === 0) return;
      const deltas = deltasOf(fold, modelled, resolve);
      const away = [...new Set(deltas.map((d) => d.id))].filter(
        (id) => !held.has(id) && spilled.mightHave(id),
      );
      if (away.length > 0) await readBack(io, away);
      // As apply: each object loaded once, merged with every delta of the batch, written once.
      for (const { id, paymentId, state } of deltas) {
        const mine = held.get(id);
        hold(id, {
          paymentId: joinPaymentId(mine?.paymentId ?? null, paymentId),
          state: mine === undefined ? state : fold.merge(mine.state, state),
        });
      }
      // apply's relink: one UPDATE, each row matched (on its payment id before it) at most once.
      const moves: [id: string, paymentId: string][] = [];
      for (const [chargeId, paymentId] of proven) {
        for (const id of filedUnder.get(chargeId) ?? []) moves.push([id, paymentId]);
      }
      for (const [id, paymentId] of moves) hold(id, { paymentId, state: held.get(id)!.state });
      const relinked = new Map([...proven].filter(([chargeId]) => spilledUnder.mightHave(chargeId)));
      if (relinked.size > 0) {
        for (const paymentId of relinked.values()) spilledUnder.add(paymentId);
        await relink(io, [tableIn(io.target, fold.table), tableIn(io.target, fold.stateTable)], relinked);
      }
      if (held.size > limit) {
        const keep = Math.floor((limit * 3) / 4);
        const leaving: [string, Folded<S>][] = [];
        for (const entry of held) {
          if (held.size - leaving.length <= keep) break;
          leaving.push(entry);
        }
        for (const [id, f] of leaving) {
          file(id, f.paymentId, null);
          held.delete(id);
          spilled.add(id);
          if (f.paymentId !== null) spilledUnder.add(f.paymentId);
        }
        await load(io.copy, () => leaving);
      }
    },
    write: (_tx, _target, copy) => load(copy, () => held),
  };
};

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
