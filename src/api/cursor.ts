import { BadParameter } from './params.js';

/** How a sort-key column is compared in SQL and carried in a cursor. */
export type KeyKind = 'timestamptz' | 'text' | 'bigint';

export type SortKey = (string | number)[];

/** An opaque cursor: base64url of the list's name and the last row's sort key. */
export const encodeCursor = (list: string, key: SortKey): string =>
  Buffer.from(JSON.stringify([list, ...key])).toString('base64url');

const valid = (kind: KeyKind, value: unknown): boolean => {
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
export const decodeCursor = (list: string, kinds: readonly KeyKind[], cursor: string): SortKey => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(decoded) || decoded.length !== kinds.length + 1 || decoded[0] !== list)
    throw malformed();
  const key = decoded.slice(1) as unknown[];
  if (!kinds.every((kind, index) => valid(kind, key[index]))) throw malformed();
  return key as SortKey;
};
