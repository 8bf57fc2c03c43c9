import { balanceTransactionsProjection } from './balance_transactions/projection.js';
import { disputesProjection } from './disputes/projection.js';
import { journalProjection } from './journal/projection.js';
import { ordersProjection } from './orders/projection.js';
import { paymentStatusHistoryProjection } from './payment_status_history/projection.js';
import { paymentsProjection } from './payments/projection.js';
import { payoutsProjection } from './payouts/projection.js';
import type { Projection } from './projection.js';
import { refundsProjection } from './refunds/projection.js';

export type { Projection, ProjectionName, ProjectionTarget } from './projection.js';

/** Every read model, each with its own checkpoint; the projector runs them independently, the engine
 * folds the payment fold once per batch for the three that declare it. */
export const projections: readonly Projection[] = [
  paymentsProjection,
  ordersProjection,
  paymentStatusHistoryProjection,
  refundsProjection,
  disputesProjection,
  balanceTransactionsProjection,
  payoutsProjection,
  journalProjection,
];
