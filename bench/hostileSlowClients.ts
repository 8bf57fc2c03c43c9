/**
 * Hostile clients on the open webhook endpoint: --stallers connections (default 800) that announce a
 * 1 MB body, send 900 KB and stall, and --tricklers (default 200) that send their headers a few bytes
 * every 2 s and never finish them, all opened within a few seconds, while Stripe's real deliveries
 * arrive at --rate a second for --load-seconds. Targets (issue #13): every real delivery 200 with
 * p99 <= 2 s, the server under 512 MB, and >= 95 % of the stalled connections closed by the server
 * within 60 s of opening.
 */
import http from 'node:http';
import net from 'node:net';
import { createBenchDatabase } from './benchDatabase.js';
import {
  deliver,
  figure,
  type Figure,
  load,
  MB,
  round,
  rssPeak,
  sleep,
  startLedgerProcess,
  statusesOf,
  webhooks,
} from './hostileShared.js';
import { percentile } from './keepAliveLoad.js';
import { paced } from './lifecycleDeliveries.js';
import type { ServerProcess } from './serverProcess.js';
import type { Timed } from './timedRequest.js';

const TARGET = { p99Ms: 2_000, rssMB: 512, closedShare: 0.95, closedWithinMs: 60_000 };
const ANNOUNCED = 1_000_000;
// One buffer written to every staller: the load generator holds it once, not 800 times.
const NINE_HUNDRED_KB = Buffer.alloc(900_000, 0x20);

type Hostile = { openedAt: number; closedAt: number | undefined; socket: net.Socket };

const open = (server: ServerProcess, onConnect: (socket: net.Socket) => void): Hostile => {
  const socket = net.connect(server.port, server.host);
  const hostile: Hostile = { openedAt: performance.now(), closedAt: undefined, socket };
  socket.on('error', () => undefined);
  socket.on('close', () => (hostile.closedAt ??= performance.now()));
  // What the server answers is read and dropped: a client that stalls its upload may still read.
  socket.on('data', () => undefined);
  socket.once('connect', () => onConnect(socket));
  return hostile;
};

const staller = (server: ServerProcess) =>
  open(server, (socket) => {
    socket.write(
      `POST /api/webhooks/stripe HTTP/1.1\r\nHost: ${server.host}\r\nContent-Type: application/json\r\n` +
        `Stripe-Signature: t=1,v1=00\r\nContent-Length: ${ANNOUNCED}\r\n\r\n`,
    );
    socket.write(NINE_HUNDRED_KB);
  });

const trickler = (server: ServerProcess) => {
  const hostile = open(server, (socket) => {
    const text = `POST /api/webhooks/stripe HTTP/1.1\r\nHost: ${server.host}\r\nX-Slow: ${'a'.repeat(4000)}`;
    let sent = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || sent >= text.length) return clearInterval(timer);
      socket.write(text.slice(sent, sent + 4));
      sent += 4;
    }, 2000);
    socket.on('close', () => clearInterval(timer));
  });
  return hostile;
};

export const slowClientsScenario = async (flags: ReadonlyMap<string, string>): Promise<Figure[]> => {
  const stallers = Number(flags.get('stallers') ?? 800);
  const tricklers = Number(flags.get('tricklers') ?? 200);
  const rate = Number(flags.get('rate') ?? 20);
  const loadSeconds = Number(flags.get('load-seconds') ?? 60);
  const database = await createBenchDatabase('slow');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let server: ServerProcess | undefined;
  const hostiles: Hostile[] = [];
  try {
    server = await startLedgerProcess('slow', database.url);
    const rss = rssPeak(server.pid);
    console.log(
      `slow clients: ${stallers} stallers and ${tricklers} tricklers, ${rate} deliveries/s; load ${load()}`,
    );
    const opening = (async () => {
      const total = stallers + tricklers;
      for (let i = 0; i < total; i += 1) {
        // Tricklers spread evenly among the stallers.
        const trickles = Math.floor(((i + 1) * tricklers) / total) > Math.floor((i * tricklers) / total);
        hostiles.push(trickles ? trickler(server!) : staller(server!));
        if (i % 50 === 49) await sleep(100);
      }
    })();
    const next = webhooks();
    const answers: Timed[] = [];
    await Promise.all([
      opening,
      paced({
        rate,
        durationMs: loadSeconds * 1000,
        maxInFlight: 500,
        task: async () => void answers.push(await deliver(agent, server!, next())),
      }),
    ]);
    // Every hostile connection gets its full 60 s before it is counted.
    const lastOpened = Math.max(...hostiles.map((hostile) => hostile.openedAt));
    while (performance.now() < lastOpened + TARGET.closedWithinMs + 1000) {
      if (hostiles.every((hostile) => hostile.closedAt !== undefined)) break;
      await sleep(500);
    }
    const peak = rss.stop();
    const closedInTime = hostiles.filter(
      (hostile) =>
        hostile.closedAt !== undefined && hostile.closedAt - hostile.openedAt <= TARGET.closedWithinMs,
    ).length;
    const ok = answers.filter((answer) => answer.status === 200);
    const p99 = percentile(
      ok.map((answer) => answer.ms),
      99,
    );
    return [
      figure(
        "Stripe's deliveries meanwhile",
        `${statusesOf(answers)}; p99 ${round(p99, 0)} ms`,
        'all 200, p99 <= 2 s',
        ok.length === answers.length && p99 <= TARGET.p99Ms,
      ),
      figure('server RSS', `peak ${round(peak, 0)} MiB`, '< 512 MB', peak < TARGET.rssMB * MB),
      figure(
        'hostile connections closed by the server',
        `${closedInTime} of ${hostiles.length} within 60 s (${round((100 * closedInTime) / hostiles.length)} %)`,
        '>= 95 % within 60 s',
        closedInTime >= TARGET.closedShare * hostiles.length,
      ),
    ];
  } finally {
    for (const hostile of hostiles) hostile.socket.destroy();
    agent.destroy();
    await server?.stop();
    await database.drop();
  }
};
