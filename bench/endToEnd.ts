/**
 * End-to-end latency: distinct, freshly signed payment_intent.succeeded webhooks offered at a fixed rate
 * (open loop: each is sent at its scheduled time whether or not earlier ones were answered) to the real
 * server (`stripe-ledger serve --role all`, its own process, fresh database). For each acknowledged
 * event, the time from its 2xx to its row being visible in ledger.payments. Target: p99 <= 200 ms at
 * 1,000 webhooks/s.
 *
 * Visibility is found by polling `SELECT payment_id FROM ledger.payments WHERE payment_id = ANY($1)` for
 * the pending ids on one connection, a poll starting every --poll-ms. An event counts as visible when
 * the first poll that returns its row has answered, so each figure over-states the true latency by at
 * most one poll cycle (reported as the polling resolution).
 *
 * Flags: --rate=1000 (webhooks/s)  --warmup=1 (seconds, not measured)  --poll-ms=5  --sockets=64
 *        --log-level=warn  --keep-db
 */
import http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Benchmark, BenchOptions } from './benchmark.js';
import { createBenchDatabase } from './benchDatabase.js';
import { percentile } from './keepAliveLoad.js';
import { paymentIntentSucceededFactory } from './paymentIntentSucceeded.js';
import { printTable } from './printTable.js';
import { cpuSeconds, machineCpu } from './procStats.js';
import { startServerProcess, type ServerProcess } from './serverProcess.js';

const SECRET = 'whsec_bench_e2e_7c4f1a9d2b';
const TARGET = { rate: 1000, p99Ms: 200 };

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Measured per delivery, ms on performance.now()'s clock. */
type Delivery = { scheduledAt: number; measured: boolean; ackAt?: number; visibleAt?: number };

/** The load: `total` deliveries at `rate` per second from `startAt`, each POSTed at its scheduled time. */
const offer = (options: {
  server: ServerProcess;
  agent: http.Agent;
  rate: number;
  total: number;
  measuredFrom: number;
  onAck: (paymentId: string, delivery: Delivery) => void;
}) => {
  const nextEvent = paymentIntentSucceededFactory(SECRET);
  const deliveries: Delivery[] = [];
  const statuses = new Map<number | string, number>();
  const count = (status: number | string) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
  const startAt = performance.now();
  let answered = 0;

  const send = (index: number) => {
    const { body, signature } = nextEvent();
    const paymentId = /"id": "(pi_[^"]+)"/.exec(body.toString('utf8'))![1]!;
    const delivery: Delivery = {
      scheduledAt: startAt + (index * 1000) / options.rate,
      measured: index >= options.measuredFrom,
    };
    deliveries.push(delivery);
    const request = http.request(
      {
        host: options.server.host,
        port: options.server.port,
        method: 'POST',
        path: '/api/webhooks/stripe',
        agent: options.agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': body.length,
          'Stripe-Signature': signature,
        },
      },
      (response) => {
        response.resume();
        response.on('end', () => {
          answered += 1;
          const status = response.statusCode ?? 0;
          count(status);
          if (status >= 200 && status < 300) {
            delivery.ackAt = performance.now();
            options.onAck(paymentId, delivery);
          }
        });
      },
    );
    request.on('error', () => {
      answered += 1;
      count('socket error or no answer within 30 s');
    });
    // A stuck server must not hang the benchmark: an unanswered request counts as an error.
    request.setTimeout(30_000, () => request.destroy(new Error('no answer within 30 s')));
    request.end(body);
  };

  const done = new Promise<void>((resolve) => {
    let sent = 0;
    const tick = () => {
      const due = Math.min(
        options.total,
        Math.floor(((performance.now() - startAt) * options.rate) / 1000) + 1,
      );
      while (sent < due) send(sent++);
      if (sent < options.total) setTimeout(tick, 1);
      else {
        const waitForAnswers = () => (answered < options.total ? setTimeout(waitForAnswers, 5) : resolve());
        waitForAnswers();
      }
    };
    tick();
  });
  return { done, deliveries, statuses, startAt };
};

/** Polls ledger.payments for the acknowledged ids not seen yet, a poll starting every `pollMs`. */
const watchPayments = (client: pg.Client, pollMs: number) => {
  const pending = new Map<string, Delivery>();
  const cycles: number[] = [];
  let stopped = false;
  const running = (async () => {
    let last = performance.now();
    while (!stopped) {
      const started = performance.now();
      if (pending.size > 0) {
        const ids = [...pending.keys()];
        const { rows } = await client.query<{ payment_id: string }>(
          'SELECT payment_id FROM ledger.payments WHERE payment_id = ANY($1::text[])',
          [ids],
        );
        const answeredAt = performance.now();
        for (const { payment_id } of rows) {
          pending.get(payment_id)!.visibleAt = answeredAt;
          pending.delete(payment_id);
        }
        cycles.push(answeredAt - last);
        last = answeredAt;
      } else last = performance.now();
      const wait = pollMs - (performance.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  })();
  return {
    add: (paymentId: string, delivery: Delivery) => pending.set(paymentId, delivery),
    pending: () => pending.size,
    cycles,
    stop: async () => {
      stopped = true;
      await running;
    },
  };
};

const run = async ({ durationSeconds, flags }: BenchOptions) => {
  const rate = Number(flags.get('rate') ?? TARGET.rate);
  const warmupSeconds = Number(flags.get('warmup') ?? 1);
  const pollMs = Number(flags.get('poll-ms') ?? 5);
  const sockets = Number(flags.get('sockets') ?? 64);
  if (!(rate > 0 && pollMs > 0 && sockets > 0 && warmupSeconds >= 0)) {
    throw new Error('--rate, --poll-ms and --sockets must be above 0, --warmup at least 0');
  }
  const logFile = join(tmpdir(), `stripe-ledger-bench-e2e-${process.pid}.log`);
  const database = await createBenchDatabase('e2e');
  const client = new pg.Client({ connectionString: database.url });
  const agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({
      args: ['--role', 'all'],
      env: {
        DATABASE_URL: database.url,
        STRIPE_WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: flags.get('log-level') ?? 'warn',
      },
      logFile,
    });
    await client.connect();
    const warmup = Math.round(warmupSeconds * rate);
    const measuredCount = Math.round(durationSeconds * rate);
    console.log(
      `e2e: server pid ${server.pid} (--role all, log ${logFile}), database ${database.name}; ` +
        `${rate} webhooks/s open loop for ${warmupSeconds} s warm-up + ${durationSeconds} s measured, ` +
        `up to ${sockets} keep-alive sockets, polling every ${pollMs} ms; load average ${loadavg()
          .map((l) => round(l, 2))
          .join(' ')}`,
    );

    const watcher = watchPayments(client, pollMs);
    const machineBefore = machineCpu();
    const serverBefore = cpuSeconds(server.pid);
    const selfBefore = process.cpuUsage();
    const load = offer({
      server,
      agent,
      rate,
      total: warmup + measuredCount,
      measuredFrom: warmup,
      onAck: watcher.add,
    });
    await load.done;
    const elapsedMs = performance.now() - load.startAt;
    const machineAfter = machineCpu();
    const serverCpu = cpuSeconds(server.pid) - serverBefore;
    const self = process.cpuUsage(selfBefore);
    const deadline = Date.now() + 30_000;
    while (watcher.pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await watcher.stop();

    const measured = load.deliveries.filter((d) => d.measured);
    const acked = measured.filter((d) => d.ackAt !== undefined);
    const visible = acked.filter((d) => d.visibleAt !== undefined);
    const answerMs = acked.map((d) => d.ackAt! - d.scheduledAt);
    const visibleMs = visible.map((d) => d.visibleAt! - d.ackAt!);
    const row = (measure: string, values: number[]) => ({
      measure,
      events: values.length,
      'p50 ms': round(percentile(values, 50), 1),
      'p99 ms': round(percentile(values, 99), 1),
      'max ms': round(Math.max(...values), 1),
    });
    printTable([
      row('scheduled send -> 2xx', answerMs),
      row('2xx -> row in ledger.payments', visibleMs),
      row('polling cycle (resolution)', watcher.cycles),
    ]);
    const total = warmup + measuredCount;
    console.log(
      `offered ${rate}/s, achieved ${Math.round((total / elapsedMs) * 1000)}/s; answers ${JSON.stringify(Object.fromEntries(load.statuses))}; ` +
        `${acked.length - visible.length} acknowledged payments never seen`,
    );
    const percentOfCore = (seconds: number) => `${Math.round((100 * seconds * 1000) / elapsedMs)} %`;
    console.log(
      `CPU during the load: server ${percentOfCore(serverCpu)} of a core, load generator and poller ` +
        `${percentOfCore((self.user + self.system) / 1e6)}, machine busy ` +
        `${Math.round((100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total))} % of all cores`,
    );
    const p99 = percentile(visibleMs, 99);
    const errors = [...load.statuses.entries()]
      .filter(([status]) => !(typeof status === 'number' && status >= 200 && status < 300))
      .reduce((sum, [, n]) => sum + n, 0);
    const met = errors === 0 && p99 <= TARGET.p99Ms && visible.length === measured.length ? 'met' : 'NOT met';
    console.log(
      `target (zero error answers, 2xx -> row visible p99 <= ${TARGET.p99Ms} ms at ${TARGET.rate}/s, every event visible): ${met}` +
        (rate === TARGET.rate ? '' : ` (run at ${rate}/s)`),
    );
    if (errors > 0) throw new Error(`${errors} deliveries were not answered 2xx: the verdict fails`);
    if (visible.length !== acked.length) {
      throw new Error(`${acked.length - visible.length} acknowledged payments never reached ledger.payments`);
    }
  } finally {
    agent.destroy();
    await client.end().catch(() => undefined);
    await server?.stop();
    if (!flags.has('keep-db')) await database.drop();
  }
};

export const endToEndBenchmark: Benchmark = {
  name: 'e2e',
  description:
    'webhook 2xx to row visible in ledger.payments at 1,000 webhooks/s, open loop (target p99 <= 200 ms)',
  run,
};
