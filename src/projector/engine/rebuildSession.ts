import { parsedRow } from './loadStates.js';
import type { Db, Row } from '../../db/port.js';
import type { StoredEvent } from '../../eventstore/port.js';
import type { Fold, Links, Projection, ProjectionTarget, StoryOf } from '../../../projections/projection.js';
import { tableIn } from '../../../projections/projection.js';
import { linksProvenBy } from '../../../projections/shared/routing.js';
import { historyOf, NO_ROWS, relinked, restatedHistoryOf } from './applyBatch.js';
import { foldBatch, keysToLoad, type BatchFold } from './foldBatch.js';
import { parkedStates, type ParkedStates } from './parkedStates.js';
import { insertNewRows, relinkRows, selectByKeys, updateFollowing, upsertRows } from './sql.js';
import { relinkedTables, writeStates } from './writeStates.js';

/** Rows per statement when a rebuild writes what it held. */
const CHUNK = 5000;
const NO_LINKS: Links = new Map();

export type RebuildSessionOptions = {
  /** States of one fold held as objects at most; past it they are parked (or written, for a
   * fold that relinks). */
  maxStates: number;
  /** Memory the parked states of one fold take at most; past it every state held is written to the
   * tables and memory starts afresh (a state touched again is read back). */
  maxParkedBytes: number;
  /** History rows held at most before they are written. */
  maxHistoryRows: number;
  /** Whether memory runs short: every state held is then written and memory starts afresh. */
  memoryShort?: () => boolean;
  /** Called before each chunk written: throws to stop (an abort). */
  checkAbort?: () => void;
  /** Called after each chunk written. */
  onWrite?: () => void;
  /** Reads a key's story, to restate the history of a key that joins others (a link the event store
   * did not record); without it such history rows stay as the join found them. */
  stories?: StoryOf;
};

type Member = {
  projection: Projection;
  /** State rows read back from the tables since the last write (for afterWrite). */
  before: Map<string, Row>;
  /** What waits per key, non-empty only. */
  waiting: Map<string, unknown>;
  historyRows: Row[];
  /** Whether history rows were written to the tables already. */
  historyWritten: boolean;
  /** What rows already written take, per key (history `follows`), until the next write (or until
   * maxHistoryRows keys wait). */
  following: Map<string, Row>;
};

/** The projections sharing one fold: it runs once per batch for all of them. */
type Group = {
  fold: Fold<unknown>;
  members: Member[];
  /** States folded or read lately, as objects. */
  states: Map<string, unknown>;
  /** States folded since the last write but not touched lately, as text; null for a fold that relinks
   * (a proven link may move any of its states, so they stay objects). */
  parked: ParkedStates<unknown> | null;
  /** Keys (held or parked) whose state the tables do not have yet. */
  dirty: Set<string>;
  /** Keys merged away whose rows are in the tables. */
  removed: Set<string>;
  /** Keys whose rows are in the tables (written earlier). */
  written: Set<string>;
};

const isEmptyWaiting = (value: unknown) => value === null || (Array.isArray(value) && value.length === 0);

/**
 * A rebuild runs the live engine's fold over the whole log, but keeps states in memory between
 * batches instead of reading and writing them each batch: states touched lately as objects, the others
 * parked, compressed (parkedStates.ts). A state is written once, when the log is folded (writeStates,
 * the live write, in chunks) or when the parked states outgrow their memory, and is then read back
 * from the tables only when a later event touches it. Projections sharing a fold fold once.
 */
export const rebuildSession = (
  db: Db,
  projections: readonly Projection[],
  target: ProjectionTarget,
  options: RebuildSessionOptions,
) => {
  const groups: Group[] = [];
  for (const projection of projections) {
    const member: Member = {
      projection,
      before: new Map(),
      waiting: new Map(),
      historyRows: [],
      historyWritten: false,
      following: new Map(),
    };
    const group = groups.find((g) => g.fold === projection.fold);
    if (group) group.members.push(member);
    else {
      groups.push({
        fold: projection.fold,
        members: [member],
        states: new Map(),
        parked: projection.fold.relink ? null : parkedStates(projection.fold, projection.state.key),
        dirty: new Set(),
        removed: new Set(),
        written: new Set(),
      });
    }
  }

  /** States parked or written earlier that the batch touches come back as objects. */
  const readBack = async (group: Group, keys: readonly string[]) => {
    if (group.parked !== null && group.parked.size > 0) {
      for (const key of keys) {
        const state = group.parked.take(key);
        if (state !== undefined) group.states.set(key, state);
      }
    }
    const missing = keys.filter((k) => !group.states.has(k) && group.written.has(k) && !group.removed.has(k));
    if (missing.length === 0) return;
    for (const [i, member] of group.members.entries()) {
      const { state, history } = member.projection;
      const rows = await selectByKeys<Row>(db, tableIn(target, state.table), state.key, missing);
      for (const row of rows) {
        const key = row[state.key] as string;
        if (i === 0) group.states.set(key, group.fold.stored.fromRow(parsedRow(member.projection, row)));
        member.before.set(key, row);
        if (history && !isEmptyWaiting(row[history.column])) member.waiting.set(key, row[history.column]);
      }
    }
  };

  // History rows are written beside the fold (one insert in flight, in order), not in its way. Its
  // failure surfaces at the next write or at finish; the handler only keeps it from counting as
  // unhandled meanwhile.
  let historyInFlight: Promise<void> = Promise.resolve();
  const writeHistory = async (member: Member) => {
    const { history } = member.projection;
    const rows = member.historyRows;
    member.historyRows = [];
    if (!history || rows.length === 0) return;
    member.historyWritten = true;
    await historyInFlight;
    historyInFlight = (async () => {
      for (let i = 0; i < rows.length; i += CHUNK) {
        await insertNewRows(
          db,
          tableIn(target, history.table),
          history.spec.key,
          history.spec.columns,
          rows.slice(i, i + CHUNK),
        );
      }
    })();
    historyInFlight.catch(() => undefined);
    if (db.kind === 'embedded') await historyInFlight;
  };

  /** The members' writes of one chunk: side by side on their own connections (PostgreSQL writes one
   * member's rows while Node builds the next's), one after another on the embedded database's one. */
  const forEachMember = async (members: readonly Member[], work: (member: Member) => Promise<void>) => {
    if (db.kind === 'embedded') for (const member of members) await work(member);
    else await Promise.all(members.map(work));
  };

  /** History rows of keys merged away follow the key they joined, held or written (the live engine's
   * writeStates does the same). Rare in a rebuild, which knows every link the log proves from the
   * start: only a link the event store did not record merges states here. */
  const refileHistory = async (member: Member, absorbed: ReadonlyMap<string, string>) => {
    const { history } = member.projection;
    if (!history?.spec.columns.includes('payment_id')) return;
    member.historyRows = member.historyRows.map((row) => {
      const key = absorbed.get(row.payment_id as string);
      return key === undefined ? row : { ...row, payment_id: key };
    });
    if (!member.historyWritten) return;
    await historyInFlight;
    await relinkRows(db, [tableIn(target, history.table)], absorbed);
  };

  /** Rows held take what a batch says their key's rows follow; rows written take it at the next write
   * (one statement then, the table having no index yet). */
  const follow = (member: Member, following: ReadonlyMap<string, Row>) => {
    const { history, state } = member.projection;
    if (following.size === 0 || !history) return;
    member.historyRows = member.historyRows.map((row) => {
      const values = following.get(row[state.key] as string);
      return values === undefined ? row : { ...row, ...values };
    });
    if (!member.historyWritten) return;
    for (const [key, values] of following) member.following.set(key, values);
  };

  /** A key joined others: its history rows are restated from its story, held and written ones alike. */
  const restate = async (member: Member, folded: BatchFold<unknown>, upTo: number) => {
    const { history } = member.projection;
    const rows = await restatedHistoryOf(member.projection, folded, upTo, options.stories);
    if (!history || rows.length === 0) return;
    const key = history.spec.key;
    const byKey = new Map(rows.map((row) => [row[key], row]));
    const held = member.historyRows.map((row) => byKey.get(row[key]) ?? row);
    // Rows the story gives that no held row is (an event left waiting before): held too, unless written.
    const heldKeys = new Set(held.map((row) => row[key]));
    member.historyRows = [...held, ...rows.filter((row) => !heldKeys.has(row[key]))];
    if (!member.historyWritten) return;
    await historyInFlight;
    await upsertRows(db, tableIn(target, history.table), key, history.spec.columns, rows);
  };

  const writeFollowing = async (member: Member) => {
    const { history, state } = member.projection;
    if (!history || member.following.size === 0) return;
    await historyInFlight;
    await updateFollowing(db, tableIn(target, history.table), state.key, history.follows, member.following);
    member.following.clear();
  };

  const write = async (group: Group) => {
    const dirty = [...group.dirty];
    const removed = [...group.removed];
    for (const member of group.members) {
      await writeHistory(member);
      await writeFollowing(member);
    }
    for (let i = 0; i === 0 || i < dirty.length; i += CHUNK) {
      options.checkAbort?.();
      const keys = dirty.slice(i, i + CHUNK);
      // A parked state is parsed once per chunk for all members (and turned into JSON once, columnText.ts).
      const states = new Map(keys.map((k) => [k, group.states.get(k) ?? group.parked?.take(k)]));
      const gone = i === 0 ? removed : [];
      await forEachMember(group.members, (member) =>
        db.transaction((tx) =>
          writeStates(tx, member.projection, target, {
            states,
            removed: gone,
            before: [...keys, ...gone].flatMap((k): Row[] => {
              const row = member.before.get(k);
              return row === undefined ? [] : [row];
            }),
            waiting: member.waiting,
            historyRows: [],
            following: NO_ROWS,
            restated: [],
            relinks: NO_LINKS,
            absorbed: NO_LINKS,
          }),
        ),
      );
      options.onWrite?.();
    }
    for (const member of group.members) {
      member.before.clear();
      member.waiting.clear();
    }
    for (const key of dirty) group.written.add(key);
    for (const key of removed) group.written.delete(key);
    group.states.clear();
    group.parked?.clear();
    group.dirty.clear();
    group.removed.clear();
  };

  const addToGroup = async (group: Group, events: readonly StoredEvent[], links: Links) => {
    const { fold } = group;
    const routed = fold.route(events, links);
    const proven = fold.relink ? linksProvenBy(events) : NO_LINKS;
    if (routed.length === 0 && proven.size === 0) return;
    const keys = keysToLoad(routed);
    await readBack(group, keys);
    const folded = foldBatch(fold, group.states, routed);
    if (fold.relink && proven.size > 0) {
      folded.states = relinked(group.members[0]!.projection, folded.states, proven);
      for (const [key, state] of group.states) {
        if (folded.states.has(key) || folded.removed.has(key)) continue;
        const moved = fold.relink(state, proven);
        if (moved !== null) folded.states.set(key, moved);
      }
      // Rows written earlier and filed under a charge the batch links: the live relink statement.
      if (group.written.size > 0) {
        for (const { projection } of group.members) {
          await relinkRows(db, relinkedTables(projection, target), proven);
        }
      }
    }
    for (const member of group.members) {
      if (!member.projection.history) continue;
      const waiting = new Map(
        keys.flatMap((k) => (member.waiting.has(k) ? [[k, member.waiting.get(k)]] : [])),
      );
      const { rows, waiting: after, following } = historyOf(member.projection, folded, waiting);
      for (const key of folded.removed) member.waiting.delete(key);
      for (const key of folded.states.keys()) {
        const value = after.get(key);
        if (value === undefined || isEmptyWaiting(value)) member.waiting.delete(key);
        else member.waiting.set(key, value);
      }
      for (const row of rows) member.historyRows.push(row);
      if (folded.absorbed.size > 0) await refileHistory(member, folded.absorbed);
      follow(member, following);
      if (folded.absorbed.size > 0) await restate(member, folded, events.at(-1)!.position);
      if (member.historyRows.length >= options.maxHistoryRows) await writeHistory(member);
      // Bounded: what written rows follow is applied once this many keys wait (one statement).
      if (member.following.size >= options.maxHistoryRows) await writeFollowing(member);
    }
    for (const key of folded.removed) {
      group.states.delete(key);
      group.parked?.delete(key);
      group.dirty.delete(key);
      if (group.written.has(key)) group.removed.add(key);
    }
    for (const [key, state] of folded.states) {
      group.states.set(key, state);
      group.dirty.add(key);
      group.removed.delete(key);
    }
    if (group.states.size > options.maxStates) await park(group);
    else if (options.memoryShort?.()) await write(group);
  };

  /** Past maxStates: the states held as objects are parked, or written when that memory too
   * is full (and always for a fold that relinks). Clean states are in the tables already: dropped. */
  const park = async (group: Group) => {
    const { parked } = group;
    if (parked === null) return write(group);
    for (const [key, state] of group.states) if (group.dirty.has(key)) parked.park(key, state);
    group.states.clear();
    if (parked.bytes > options.maxParkedBytes) await write(group);
  };

  return {
    /** Folds the next batch of the log (global order). Throws on an event it cannot fold. */
    add: async (events: readonly StoredEvent[], links: Links) => {
      for (const group of groups) await addToGroup(group, events, links);
    },
    /** Writes everything still held. */
    finish: async () => {
      for (const group of groups) await write(group);
      await historyInFlight;
    },
  };
};

export type RebuildSession = ReturnType<typeof rebuildSession>;
