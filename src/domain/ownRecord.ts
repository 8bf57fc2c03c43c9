/**
 * A record's own value under a key. Records here are keyed by Stripe ids a sender chooses: an id such
 * as `toString` or `constructor` must find nothing rather than Object.prototype's function.
 */
export const ownValue = <T>(record: Readonly<Record<string, T>>, key: string): T | undefined =>
  Object.hasOwn(record, key) ? record[key] : undefined;

/** Sets a record's own value; `__proto__` becomes a key like any other instead of the prototype. */
export const setOwn = <T>(record: Record<string, T>, key: string, value: T): void => {
  if (key === '__proto__')
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
};
