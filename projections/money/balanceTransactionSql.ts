/**
 * The join of balanceTransactionFacts.ts, in SQL, for rows already in a table: the higher status
 * (available over pending), a payment intent id over a charge id, the greater payout id. Ids compare
 * in the C collation, as JavaScript compares them, so a batch folded in memory and rows merged here
 * agree whatever the database's collation.
 */
const isPaymentIntent = (column: string) => `coalesce(${column} LIKE 'pi\\_%', false)`;

export const joinPaymentIdSql = (current: string, incoming: string) => `CASE
    WHEN ${isPaymentIntent(current)} AND NOT ${isPaymentIntent(incoming)} THEN ${current}
    WHEN ${isPaymentIntent(incoming)} AND NOT ${isPaymentIntent(current)} THEN ${incoming}
    ELSE GREATEST(${current} COLLATE "C", ${incoming} COLLATE "C") END`;

export const joinPayoutIdSql = (current: string, incoming: string) =>
  `GREATEST(${current} COLLATE "C", ${incoming} COLLATE "C")`;

const rank = (column: string) => `CASE ${column} WHEN 'available' THEN 2 WHEN 'pending' THEN 1 ELSE 0 END`;

export const higherStatusSql = (current: string, incoming: string) =>
  `CASE WHEN (${rank(incoming)}, ${incoming} COLLATE "C") > (${rank(current)}, ${current} COLLATE "C")
    THEN ${incoming} ELSE ${current} END`;
