import { BadParameter } from './params.js';

/** How a sort-key column is compared in SQL and carried in a cursor. */
export type KeyKind = 'timestamptz' | 'text' | 'bigint';

export type SortKey = (string | number)[];

/** What a cursor's key values are checked against: their kind, and whether null stands as 'infinity'. */
export type CursorKey = { kind: KeyKind; nullsLast?: true };

/** An opaque cursor: base64url of the list's name and the last row's sort key. */
export const encodeCursor = (list: string, key: SortKey): string =>
  Buffer.from(JSON.stringify([list, ...key])).toString('base64url');

const valid = (key: CursorKey, value: unknown): boolean => {
  // A key whose nulls sort last carries them as 'infinity' (listQuery.ts).
  if (key.nullsLast === true && value === 'infinity') return true;
  const kind = key.kind;
  switch (kind) {
    case 'timestamptz':
      // Exactly what selectList writes, and a real instant (no 30 February), so PostgreSQL accepts it.
      return (
        typeof value === 'string' &&
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/.test(value) &&
        !Number.isNaN(Date.parse(value)) &&
        new Date(value).toISOString().slice(0, 19) === value.slice(0, 19)
      );
    case 'text':
      // PostgreSQL refuses NUL in text: control characters are a 400 here, not a 500 there.
      return typeof value === 'string' && value.length <= 255 && ![...value].some((char) => char < ' ');
    case 'bigint':
      return typeof value === 'number' && Number.isSafeInteger(value);
    default: {
      const unhandled: never = kind;
      throw new Error(`unhandled key kind ${String(unhandled)}`);
    }
  }
};

const malformed = () =>
  new BadParameter('cursor', 'malformed: pass next_cursor from an earlier page of this list');

/** The sort key inside a cursor of list `list`; BadParameter('cursor') for anything else. */
export const decodeCursor = (list: string, keys: readonly CursorKey[], cursor: string): SortKey => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(decoded) || decoded.length !== keys.length + 1 || decoded[0] !== list) throw malformed();
  const key = decoded.slice(1) as unknown[];
  if (!keys.every((k, index) => valid(k, key[index]))) throw malformed();
  return key as SortKey;
};
