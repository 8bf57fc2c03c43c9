import { ownValue } from '../../src/domain/ownRecord.js';

/**
 * Join-semilattice building blocks. Every fold state is assembled from these, so merging is
 * commutative, associative and idempotent by construction, and the folded result cannot depend on the
 * order or the number of deliveries (SPEC section 5, rule 1).
 */

/** A sort key compared element by element: numbers numerically, strings by code unit. */
export type Key = readonly (number | string)[];

export const compareKeys = (a: Key, b: Key): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
};

/** The value with the greater key. Keys end in a Stripe event id, so equal keys mean the same
 * snapshot; comparing the JSON keeps the join commutative even if that ever were not so. */
export const maxByKey = <T extends { key: Key }>(a: T, b: T): T => {
  const order = compareKeys(a.key, b.key);
  if (order !== 0) return order > 0 ? a : b;
  return JSON.stringify(a) >= JSON.stringify(b) ? a : b;
};

export const joinNullable = <T>(a: T | null, b: T | null, join: (x: T, y: T) => T): T | null =>
  a === null ? b : b === null ? a : join(a, b);

/** The same for a field that states stored before it existed lack (absent, not null). */
export const joinOptional = <T>(
  a: T | undefined,
  b: T | undefined,
  join: (x: T, y: T) => T,
): T | undefined => (a === undefined ? b : b === undefined ? a : join(a, b));

/** Either of two modes being live: a payment's events all share one. */
export const eitherLive = (x: boolean, y: boolean): boolean => x || y;

/**
 * A record keyed by Stripe ids (a payment's charges, refunds, disputes), made without a prototype. V8
 * gives an ordinary object a new hidden class for every property name it has not seen in that place
 * before, and ids are always new: about 1 µs per id added (measured), a large part of folding an event.
 * An object without a prototype is a plain dictionary from the start (0.1 µs), and an id such as
 * `__proto__` or `toString` is a key like any other in it. Its ids are in sorted order, so a state's
 * JSON text is the same whichever order its ids were learnt in (a rebuild, which knows every link from
 * the start, learns them in another order than live batches do).
 */
export const recordOf = <T>(entries: Iterable<readonly [string, T]>): Record<string, T> => {
  const out = Object.create(null) as Record<string, T>;
  let last: string | undefined;
  let sorted = true;
  for (const [id, value] of entries) {
    if (last !== undefined && id < last) sorted = false;
    last = id;
    out[id] = value;
  }
  return sorted ? out : sortedRecord(out);
};

/** The same record with its ids in sorted order (rare: ids arrive sorted but for a join's new one). */
const sortedRecord = <T>(record: Readonly<Record<string, T>>): Record<string, T> => {
  const out = Object.create(null) as Record<string, T>;
  for (const id of Object.keys(record).sort()) out[id] = record[id]!;
  return out;
};

/** Pointwise join of two maps; keys present on one side only are kept as they are. */
export const joinRecords = <T>(
  a: Readonly<Record<string, T>>,
  b: Readonly<Record<string, T>>,
  join: (x: T, y: T) => T,
): Record<string, T> => {
  const out = recordOf(Object.entries(a));
  let sorted = true;
  for (const [id, value] of Object.entries(b)) {
    const mine = ownValue(out, id);
    // A new id goes in last: below the greatest id so far, it went in out of order.
    if (mine === undefined && sorted) for (const other in out) if (id < other) sorted = false;
    out[id] = mine === undefined ? value : join(mine, value);
  }
  return sorted ? out : sortedRecord(out);
};

/** The greater of two values (a fixed fact seen twice should agree; if not, the result is still the same
 * whichever came first). */
export const greatest = <T extends string | number>(x: T, y: T): T => (x >= y ? x : y);

/** A fixed fact that some snapshots may lack (an id, a charge): any non-null value, the greatest if two differ. */
export const joinFact = <T extends string | number>(a: T | null, b: T | null): T | null =>
  joinNullable(a, b, greatest);
