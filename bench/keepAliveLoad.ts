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
  /** Latency of every answer, ms, from writing the request to reading the last byte of the answer. */
  latenciesMs: number[];
  /** Connections that failed (reset, refused). */
  socketErrors: number;
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

/**
 * A closed-loop HTTP/1.1 load generator on raw keep-alive sockets: each connection sends its next
 * request once the previous answer has arrived in full, until `durationMs` has passed. Much cheaper
 * per request than http.request or fetch, which matters when it shares the CPUs with the server.
 */
export const keepAliveLoad = async (options: {
  host: string;
  port: number;
  connections: number;
  durationMs: number;
  nextRequest: () => LoadRequest;
}): Promise<LoadResult> => {
  const statuses = new Map<number, number>();
  const latenciesMs: number[] = [];
  let socketErrors = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;

  const connection = () =>
    new Promise<void>((resolve) => {
      const socket = net.connect(options.port, options.host);
      socket.setNoDelay(true);
      let pending: Buffer = Buffer.alloc(0);
      let sentAt = 0;
      const send = () => {
        if (performance.now() >= deadline) {
          socket.end();
          return;
        }
        const bytes = encode(options, options.nextRequest());
        sentAt = performance.now();
        socket.write(bytes);
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        const answer = parseAnswer(pending);
        if (answer === null) return;
        latenciesMs.push(performance.now() - sentAt);
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        pending = pending.subarray(answer.length);
        send();
      });
      socket.on('error', () => {
        socketErrors += 1;
        socket.destroy();
      });
      socket.on('close', () => resolve());
    });

  await Promise.all(Array.from({ length: options.connections }, connection));
  return { statuses, latenciesMs, socketErrors, elapsedMs: performance.now() - started };
};

/** The p-th percentile (0-100) by the nearest-rank method. */
export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};
