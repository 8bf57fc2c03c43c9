import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * HTTP/1.1 lets a client send requests without waiting for the answers (pipelining), and node's parser
 * emits every request one read holds at once, while our handlers answer later: one 64 KiB read of
 * `GET /metrics` lines starts ~1,900 handlers, and a client that never reads its answers starts them by
 * the hundred thousand. No real client (Stripe, a browser, Prometheus) has more than a few requests
 * unanswered on a connection, so:
 * - at `inFlight` unanswered requests the connection is not read until one of them is answered;
 * - a request past `hardCap` (one read can hold many past `inFlight`) is never handled: the connection is
 *   destroyed at once, answering nothing, so no request that was not handled is ever acknowledged.
 * A request counts until its answer is handed to the socket, so answers queued behind a slow one count too.
 * The request that reaches `inFlight` gets the rest of its body only once an earlier one is answered, or
 * else is cut off at node's request deadline like any stalled body: only a client with `inFlight`
 * requests unanswered, far past any real one, meets that.
 */
export const PIPELINE_LIMITS = { inFlight: 16, hardCap: 32 } as const;

type Limits = { inFlight: number; hardCap: number };

/** Call first for every request: false when it must not be handled (its connection is being closed). */
export const pipelineLimit = (
  onOverflow: (socket: Socket) => void,
  limits: Limits = PIPELINE_LIMITS,
): ((req: IncomingMessage, res: ServerResponse) => boolean) => {
  const unanswered = new WeakMap<Socket, { count: number }>();
  const pipelineOf = (socket: Socket) => {
    let pipeline = unanswered.get(socket);
    if (pipeline === undefined) {
      const created = { count: 0 };
      pipeline = created;
      unanswered.set(socket, created);
      // Node resumes the socket itself (once its own write backlog drains, or when a handler reads a body);
      // its 'resume' listener starts reading, and this one, registered after it, stops again while at the cap.
      socket.on('resume', () => {
        if (created.count >= limits.inFlight) socket.pause();
      });
    }
    return pipeline;
  };
  return (req, res) => {
    const socket = req.socket;
    if (socket.destroyed) return false;
    const pipeline = pipelineOf(socket);
    if (pipeline.count >= limits.hardCap) {
      onOverflow(socket);
      socket.destroy();
      return false;
    }
    pipeline.count += 1;
    if (pipeline.count >= limits.inFlight) socket.pause();
    let counted = true;
    const answered = () => {
      if (!counted) return;
      counted = false;
      pipeline.count -= 1;
      if (pipeline.count === limits.inFlight - 1 && !socket.destroyed) socket.resume();
    };
    res.once('finish', answered);
    res.once('close', answered);
    return true;
  };
};
