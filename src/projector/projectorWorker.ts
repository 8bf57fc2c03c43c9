import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { openRuntime } from '../runtime/openRuntime.js';
import { errorMessage } from '../shared/errorMessage.js';
import { projections } from '../../projections/index.js';
import { startProjector } from './projector.js';
import type { FromProjectorThread, ToProjectorThread } from './projectorThread.js';

/**
 * The projector thread of an all-in-one server (projectorThread.ts starts it): its own connections to
 * the database the main thread migrated, the projector, and a `stop` message to end both.
 */
const { config, logLevel } = workerData as { config: Config; logLevel: string };
const port = parentPort!;
const tell = (message: FromProjectorThread) => port.postMessage(message);
// Log lines go to the main thread, which writes them where its own go.
const logger = createLogger(logLevel, {
  write: (line: string) => port.postMessage({ type: 'log', line } satisfies FromProjectorThread),
}).child({ thread: 'projector' });

try {
  const runtime = await openRuntime(config, logger, { pools: 'server', migrate: false });
  try {
    const projector = await startProjector({
      db: runtime.pools.projector,
      store: runtime.projectorStore,
      projections,
      logger,
    });
    port.on('message', (message: ToProjectorThread) => {
      if (message.type !== 'stop') return;
      void (async () => {
        await projector.stop();
        await runtime.close();
        tell({ type: 'stopped' });
        port.close();
      })();
    });
    tell({ type: 'started' });
  } catch (error) {
    await runtime.close();
    throw error;
  }
} catch (error) {
  tell({ type: 'failed', message: errorMessage(error) });
  port.close();
}
