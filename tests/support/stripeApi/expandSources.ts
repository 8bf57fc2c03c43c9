/**
 * `expand[]=data.source` on GET /v1/balance_transactions, as Stripe answers it: each transaction's
 * `source` id replaced by the object it names (a charge, refund, dispute or payout the stand-in holds);
 * an id it does not hold stays an id. Test-only.
 */
type Json = Record<string, unknown>;

const expansions = (query: Record<string, unknown>): string[] => {
  const expand = query.expand;
  if (Array.isArray(expand)) return expand.filter((e): e is string => typeof e === 'string');
  return typeof expand === 'string' ? [expand] : [];
};

export const expandSources = <P extends { data: Json[] }>(
  page: P,
  query: Record<string, unknown>,
  lookup: (id: string) => Json | undefined,
): P => {
  if (!expansions(query).includes('data.source')) return page;
  return {
    ...page,
    data: page.data.map((bt) => {
      const source = typeof bt.source === 'string' ? lookup(bt.source) : undefined;
      return source === undefined ? bt : { ...bt, source };
    }),
  };
};
