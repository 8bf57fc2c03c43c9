import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { pino } from 'pino';
import type { Config } from '../config/config.js';
import { backoffMs } from '../db/transient.js';
import type { Logger } from '../observability/logger.js';
import { packageRoot } from '../paths.js';
import { errorMessage } from '../shared/errorMessage.js';
import type { Projector } from './projector.js';

export type ToProjectorThread = { type: 'stop' };
export type FromProjectorThread =
  | { type: 'log'; line: string }
  | { type: 'started' }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };

/** The projector thread's entry, compiled (a worker runs JavaScript, also when the tests run the sources). */
export const PROJECTOR_WORKER = join(packageRoot, 'dist/src/projector/projectorWorker.js');

/** Starting the thread (its modules, its connections, its leases) gives up after this long. */
const START_DEADLINE_MS = 30_000;
/** A thread that ran this long before it died starts again after the shortest backoff; one that dies
 * sooner waits longer each time (a crash loop does not spin). */
const HEALTHY_RUN_MS = 60_000;
/** A stop waits this long for the batch in hand to commit, then ends the thread (the batch rolls back). */
const STOP_DEADLINE_MS = 30_000;

class ProjectorThreadError extends Error {}

type Started = { worker: Worker; exited: Promise<number>; at: number };

/** The thread's log lines, written where the main thread's logger writes (its destination stream). */
const relayLogs = (worker: Worker, logger: Logger) => {
  const destination = (logger as unknown as Record<symbol, { write(line: string): void } | undefined>)[
    pino.symbols.streamSym
  ];
  worker.on('message', (message: FromProjectorThread) => {
    if (message.type === 'log') destination?.write(message.line);
  });
};

const startOnce = (
  script: string,
  data: { config: Config; logLevel: string },
  logger: Logger,
): Promise<Started> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: data });
    relayLogs(worker, logger);
    const exited = new Promise<number>((done) => worker.once('exit', done));
    let settled = false;
    // Until the thread answers, its first word decides; the listeners go once it has.
    const settle = () => {
      settled = true;
      clearTimeout(deadline);
      worker.off('message', onMessage);
      worker.off('error', onError);
    };
    const fail = (reason: string) => {
      if (settled) return;
      settle();
      void worker.terminate();
      reject(new ProjectorThreadError(`the projector thread did not start: ${reason}`));
    };
    const onError = (error: Error) => fail(error.message);
    const onMessage = (message: FromProjectorThread) => {
      if (message.type === 'log') return;
      if (message.type !== 'started') return fail(message.type === 'failed' ? message.message : message.type);
      settle();
      resolve({ worker, exited, at: Date.now() });
    };
    const deadline = setTimeout(
      () => fail(`no answer within ${START_DEADLINE_MS / 1000} s`),
      START_DEADLINE_MS,
    );
    worker.on('error', onError);
    worker.on('message', onMessage);
    void exited.then((code) => fail(`it exited with code ${code}`));
  });

/**
 * The projector of an all-in-one server, in a thread of its own: folding batches then never holds up
 * the event loop that answers webhooks, and the two use two cores. The thread opens its own connections
 * (the projector's pool, leases, the append signal). Should it die, it is started again with backoff;
 * leases and checkpoints make that safe, as for a projector process. `script`: the thread's entry
 * (PROJECTOR_WORKER), another only in tests.
 */
export const startProjectorThread = async (options: {
  config: Config;
  logger: Logger;
  /** Called each time a thread that died has been started again. */
  onRestart?: () => void;
  script?: string;
}): Promise<Projector> => {
  const { logger } = options;
  const script = options.script ?? PROJECTOR_WORKER;
  const data = { config: options.config, logLevel: logger.level };
  let current = await startOnce(script, data, logger);
  let stopping = false;
  let restarts = 0;

  const supervise = (started: Started) => {
    // An error thrown in the thread ends it (then `exited`); unheard, it would end this process too.
    started.worker.on('error', (error) => logger.error({ error: error.message }, 'projector thread failed'));
    void started.exited.then(async (code) => {
      if (stopping) return;
      logger.error({ code }, 'projector thread stopped unexpectedly; starting it again');
      if (Date.now() - started.at >= HEALTHY_RUN_MS) restarts = 0;
      while (!stopping) {
        restarts += 1;
        await new Promise((resolve) => setTimeout(resolve, backoffMs(restarts)));
        if (stopping) return;
        try {
          const next = await startOnce(script, data, logger);
          if (stopping) {
            await next.worker.terminate();
            return;
          }
          current = next;
          supervise(next);
          options.onRestart?.();
          return;
        } catch (error) {
          logger.error({ error: errorMessage(error), attempt: restarts }, 'projector thread restart failed');
        }
      }
    });
  };
  supervise(current);

  return {
    stop: async () => {
      stopping = true;
      const { worker, exited } = current;
      const stopped = new Promise<void>((resolve) =>
        worker.on('message', (message: FromProjectorThread) => {
          if (message.type === 'stopped') resolve();
        }),
      );
      worker.postMessage({ type: 'stop' } satisfies ToProjectorThread);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>(
        (resolve) => (timer = setTimeout(() => resolve('late'), STOP_DEADLINE_MS)),
      );
      const outcome = await Promise.race([Promise.race([stopped, exited]).then(() => 'done' as const), late]);
      clearTimeout(timer);
      if (outcome === 'late') logger.warn('projector thread did not stop in time; ending it');
      await worker.terminate();
    },
  };
};

/** Whether the compiled thread entry is there (a checkout whose sources were never built has none). */
export const projectorThreadAvailable = (): boolean => existsSync(PROJECTOR_WORKER);
