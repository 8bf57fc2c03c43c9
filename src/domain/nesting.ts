/**
 * How deep a delivered body may nest. Stripe's objects nest about ten levels (an event, its object, a
 * charge list, a charge, its payment method details, ...); an event is stored by serialising it, which
 * recurses, and a body nested tens of thousands of levels (it fits under the 1 MiB cap) overflowed the
 * stack in the append: answered 503, and retried by Stripe for days.
 */
export const MAX_NESTING = 64;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;

/** An upper bound of a JSON text's nesting, from its bytes: every `{` and `[`, strings included. */
const openings = (raw: Buffer): number => {
  let count = 0;
  for (let i = 0; i < raw.length; i += 1) {
    const byte = raw[i];
    if (byte === OPEN_BRACE || byte === OPEN_BRACKET) count += 1;
  }
  return count;
};

/** Whether parsed JSON nests deeper than `max` levels of objects and arrays (its own stack, so any
 * depth is measured without recursion). */
const deeperThan = (value: unknown, max: number): boolean => {
  const stack: [unknown, number][] = [[value, 1]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [item, depth] = entry;
    if (item === null || typeof item !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
};

/** Whether the body `raw` parsed into `body` nests deeper than MAX_NESTING. The bytes are counted first,
 * so a common body (a few dozen openings) is never walked. */
export const nestedTooDeep = (raw: Buffer, body: unknown): boolean =>
  openings(raw) > MAX_NESTING && deeperThan(body, MAX_NESTING);
