import type { Db } from '../src/db/port.js';
import type { AppendRequest, StoredEvent } from '../src/eventstore/port.js';
import { postgresEventStore } from '../src/eventstore/postgres/postgresEventStore.js';
import { buildLifecycle, type Flow, type LifecycleSpec } from '../tests/support/lifecycles.js';
import { asAppended } from '../tests/support/storedEvents.js';

/**
 * How a seeded log lays out each payment's events:
 * - `interleaved` (the default) spreads them as a live log does: payments start every few seconds and
 *   their own events take seconds to minutes, so neighbours interleave; refunds arrive days later and
 *   disputes weeks later, among thousands of other payments' events.
 * - `grouped` appends each payment's events next to each other: the best case for any reader that
 *   batches by payment, kept to report beside the realistic one.
 */
export type SeedLayout = 'interleaved' | 'grouped';
export const SEED_LAYOUTS: readonly SeedLayout[] = ['interleaved', 'grouped'];

/** The `--layout=` flag of the benchmarks that seed a log: one layout, or both (the default) side by side. */
export const layoutsFromFlag = (flag: string | undefined): SeedLayout[] => {
  if (flag === undefined || flag === 'both') return [...SEED_LAYOUTS];
  if (flag === 'interleaved' || flag === 'grouped') return [flag];
  throw new Error(`--layout must be interleaved, grouped or both, not "${flag}"`);
};

/** A small deterministic generator: the same seed gives the same mix of lifecycles on every run. */
const random = (seed: number) => {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
};

const FLOWS: [Flow, number][] = [
  ['paid', 0.5],
  ['threeDS', 0.1],
  ['failedThenPaid', 0.1],
  ['failureOnly', 0.05],
  ['canceled', 0.05],
  ['authorized', 0.05],
  ['manualCapture', 0.1],
  ['legacyCharge', 0.05],
];

const specFor = (n: number, next: () => number): LifecycleSpec => {
  let pick = next();
  const flow = FLOWS.find(([, share]) => (pick -= share) < 0)?.[0] ?? 'paid';
  const refundRoll = next();
  const refunds: LifecycleSpec['refunds'] =
    refundRoll < 0.05
      ? [
          { amount: 1000, fate: 'succeeded', orphan: false },
          { amount: 1000, fate: 'succeeded', orphan: false },
        ]
      : refundRoll < 0.2
        ? [{ amount: 500, fate: next() < 0.1 ? 'failsLater' : 'succeeded', orphan: false }]
        : [];
  const disputeRoll = next();
  return {
    n,
    flow,
    oldApi: next() < 0.3,
    refunds,
    dispute: disputeRoll < 0.03 ? { outcome: disputeRoll < 0.015 ? 'lost' : 'won', orphan: false } : null,
    gaps: next() < 0.2 ? [0, 1] : [1],
  };
};

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Mean seconds between two payments starting: ~1,200 payments an hour, so 200,000 span about a week. */
const MEAN_PAYMENT_INTERVAL = 3;

type Phase = 'payment' | 'refund' | 'dispute';
const phaseOf = (event: StoredEvent): Phase => {
  const type = String(event.metadata.stripe_event_type);
  if (type.startsWith('charge.dispute.')) return 'dispute';
  if (type.startsWith('refund.') || type === 'charge.refunded' || type === 'charge.refund.updated') {
    return 'refund';
  }
  return 'payment';
};

/**
 * Arrival times (simulated seconds) of one lifecycle's events, kept in the lifecycle's own order: the
 * payment itself within seconds to a few minutes of its start, each refund 1 to 10 days after the
 * payment, each dispute 1 to 8 weeks after it, and every later step of a refund or dispute hours to
 * days after the previous one.
 */
const arrivalTimes = (events: StoredEvent[], start: number, next: () => number): number[] => {
  let clock = start;
  let phase: Phase = 'payment';
  return events.map((event) => {
    const eventPhase = phaseOf(event);
    if (eventPhase === 'payment') clock += 1 + next() * 30;
    else if (eventPhase !== phase) {
      clock = Math.max(
        clock,
        eventPhase === 'refund' ? start + DAY + next() * 9 * DAY : start + 7 * DAY + next() * 49 * DAY,
      );
    } else clock += HOUR + next() * 3 * DAY;
    phase = eventPhase;
    return clock;
  });
};

/** A binary min-heap of events by arrival time (ties keep insertion order, so a payment's own order holds). */
const arrivalQueue = () => {
  type Entry = { at: number; order: number; event: StoredEvent };
  const heap: Entry[] = [];
  let order = 0;
  const before = (a: Entry, b: Entry) => a.at < b.at || (a.at === b.at && a.order < b.order);
  return {
    get size() {
      return heap.length;
    },
    peekAt: () => heap[0]?.at ?? Infinity,
    push(at: number, event: StoredEvent) {
      heap.push({ at, order: order++, event });
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!before(heap[i]!, heap[parent]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    },
    pop(): StoredEvent {
      const top = heap[0]!;
      const last = heap.pop()!;
      if (heap.length > 0) {
        heap[0] = last;
        for (let i = 0; ;) {
          const left = 2 * i + 1;
          const right = left + 1;
          let least = i;
          if (left < heap.length && before(heap[left]!, heap[least]!)) least = left;
          if (right < heap.length && before(heap[right]!, heap[least]!)) least = right;
          if (least === i) break;
          [heap[i], heap[least]] = [heap[least]!, heap[i]!];
          i = least;
        }
      }
      return top.event;
    },
  };
};

export type SeededLog = {
  events: number;
  payments: number;
  /** What the payments read model must hold once every event is applied. */
  expected: { statuses: Record<string, number>; amountRefunded: number; disputes: number };
};

const requestOf = (event: StoredEvent): AppendRequest => ({
  stream: event.stream,
  expectedVersion: 'any',
  events: [asAppended(event)],
});

/**
 * Appends generated payment lifecycles (mixed flows, refunds, disputes, old and new API shapes) through
 * the PostgreSQL store until at least `targetEvents` are stored, laid out as `layout` says. The same
 * seed stores the same events in either layout; only their order in the log differs. Returns the counts.
 */
export const seedLifecycles = async (
  db: Db,
  targetEvents: number,
  {
    seed = 42,
    batchEvents = 5000,
    layout = 'interleaved' as SeedLayout,
  }: { seed?: number; batchEvents?: number; layout?: SeedLayout } = {},
): Promise<SeededLog> => {
  const store = postgresEventStore(db);
  const next = random(seed);
  // Arrival times draw from their own generator so both layouts build the very same lifecycles.
  const nextArrival = random(seed + 1);
  const pending = arrivalQueue();
  let events = 0;
  let payments = 0;
  let clock = 0;
  const expected: SeededLog['expected'] = { statuses: {}, amountRefunded: 0, disputes: 0 };
  let batch: AppendRequest[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await store.appendMany(batch);
    batch = [];
  };
  while (events < targetEvents) {
    const lifecycle = buildLifecycle(specFor(payments, next));
    payments += 1;
    events += lifecycle.events.length;
    const { payment_status, amount_refunded, dispute_status } = lifecycle.expected;
    expected.statuses[payment_status] = (expected.statuses[payment_status] ?? 0) + 1;
    expected.amountRefunded += amount_refunded;
    if (dispute_status !== null) expected.disputes += 1;
    if (layout === 'grouped') {
      batch.push(...lifecycle.events.map(requestOf));
    } else {
      clock += -Math.log(1 - nextArrival()) * MEAN_PAYMENT_INTERVAL;
      const times = arrivalTimes(lifecycle.events, clock, nextArrival);
      lifecycle.events.forEach((event, i) => pending.push(times[i]!, event));
      // Everything due before this payment started is in the log before it.
      while (pending.peekAt() <= clock) batch.push(requestOf(pending.pop()));
    }
    if (batch.length >= batchEvents) await flush();
  }
  while (pending.size > 0) {
    batch.push(requestOf(pending.pop()));
    if (batch.length >= batchEvents) await flush();
  }
  await flush();
  return { events, payments, expected };
};

/**
 * Throws unless the payments read model holds what the seeded lifecycles must end in: one row per
 * payment, the expected count of each status, the refunded total and the disputed payments. A benchmark
 * that reads or rebuilds the seeded log calls it at the end, so a fast wrong answer cannot pass.
 */
export const checkSeededPayments = async (db: Db, seeded: SeededLog, schema = 'ledger'): Promise<void> => {
  const { rows } = await db.query<{
    payment_status: string;
    count: number;
    refunded: string;
    disputed: number;
  }>(
    `SELECT payment_status, count(*)::int AS count, sum(amount_refunded)::text AS refunded,
            count(dispute_status)::int AS disputed
       FROM ${schema}.payments GROUP BY payment_status`,
  );
  const statuses = Object.fromEntries(rows.map((row) => [row.payment_status, row.count]));
  const refunded = rows.reduce((sum, row) => sum + Number(row.refunded), 0);
  const disputed = rows.reduce((sum, row) => sum + row.disputed, 0);
  const problems = [...new Set([...Object.keys(statuses), ...Object.keys(seeded.expected.statuses)])].flatMap(
    (status) =>
      (statuses[status] ?? 0) === (seeded.expected.statuses[status] ?? 0)
        ? []
        : [`${status}: ${statuses[status] ?? 0} rows, expected ${seeded.expected.statuses[status] ?? 0}`],
  );
  if (refunded !== seeded.expected.amountRefunded) {
    problems.push(`amount_refunded totals ${refunded}, expected ${seeded.expected.amountRefunded}`);
  }
  if (disputed !== seeded.expected.disputes) {
    problems.push(`${disputed} disputed payments, expected ${seeded.expected.disputes}`);
  }
  if (problems.length > 0) throw new Error(`read models do not match the seeded log: ${problems.join('; ')}`);
};
