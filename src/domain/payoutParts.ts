import { ownValue, setOwn } from './ownRecord.js';

/**
 * A payout's reconciliation in parts (SPEC section 12). A daily automatic payout pays out thousands of
 * transactions: as one PayoutReconciled that is several MiB, which EventStoreDB refuses (it takes no
 * append over 1 MiB), so the sync failed on that payout in every pass; on PostgreSQL it is one huge row
 * every batch that reads it must parse. So the listing is recorded as PayoutReconciled parts under a
 * byte budget, each saying which reconciliation it belongs to and how many transactions that listing
 * holds. A payout's transactions count once the parts of one reconciliation hold its whole listing,
 * whatever order the parts arrive in and however often.
 */

/** `data.reconciliation` of a PayoutReconciled part. */
export type ReconciliationPart = {
  /**
   * The reconciliation (one listing of the payout's transactions) the part belongs to: UUIDv5 of the
   * payout id and the listing's sorted transaction ids, the very id the reconciliation had as a single
   * event before parts existed, so such an event is a whole reconciliation of its own.
   */
  id: string;
  /** Its place among the `count` parts, from 0. */
  index: number;
  count: number;
  /** Distinct transactions in the whole listing, the payout's own included. */
  listed: number;
};

/**
 * The budget of one part: its transactions as JSON. A quarter of EventStoreDB's 1 MiB per append, so a
 * part with the payout object, metadata and a transaction far larger than usual still fits.
 */
export const PART_BUDGET_BYTES = 256 * 1024;

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/**
 * Items in order, cut into runs whose JSON array stays within `budgetBytes`. Every run holds at least
 * one item, so one item over the budget is a run by itself; no items give one empty run.
 */
export const splitByBytes = <T>(items: readonly T[], budgetBytes: number): T[][] => {
  const runs: T[][] = [];
  let run: T[] = [];
  let size = 2; // []
  for (const item of items) {
    const bytes = jsonBytes(item) + 1; // and its comma
    if (run.length > 0 && size + bytes > budgetBytes) {
      runs.push(run);
      run = [];
      size = 2;
    }
    run.push(item);
    size += bytes;
  }
  return [...runs, run];
};

/**
 * What the log holds of a payout's reconciliations, a join-semilattice (order and duplicates do not
 * matter): whole once the parts of one reconciliation list every transaction of its listing; until
 * then, per reconciliation, the sorted ids its parts listed so far. Whole absorbs everything.
 */
export type ListingCoverage =
  { whole: true } | { whole: false; partial: Record<string, { listed: number; ids: string[] }> };

export const WHOLE: ListingCoverage = { whole: true };

const sortedUnion = (a: readonly string[], b: readonly string[]): string[] =>
  [...new Set([...a, ...b])].sort();

const settled = (partial: Record<string, { listed: number; ids: string[] }>): ListingCoverage =>
  Object.values(partial).some(({ listed, ids }) => ids.length >= listed) ? WHOLE : { whole: false, partial };

export const joinCoverage = (a: ListingCoverage, b: ListingCoverage): ListingCoverage => {
  if (a.whole || b.whole) return WHOLE;
  const partial = { ...a.partial };
  for (const [id, theirs] of Object.entries(b.partial)) {
    const mine = ownValue(partial, id);
    setOwn(
      partial,
      id,
      mine === undefined
        ? theirs
        : { listed: Math.max(mine.listed, theirs.listed), ids: sortedUnion(mine.ids, theirs.ids) },
    );
  }
  return settled(Object.fromEntries(Object.entries(partial).sort(([x], [y]) => (x < y ? -1 : 1))));
};

const isCount = (value: unknown, min: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min;

/**
 * The part a PayoutReconciled is, from its `data.reconciliation` and the ids of its transactions. An
 * event without one was recorded before parts existed: the whole listing in one event, whose id is
 * its reconciliation's.
 */
export const reconciliationPartOf = (
  eventId: string,
  reconciliation: unknown,
  transactionIds: readonly string[],
): ReconciliationPart => {
  if (reconciliation === undefined) {
    return { id: eventId, index: 0, count: 1, listed: new Set(transactionIds).size };
  }
  const r = (typeof reconciliation === 'object' && reconciliation !== null ? reconciliation : {}) as {
    [K in keyof ReconciliationPart]?: unknown;
  };
  if (
    typeof r.id !== 'string' ||
    !isCount(r.count, 1) ||
    !isCount(r.index, 0) ||
    r.index >= r.count ||
    !isCount(r.listed, 0)
  ) {
    throw new Error(
      `event ${eventId} (PayoutReconciled): data.reconciliation should be {id, index < count, count >= 1, listed >= 0}, got ${JSON.stringify(reconciliation)}`,
    );
  }
  return { id: r.id, index: r.index, count: r.count, listed: r.listed };
};

/** The coverage of one PayoutReconciled event: its part's transactions, towards its listing. */
export const coverageOf = (
  eventId: string,
  reconciliation: unknown,
  transactionIds: readonly string[],
): ListingCoverage => {
  const part = reconciliationPartOf(eventId, reconciliation, transactionIds);
  return settled({ [part.id]: { listed: part.listed, ids: sortedUnion(transactionIds, []) } });
};
