/**
 * Text PostgreSQL cannot store, whatever path a Stripe payload takes into the log (a webhook delivery,
 * an event or object the sync read): a NUL (\u0000), which no text or jsonb value holds, and a lone
 * UTF-16 surrogate, which is not Unicode. The event store's data column (json) keeps both as escapes,
 * but its jsonb metadata refuses them (the append fails), and so does every read of the event as jsonb
 * or text (the webhook events API, the projections): stored, such an event breaks each of those.
 */

export type UnstorableText = { problem: 'nul' | 'lone_surrogate'; message: string };

const NUL: UnstorableText = {
  problem: 'nul',
  message: 'a NUL character (\\u0000), which the ledger cannot store',
};

const LONE_SURROGATE: UnstorableText = {
  problem: 'lone_surrogate',
  message:
    'a lone UTF-16 surrogate (a \\ud800-\\udfff escape without its pair), which is not valid Unicode and the ledger cannot store',
};

// In a `u` regex a surrogate pair is one code point, so this matches only a surrogate without its pair.
const SURROGATE = /\p{Surrogate}/u;

const problemOf = (text: string): UnstorableText | null => {
  if (text.includes('\u0000')) return NUL;
  if (SURROGATE.test(text)) return LONE_SURROGATE;
  return null;
};

/**
 * What in a parsed JSON value (any string or object key, at any depth) PostgreSQL cannot store, or
 * null when all of it can be. The walk keeps its own stack: a deeply nested payload cannot overflow
 * the call stack.
 */
export const unstorableText = (value: unknown): UnstorableText | null => {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      const problem = problemOf(item);
      if (problem !== null) return problem;
    } else if (Array.isArray(item)) {
      for (const child of item as unknown[]) pending.push(child);
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        const problem = problemOf(key);
        if (problem !== null) return problem;
        pending.push(child);
      }
    }
  }
  return null;
};
