import { projections } from '../../projections/index.js';
import { postWebhook } from './stripeEvents.js';
import type { Delivery } from './generate.js';
import { waitFor } from './waitFor.js';

/** The token tests/support/ledgerServer.ts configures. */
export const TOKEN = 'test-token-0123456789';

export type Row = Record<string, unknown>;
/** The body of any answer: a list, an error, or a single row (each field checked by the test). */
export type Body = Row & {
  data: Row[];
  next_cursor: string | null;
  error: { code: string; message: string; parameter?: string };
};
export type Answer = { status: number; headers: Headers; text: string; body: Body };

const parse = (text: string): Body => {
  try {
    return JSON.parse(text) as Body;
  } catch {
    return { raw: text } as unknown as Body;
  }
};

/** GET against the query API, with the test token unless told otherwise (null: no Authorization). */
export const get = async (
  baseUrl: string,
  path: string,
  options: { token?: string | null; accept?: string } = {},
): Promise<Answer> => {
  const token = options.token === undefined ? TOKEN : options.token;
  const response = await fetch(`${baseUrl}${path}`, {
    headers: {
      ...(token !== null && { authorization: `Bearer ${token}` }),
      ...(options.accept && { accept: options.accept }),
    },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: parse(text) };
};

/** Posts every delivery through the real webhook endpoint, a few at a time; each must be acknowledged. */
export const deliver = async (baseUrl: string, deliveries: readonly Delivery[], concurrency = 8) =>
  deliverLives(
    baseUrl,
    deliveries.map((delivery) => [delivery]),
    concurrency,
  );

/** Payment lives delivered side by side, each life's events one after another in its order. */
export const deliverLives = async (
  baseUrl: string,
  lives: readonly (readonly Delivery[])[],
  concurrency = 8,
) => {
  let index = 0;
  const worker = async () => {
    while (index < lives.length) {
      for (const delivery of lives[index++]!) {
        const answer = await postWebhook(baseUrl, delivery.body);
        if (answer.status !== 200)
          throw new Error(`${delivery.type} ${delivery.id}: ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
};

/** Until GET /api/projections shows every projection at the head; a failed projection fails at once. */
export const waitForProjections = (baseUrl: string, count = projections.length) =>
  waitFor(
    async () => {
      const { status, body } = await get(baseUrl, '/api/projections');
      if (status !== 200) throw new Error(`GET /api/projections: ${status}`);
      const data = body.data as { name: string; state: string; lag_events: number; last_error: string }[];
      const failed = data.find((projection) => projection.state === 'failed');
      if (failed) throw new Error(`projection ${failed.name} failed: ${failed.last_error}`);
      return data.length === count && data.every((projection) => projection.lag_events === 0);
    },
    { timeoutMs: 60_000, what: 'projections to catch up' },
  );

/** Every page of a list, following next_cursor; also returns how many pages it took. */
export const allPages = async (baseUrl: string, path: string): Promise<{ rows: Row[]; pages: number }> => {
  const rows: Row[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const answer = await get(baseUrl, cursor ? `${path}${separator}cursor=${cursor}` : path);
    if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${answer.text}`);
    rows.push(...answer.body.data);
    cursor = answer.body.next_cursor;
    pages += 1;
  } while (cursor !== null);
  return { rows, pages };
};

/** An RFC 4180 parser, written separately from the server's writer so each checks the other. */
export const parseCsv = (text: string): string[][] => {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"' && field === '') {
      let j = i + 1;
      let value = '';
      for (;;) {
        const close = text.indexOf('"', j);
        if (close < 0) throw new Error('unterminated quoted field');
        value += text.slice(j, close);
        if (text[close + 1] === '"') {
          value += '"';
          j = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      field = value;
      continue;
    }
    if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i += 1;
    } else {
      field += char;
    }
    i += 1;
  }
  if (field !== '' || record.length > 0) throw new Error('the last record does not end in CRLF');
  return records;
};

/** How a JSON value of a row is spelled in the CSV export. */
export const csvSpelling = (value: unknown): string =>
  value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
