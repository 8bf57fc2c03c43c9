/**
 * Objects of one kind as Stripe lists them: newest first by `created`, ties broken by insertion order
 * (the later one is newer). Kept ascending in an array with an id index, so a page costs a binary search
 * and `limit` items whatever the list's size (the sync benchmark lists 100,000 events).
 */
export type Listed = { id: string; created: number } & Record<string, unknown>;

type Entry<T> = { item: T; created: number; seq: number };

export type CreatedRange = { gt?: number; gte?: number; lt?: number; lte?: number };

const before = (a: { created: number; seq: number }, b: { created: number; seq: number }) =>
  a.created < b.created || (a.created === b.created && a.seq < b.seq);

export const sortedList = <T extends Listed>() => {
  const entries: Entry<T>[] = [];
  const byId = new Map<string, Entry<T>>();
  let seq = 0;

  /** Index of the first entry not before `probe`. */
  const lowerBound = (probe: { created: number; seq: number }) => {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(entries[mid]!, probe)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  const indexOf = (id: string): number | null => {
    const entry = byId.get(id);
    return entry === undefined ? null : lowerBound(entry);
  };

  return {
    size: () => entries.length,
    get: (id: string): T | undefined => byId.get(id)?.item,
    /** Inserts a new object, or replaces the stored version of a known id in place (its `created` never changes). */
    put: (item: T) => {
      const known = byId.get(item.id);
      if (known !== undefined) {
        known.item = item;
        return;
      }
      const entry = { item, created: item.created, seq: (seq += 1) };
      entries.splice(lowerBound(entry), 0, entry);
      byId.set(item.id, entry);
    },
    indexOf,
    /** Ascending indices [from, to) of the entries whose created is within `range`. */
    bounds: (range: CreatedRange): [number, number] => {
      const min = Math.max(range.gt === undefined ? -Infinity : range.gt + 1, range.gte ?? -Infinity);
      const max = Math.min(range.lt === undefined ? Infinity : range.lt - 1, range.lte ?? Infinity);
      if (min > max) return [0, 0];
      return [lowerBound({ created: min, seq: -Infinity }), lowerBound({ created: max, seq: Infinity })];
    },
    at: (index: number): T => entries[index]!.item,
  };
};

export type SortedList<T extends Listed> = ReturnType<typeof sortedList<T>>;
