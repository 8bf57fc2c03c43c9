/**
 * Reading the fields the projections use from a Stripe object as delivered. Ingest validated them, but a
 * stored event outlives that code: a field of the wrong type throws with its path, so the projector
 * records a failure naming it instead of folding a guess.
 */
export type Json = Record<string, unknown>;

export const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The id behind an expandable field: the string itself, or the `id` of the expanded object. */
export const idOf = (value: unknown): string | null => {
  const id = isRecord(value) ? value.id : value;
  return typeof id === 'string' && id !== '' ? id : null;
};

const describe = (value: unknown) => (value === undefined ? 'nothing' : JSON.stringify(value));

export type Fields = ReturnType<typeof fieldsOf>;

export const fieldsOf = (object: Json, path: string) => {
  const fail = (field: string, expected: string): never => {
    throw new Error(`${path}.${field}: expected ${expected}, got ${describe(object[field])}`);
  };
  const optional = <T>(field: string, check: (v: unknown) => v is T, expected: string): T | null => {
    const value = object[field];
    if (value === undefined || value === null) return null;
    return check(value) ? value : fail(field, expected);
  };
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
  const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
  return {
    optString: (field: string) => optional(field, isString, 'a string'),
    string: (field: string) => optional(field, isString, 'a string') ?? fail(field, 'a string'),
    optInt: (field: string) => optional(field, isInt, 'an integer'),
    int: (field: string) => optional(field, isInt, 'an integer') ?? fail(field, 'an integer'),
    optBool: (field: string) => optional(field, isBool, 'a boolean'),
    id: (field: string) => idOf(object[field]) ?? fail(field, 'an id'),
    optRef: (field: string) => idOf(object[field]),
    optRecord: (field: string) => optional(field, isRecord, 'an object'),
    /** Objects of a plain array field (a dispute's balance_transactions); none when absent. */
    arrayItems: (field: string): Json[] => {
      const items = optional(field, Array.isArray, 'an array');
      return items === null ? [] : items.filter(isRecord);
    },
    /** Items of an embedded Stripe list (`{object: 'list', data: [...]}`); 2013 samples send `{}`. */
    listItems: (field: string): Json[] => {
      const list = optional(field, isRecord, 'a list object');
      const data = list?.data;
      return Array.isArray(data) ? data.filter(isRecord) : [];
    },
  };
};
