import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process (or per test server), so tests never share counters. */
export const createMetrics = () => {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    webhooks: new Counter({
      name: 'stripe_ledger_webhooks_total',
      help: 'Webhook deliveries by Stripe event type and outcome',
      labelNames: ['type', 'outcome'] as const,
      registers: [registry],
    }),
    appendSeconds: new Histogram({
      name: 'stripe_ledger_append_duration_seconds',
      help: 'Time from a verified webhook to its durable append',
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    projectionLagEvents: new Gauge({
      name: 'stripe_ledger_projection_lag_events',
      help: 'Events in the store not yet applied by the projection',
      labelNames: ['projection'] as const,
      registers: [registry],
    }),
    projectionLagSeconds: new Gauge({
      name: 'stripe_ledger_projection_lag_seconds',
      help: 'Age of the oldest event the projection has not applied',
      labelNames: ['projection'] as const,
      registers: [registry],
    }),
    projectionFailures: new Gauge({
      name: 'stripe_ledger_projection_failures',
      help: 'Events a projection could not apply and is stopped at',
      labelNames: ['projection'] as const,
      registers: [registry],
    }),
  };
};

export type Metrics = ReturnType<typeof createMetrics>;
