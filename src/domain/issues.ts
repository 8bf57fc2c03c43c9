import type { z } from 'zod';

/** How many issues a message names: enough to fix a payload, short enough for a 400 body and a log line. */
const MAX_ISSUES = 3;

/** Describes a value by its type only: payloads may carry personal data and are never echoed. */
const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'non-integer number';
  return typeof value;
};

const pathOf = (prefix: string, path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    prefix,
  ) || 'body';

const messageOf = (issue: z.core.$ZodIssue): string => {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type': {
      // Every number in the schemas is an integer (z.int()), which reports `number` for non-numbers.
      const expected = issue.expected === 'number' || issue.expected === 'int' ? 'integer' : issue.expected;
      return input === undefined
        ? `missing (expected ${expected})`
        : `expected ${expected}, got ${describe(input)}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describe(input)}`;
    default:
      return issue.message;
  }
};

/** "data.object.amount: expected integer, got string; ...": the first issues, each with its path. */
export const formatIssues = (issues: readonly z.core.$ZodIssue[], prefix: string): string =>
  issues
    .slice(0, MAX_ISSUES)
    .map((issue) => `${pathOf(prefix, issue.path)}: ${messageOf(issue)}`)
    .join('; ');
