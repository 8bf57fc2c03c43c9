import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Router } from 'express';
import type { Metrics } from '../observability/metrics.js';
import { bodyBudget, type BodyBudget } from './bodyBudget.js';
import type { WebhookAnswer } from './handleWebhook.js';

export const WEBHOOK_PATH = '/api/webhooks/stripe';
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

type Handle = (raw: Buffer, signature: string | undefined) => Promise<WebhookAnswer>;
type Reply = { status: number; body: Record<string, unknown>; log: WebhookAnswer['log'] };

const tooLarge: Reply = {
  status: 413,
  body: { error: { code: 'payload_too_large', message: 'the body is over 1 MiB' } },
  log: { outcome: 'payload_too_large' },
};

// Stripe sends the signed bytes as they are; a compressed body would not be what was signed.
const encoded: Reply = {
  status: 415,
  body: { error: { code: 'unsupported_encoding', message: 'the body must not be content-encoded' } },
  log: { outcome: 'unsupported_encoding' },
};

const overloaded: Reply = {
  status: 503,
  body: {
    error: { code: 'overloaded', message: 'too many webhook bodies are arriving at once; retry later' },
  },
  log: { outcome: 'overloaded' },
};

const isEncoded = (req: IncomingMessage) => {
  const encoding = req.headers['content-encoding'];
  return encoding !== undefined && encoding.toLowerCase() !== 'identity';
};

class ClientGone extends Error {}

/** The raw request bytes, or null once they pass the limit (the rest is left for node to discard).
 * A client that stalls is cut off by the server's requestTimeout, which rejects this with ClientGone. */
const readBody = (req: IncomingMessage): Promise<Buffer | null> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_WEBHOOK_BYTES) {
        req.off('data', onData);
        req.off('end', onEnd);
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new ClientGone('the client went away before sending the whole body'));
    });
  });

/**
 * POST /api/webhooks/stripe on plain node request and response objects: the raw body goes to the handler
 * untouched (signatures cover raw bytes). Express adds a good part of the CPU an ingest costs, so a
 * server can dispatch this path to it before express; the express route below uses it too.
 * `onReply` gets the fields of the request's log line before the answer is written.
 */
export const serveWebhook = (handle: Handle, metrics: Metrics, budget: BodyBudget = bodyBudget()) => {
  // prom-client hashes the labels on every inc(); the children are kept per (type, outcome) instead.
  const counters = new Map<string, { inc(): void }>();
  const countWebhook = (type: string, outcome: string) => {
    const key = `${type}\u0000${outcome}`;
    let counter = counters.get(key);
    if (!counter) counters.set(key, (counter = metrics.webhooks.labels(type, outcome)));
    counter.inc();
  };
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    onReply: (log: WebhookAnswer['log']) => void = () => undefined,
  ): Promise<void> => {
    const started = process.hrtime.bigint();
    const announced = req.headers['content-length'];
    let reply: Reply;
    // Refuse an announced oversized body before reading a byte of it.
    const release =
      Number(announced ?? 0) > MAX_WEBHOOK_BYTES || isEncoded(req)
        ? null
        : budget.reserve(announced === undefined ? MAX_WEBHOOK_BYTES : Number(announced));
    if (Number(announced ?? 0) > MAX_WEBHOOK_BYTES) reply = tooLarge;
    else if (isEncoded(req)) reply = encoded;
    else if (!release) reply = overloaded;
    else {
      try {
        const raw = await readBody(req);
        if (raw === null) reply = tooLarge;
        else {
          const signature = req.headers['stripe-signature'];
          reply = await handle(raw, Array.isArray(signature) ? signature[0] : signature);
          if (reply.log.outcome === 'stored' || reply.log.outcome === 'duplicate') {
            metrics.appendSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
          }
        }
      } catch (error) {
        if (!(error instanceof ClientGone)) throw error;
        countWebhook('unknown', 'client_gone');
        return;
      } finally {
        release();
      }
    }
    countWebhook(reply.log.type ?? 'unknown', reply.log.outcome);
    onReply(reply.log);
    const body = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      // A refused body may still be on its way: closing is cheaper than reading it to the end.
      ...(reply === overloaded || reply === tooLarge ? { connection: 'close' } : {}),
    });
    res.end(body);
  };
};

/** The webhook route for an express app; the request log reads the outcome from res.locals.webhook. */
export const webhookRouter = (handle: Handle, metrics: Metrics, budget?: BodyBudget): Router => {
  const serve = serveWebhook(handle, metrics, budget);
  const router = express.Router();
  router.post(WEBHOOK_PATH, (req, res) =>
    serve(req, res, (log) => {
      res.locals.webhook = log;
    }),
  );
  return router;
};
