/**
 * Stripe's documented list semantics, pure: newest first; `limit` 1-100 (default 10); `starting_after`
 * (older than that object) or `ending_before` (newer than it), never both; `created` as an exact
 * timestamp or a range of gt/gte/lt/lte; resource filters as a predicate.
 */
import type { CreatedRange, Listed, SortedList } from './sortedList.js';

export type Query = Record<string, unknown>;

export type ListParams = {
  limit: number;
  startingAfter: string | null;
  endingBefore: string | null;
  created: CreatedRange;
};

export class InvalidParameter extends Error {
  constructor(
    readonly param: string,
    message: string,
    readonly code = 'parameter_invalid',
  ) {
    super(message);
  }
}

const integer = (param: string, value: unknown): number => {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) {
    throw new InvalidParameter(param, `Invalid integer: ${String(value)}`, 'parameter_invalid_integer');
  }
  return Number(value);
};

const createdRange = (value: unknown): CreatedRange => {
  if (value === undefined) return {};
  if (typeof value === 'string') {
    const at = integer('created', value);
    return { gte: at, lte: at };
  }
  if (typeof value !== 'object' || value === null) throw new InvalidParameter('created', 'Invalid created');
  const range: CreatedRange = {};
  for (const [op, bound] of Object.entries(value)) {
    if (op !== 'gt' && op !== 'gte' && op !== 'lt' && op !== 'lte') {
      throw new InvalidParameter(`created[${op}]`, `Received unknown parameter: created[${op}]`);
    }
    range[op] = integer(`created[${op}]`, bound);
  }
  return range;
};

const cursor = (query: Query, name: string): string | null => {
  const value = query[name];
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new InvalidParameter(name, `Invalid ${name}`);
  return value;
};

export const listParams = (query: Query): ListParams => {
  const limit = query.limit === undefined ? 10 : integer('limit', query.limit);
  if (limit < 1 || limit > 100) {
    throw new InvalidParameter(
      'limit',
      'This value must be greater than or equal to 1 and less than or equal to 100.',
    );
  }
  const startingAfter = cursor(query, 'starting_after');
  const endingBefore = cursor(query, 'ending_before');
  if (startingAfter !== null && endingBefore !== null) {
    throw new InvalidParameter(
      'starting_after',
      'You may only specify one of these parameters: ending_before, starting_after.',
    );
  }
  return { limit, startingAfter, endingBefore, created: createdRange(query.created) };
};

export type Page<T> = { object: 'list'; data: T[]; has_more: boolean; url: string };

const anchor = <T extends Listed>(list: SortedList<T>, param: string, id: string, noun: string): number => {
  const index = list.indexOf(id);
  if (index === null) throw new InvalidParameter(param, `No such ${noun}: '${id}'`, 'resource_missing');
  return index;
};

/** One page of `list` under `params`, keeping only items `matches` accepts. */
export const listPage = <T extends Listed>(
  list: SortedList<T>,
  params: ListParams,
  url: string,
  noun: string,
  matches: (item: T) => boolean = () => true,
): Page<T> => {
  const [from, to] = list.bounds(params.created);
  const data: T[] = [];
  if (params.endingBefore !== null) {
    // The `limit` items just newer than the anchor, still returned newest first.
    let i = Math.max(from, anchor(list, 'ending_before', params.endingBefore, noun) + 1);
    for (; i < to && data.length <= params.limit; i += 1) if (matches(list.at(i))) data.push(list.at(i));
    const hasMore = data.length > params.limit;
    return { object: 'list', data: data.slice(0, params.limit).reverse(), has_more: hasMore, url };
  }
  let i =
    Math.min(
      to,
      params.startingAfter === null ? to : anchor(list, 'starting_after', params.startingAfter, noun),
    ) - 1;
  for (; i >= from && data.length <= params.limit; i -= 1) if (matches(list.at(i))) data.push(list.at(i));
  const hasMore = data.length > params.limit;
  return { object: 'list', data: data.slice(0, params.limit), has_more: hasMore, url };
};
