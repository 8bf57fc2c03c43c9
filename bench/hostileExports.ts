/**
 * Stalled exports: --payments (default 200,000) in ledger.payments, then --exports (default 30) CSV
 * exports of all of them whose clients read the status line and then nothing, kept open for 90 s; while
 * they stall, --webhooks (default 1,000) deliveries 50 at a time, a payments page and health. Every
 * half second the database's sessions are read: none may hold an export's transaction past 60 s.
 * Targets (issue #13): webhooks all 200 with p99 <= 2 s, the page within 2 s, health 200, no session held
 * by a stalled export past 60 s.
 */
import http from 'node:http';
import net from 'node:net';
import pg from 'pg';
import { createBenchDatabase } from './benchDatabase.js';
import {
  deliver,
  figure,
  type Figure,
  limited,
  load,
  round,
  sleep,
  startLedgerProcess,
  statusesOf,
  TOKEN,
  webhooks,
} from './hostileShared.js';
import { percentile } from './keepAliveLoad.js';
import { SEED_PAYMENTS_SQL } from './queryApi.js';
import type { ServerProcess } from './serverProcess.js';
import { timedRequest } from './timedRequest.js';

const TARGET = { p99Ms: 2_000, pageMs: 2_000, sessionSeconds: 60 };
const STALL_SECONDS = 90;

type Stalled = { socket: net.Socket; status: () => string };

/** An export whose client reads its first bytes (to know the answer) and then stops reading. */
const stalledExport = (server: ServerProcess): Stalled => {
  const socket = net.connect(server.port, server.host);
  let head = '';
  socket.on('error', () => undefined);
  socket.once('data', (chunk: Buffer) => {
    head = chunk.toString('latin1', 0, 12);
    socket.pause();
  });
  socket.once('connect', () =>
    socket.write(
      `GET /api/payments?format=csv HTTP/1.1\r\nHost: ${server.host}\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`,
    ),
  );
  return { socket, status: () => head.slice(9, 12) || 'none' };
};

/** How long each backend held an export transaction, seconds, sampled every 500 ms until stop(). */
const exportSessions = (client: pg.Client) => {
  const held = new Map<number, number>();
  const timer = setInterval(() => {
    void client
      .query<{ pid: number; held: number }>(
        `SELECT pid, extract(epoch FROM now() - xact_start)::float AS held FROM pg_stat_activity
          WHERE datname = current_database() AND query LIKE '%ledger_export%' AND xact_start IS NOT NULL
            AND pid <> pg_backend_pid()`,
      )
      .then(({ rows }) => {
        for (const row of rows) {
          held.set(row.pid, Math.max(held.get(row.pid) ?? 0, row.held));
        }
      })
      .catch(() => undefined);
  }, 500);
  return {
    stop: () => clearInterval(timer),
    sessions: () => held.size,
    longest: () => Math.max(0, ...held.values()),
  };
};

export const exportsScenario = async (flags: ReadonlyMap<string, string>): Promise<Figure[]> => {
  const payments = Number(flags.get('payments') ?? 200_000);
  const exportCount = Number(flags.get('exports') ?? 30);
  const webhookCount = Number(flags.get('webhooks') ?? 1_000);
  const database = await createBenchDatabase('exports');
  const client = new pg.Client({ connectionString: database.url });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let server: ServerProcess | undefined;
  const stalled: Stalled[] = [];
  try {
    server = await startLedgerProcess('exports', database.url);
    await client.connect();
    await client.query(SEED_PAYMENTS_SQL, [payments]);
    await client.query('VACUUM ANALYZE ledger.payments');
    console.log(`stalled exports: ${exportCount} exports of ${payments} payments stall; load ${load()}`);
    const sessions = exportSessions(client);
    const stalledAt = performance.now();
    for (let i = 0; i < exportCount; i += 1) stalled.push(stalledExport(server));
    await sleep(2000);
    const next = webhooks();
    const answers = await limited(
      Array.from({ length: webhookCount }, () => () => deliver(agent, server!, next())),
      50,
    );
    const page = await timedRequest(agent, `${server.url}/api/payments?limit=100&payment_status=paid`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const health = await timedRequest(agent, `${server.url}/api/webhooks/health`, { timeoutMs: 6_000 });
    while ((performance.now() - stalledAt) / 1000 < STALL_SECONDS) await sleep(500);
    sessions.stop();
    const ok = answers.filter((answer) => answer.status === 200);
    const p99 = percentile(
      ok.map((answer) => answer.ms),
      99,
    );
    const exportStatuses = new Map<string, number>();
    for (const one of stalled) exportStatuses.set(one.status(), (exportStatuses.get(one.status()) ?? 0) + 1);
    return [
      figure(
        'webhooks while exports stall',
        `${statusesOf(answers)}; p99 ${round(p99, 0)} ms`,
        'all 200, p99 <= 2 s',
        ok.length === answers.length && p99 <= TARGET.p99Ms,
      ),
      figure(
        'a payments page',
        `${page.status} in ${round(page.ms, 0)} ms`,
        '200 within 2 s',
        page.status === 200 && page.ms <= TARGET.pageMs,
      ),
      figure('health', `${health.status} in ${round(health.ms, 0)} ms`, '200', health.status === 200),
      figure(
        'database sessions held by stalled exports',
        `${sessions.sessions()} sessions, the longest ${round(sessions.longest(), 1)} s; exports answered ` +
          `${[...exportStatuses].map(([status, count]) => `${status} x ${count}`).join(', ')}`,
        'none past 60 s',
        sessions.longest() <= TARGET.sessionSeconds,
      ),
    ];
  } finally {
    for (const one of stalled) one.socket.destroy();
    agent.destroy();
    await server?.stop();
    await client.end().catch(() => undefined);
    await database.drop();
  }
};
