import http from 'node:http';

export type Timed = { status: number; ms: number; bytes: number };

/**
 * One HTTP request read to its last byte: its status, latency and size. Never hangs: no answer within
 * `timeoutMs` resolves as status 0 (so does a connection error), which every verdict counts as an error.
 */
export const timedRequest = (
  agent: http.Agent,
  url: string,
  {
    method = 'GET',
    headers = {},
    body,
    timeoutMs = 15_000,
  }: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<Timed> =>
  new Promise((resolve) => {
    const started = performance.now();
    let settled = false;
    const done = (status: number, bytes: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, ms: performance.now() - started, bytes });
    };
    const request = http.request(url, { method, headers, agent }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => (bytes += chunk.length));
      response.on('end', () => done(response.statusCode ?? 0, bytes));
      response.on('error', () => done(0, bytes));
    });
    const timer = setTimeout(() => {
      request.destroy();
      done(0, 0);
    }, timeoutMs);
    request.on('error', () => done(0, 0));
    request.end(body);
  });
