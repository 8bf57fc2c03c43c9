import net from 'node:net';

export type LoadRequest = {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: Buffer;
};

export type LoadResult = {
  /** Answers by HTTP status. */
  statuses: Map<number, number>;
  /** Latency of every 2xx answer, ms, from writing the request to reading the last byte of the answer.
   * Error answers are left out (a fast 503 must not improve a percentile) and counted in `errors`. */
  latenciesMs: number[];
  /** 2xx answers. */
  ok: number;
  /** Everything that is not a 2xx answer: non-2xx answers, connection errors, requests left unanswered. */
  errors: number;
  /** Connections that failed (reset, refused) or were closed by the server while a request was out. */
  socketErrors: number;
  /** Requests still unanswered when the run's hard deadline passed. */
  unanswered: number;
  /** Connections opened again after one failed or was closed by the server. */
  reopened: number;
  elapsedMs: number;
};

const CRLF_CRLF = Buffer.from('\r\n\r\n');

const encode = (target: { host: string; port: number }, request: LoadRequest): Buffer => {
  let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${target.host}:${target.port}\r\n`;
  head += `Connection: keep-alive\r\nContent-Length: ${request.body.length}\r\n`;
  for (const [name, value] of Object.entries(request.headers)) head += `${name}: ${value}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), request.body]);
};

/** Length of the first complete answer in `buffer` and its status, or null when more bytes are needed. */
const parseAnswer = (buffer: Buffer): { length: number; status: number } | null => {
  const headEnd = buffer.indexOf(CRLF_CRLF);
  if (headEnd === -1) return null;
  const head = buffer.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const match = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (!match) throw new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`);
  const length = headEnd + 4 + Number(match[1]);
  return buffer.length >= length ? { length, status } : null;
};

/** Summary of the answers for a verdict line: `200 x 41553, 503 x 2, socket errors 1`. */
export const describeAnswers = (result: LoadResult): string => {
  const parts = [...result.statuses.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${status} x ${count}`);
  if (result.socketErrors > 0) parts.push(`connection errors ${result.socketErrors}`);
  if (result.unanswered > 0) parts.push(`unanswered at the deadline ${result.unanswered}`);
  if (result.reopened > 0) parts.push(`connections reopened ${result.reopened}`);
  return parts.join(', ') || 'no answers';
};

/**
 * A closed-loop HTTP/1.1 load generator on raw keep-alive sockets: each connection sends its next
 * request once the previous answer has arrived in full, until `durationMs` has passed. A connection that
 * fails or that the server closes is opened again (and counted), so one error does not quietly lower
 * the offered load. Whatever is still unanswered `graceMs` after the end is counted and abandoned, so a
 * stuck server cannot hang the benchmark. Much cheaper per request than http.request or fetch, which
 * matters when it shares the CPUs with the server.
 */
export const keepAliveLoad = async (options: {
  host: string;
  port: number;
  connections: number;
  durationMs: number;
  graceMs?: number;
  nextRequest: () => LoadRequest;
}): Promise<LoadResult> => {
  const statuses = new Map<number, number>();
  const latenciesMs: number[] = [];
  let ok = 0;
  let socketErrors = 0;
  let unanswered = 0;
  let reopened = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const hardDeadline = deadline + (options.graceMs ?? 10_000);
  const open = new Set<net.Socket>();

  /** One connection's life; resolves when it is done for good (deadline passed). */
  const connection = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const socket = net.connect(options.port, options.host);
      open.add(socket);
      socket.setNoDelay(true);
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      let awaiting = false;
      let failed = false;
      const send = () => {
        if (performance.now() >= deadline) {
          socket.end();
          return;
        }
        const bytes = encode(options, options.nextRequest());
        sentAt = performance.now();
        awaiting = true;
        socket.write(bytes);
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const answer = parseAnswer(pending);
        if (answer === null) return;
        awaiting = false;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        if (answer.status >= 200 && answer.status < 300) {
          ok += 1;
          latenciesMs.push(performance.now() - sentAt);
        }
        pending = pending.subarray(answer.length);
        send();
      });
      socket.on('error', () => {
        failed = true;
        socket.destroy();
      });
      socket.on('close', () => {
        open.delete(socket);
        if (awaiting) {
          if (performance.now() >= hardDeadline) unanswered += 1;
          else socketErrors += 1;
        } else if (failed) socketErrors += 1;
        if ((failed || awaiting) && performance.now() < deadline) {
          reopened += 1;
          // A short pause so a refusing server is not hammered in a tight loop.
          setTimeout(() => void connection().then(resolve), 10);
          return;
        }
        resolve();
      });
    });

  const abandon = setTimeout(() => {
    for (const socket of open) socket.destroy();
  }, hardDeadline - performance.now());
  try {
    await Promise.all(Array.from({ length: options.connections }, connection));
  } finally {
    clearTimeout(abandon);
  }
  const answered = [...statuses.values()].reduce((sum, count) => sum + count, 0);
  return {
    statuses,
    latenciesMs,
    ok,
    errors: answered - ok + socketErrors + unanswered,
    socketErrors,
    unanswered,
    reopened,
    elapsedMs: performance.now() - started,
  };
};

/** The p-th percentile (0-100) by the nearest-rank method. */
export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
