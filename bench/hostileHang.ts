/**
 * PostgreSQL hangs: the server reaches it through a TCP proxy that freezes (connections stay open,
 * nothing is forwarded), for --hang-seconds, while Stripe keeps delivering (--hang-rate a second) and a
 * probe asks for health every second from the second second on (health is cached for one). Then the database answers again and Stripe redelivers every
 * event it was refused, until each is accepted; every one must then be stored once and projected,
 * without a restart. Targets (issue #13): every delivery 503 within 10 s, health 503 within 5 s, RSS
 * under 400 MB while it hangs; after the thaw every redelivered event accepted and projected.
 */
import http from 'node:http';
import pg from 'pg';
import { proxyInFront } from '../tests/support/tcpProxy.js';
import { createBenchDatabase } from './benchDatabase.js';
import {
  deliver,
  figure,
  type Figure,
  limited,
  load,
  MB,
  round,
  rssPeak,
  sleep,
  startLedgerProcess,
  statusesOf,
  webhooks,
  type SignedWebhook,
} from './hostileShared.js';
import type { ServerProcess } from './serverProcess.js';
import { timedRequest, type Timed } from './timedRequest.js';

const TARGET = { deliveryMs: 10_000, healthMs: 5_000, rssMB: 400 };

/** Every event accepted (200), redelivering those that were not, a round a second; the seconds it took. */
const redeliverUntilAccepted = async (
  agent: http.Agent,
  server: ServerProcess,
  events: SignedWebhook[],
  deadlineSeconds: number,
) => {
  const started = performance.now();
  let pending = events;
  let rounds = 0;
  while (pending.length > 0) {
    if ((performance.now() - started) / 1000 > deadlineSeconds) break;
    if (rounds > 0) await sleep(1000);
    rounds += 1;
    const answers = await limited(
      pending.map((event) => () => deliver(agent, server, event)),
      20,
    );
    pending = pending.filter((_, i) => answers[i]!.status !== 200);
  }
  return { seconds: (performance.now() - started) / 1000, rounds, refused: pending.length };
};

export const hangScenario = async (flags: ReadonlyMap<string, string>): Promise<Figure[]> => {
  const hangSeconds = Number(flags.get('hang-seconds') ?? 30);
  const rate = Number(flags.get('hang-rate') ?? 10);
  const database = await createBenchDatabase('hang');
  const { proxy, url } = await proxyInFront(database.url);
  const client = new pg.Client({ connectionString: database.url });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  let server: ServerProcess | undefined;
  try {
    server = await startLedgerProcess('hang', url);
    await client.connect();
    const next = webhooks();
    const warm = await limited(
      Array.from({ length: 50 }, () => () => deliver(agent, server!, next())),
      10,
    );
    if (warm.some((answer) => answer.status !== 200)) throw new Error(`warm-up: ${statusesOf(warm)}`);

    const rss = rssPeak(server.pid);
    proxy.freeze();
    console.log(`hang: PostgreSQL frozen for ${hangSeconds} s, ${rate} deliveries/s; load ${load()}`);
    const events: SignedWebhook[] = [];
    const deliveries: Promise<Timed>[] = [];
    const health: Promise<Timed>[] = [];
    const frozenAt = performance.now();
    for (let tick = 0; (performance.now() - frozenAt) / 1000 < hangSeconds; tick += 1) {
      for (let i = 0; i < rate / 10; i += 1) {
        const event = next();
        events.push(event);
        deliveries.push(deliver(agent, server, event, 15_000));
      }
      // Health is cached for a second (SPEC section 3): probes start once the answer from before the hang
      // has expired.
      if (tick % 10 === 0 && tick > 0)
        health.push(timedRequest(agent, `${server.url}/api/webhooks/health`, { timeoutMs: 6_000 }));
      await sleep(100);
    }
    const [answers, probes] = await Promise.all([Promise.all(deliveries), Promise.all(health)]);
    const peak = rss.stop();
    await proxy.restore();
    const recovery = await redeliverUntilAccepted(agent, server, events, 120);

    const ids = events.map((event) => event.paymentId);
    const eventIds = events.map((event) => event.id);
    let projected = 0;
    const projectedBy = performance.now() + 120_000;
    while (performance.now() < projectedBy) {
      const { rows } = await client.query<{ count: number }>(
        'SELECT count(*)::int AS count FROM ledger.payments WHERE payment_id = ANY($1)',
        [ids],
      );
      projected = rows[0]!.count;
      if (projected === ids.length) break;
      await sleep(250);
    }
    const { rows } = await client.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM eventstore.events WHERE metadata->>'stripe_event_id' = ANY($1)`,
      [eventIds],
    );
    const slowest = (list: Timed[]) => round(Math.max(...list.map((answer) => answer.ms)) / 1000, 2);
    return [
      figure(
        'deliveries while it hangs',
        `${statusesOf(answers)}; slowest ${slowest(answers)} s`,
        'all 503 within 10 s',
        answers.every((answer) => answer.status === 503 && answer.ms <= TARGET.deliveryMs),
      ),
      figure(
        'health while it hangs',
        `${statusesOf(probes)}; slowest ${slowest(probes)} s`,
        'all 503 within 5 s',
        probes.every((probe) => probe.status === 503 && probe.ms <= TARGET.healthMs),
      ),
      figure('server RSS while it hangs', `peak ${round(peak, 0)} MiB`, '< 400 MB', peak < TARGET.rssMB * MB),
      figure(
        'redeliveries after the thaw',
        `${events.length - recovery.refused} of ${events.length} accepted in ${round(recovery.seconds, 1)} s ` +
          `(${recovery.rounds} rounds); stored ${rows[0]!.count}; projected ${projected}`,
        'every one accepted, stored once, projected',
        recovery.refused === 0 && rows[0]!.count === events.length && projected === events.length,
      ),
    ];
  } finally {
    await proxy.restore().catch(() => undefined);
    agent.destroy();
    await server?.stop();
    await proxy.close();
    await client.end().catch(() => undefined);
    await database.drop();
  }
};
