import { loadConfig } from '../config/config.js';
import { createLogger } from '../observability/logger.js';
import { openRuntime, type Runtime } from '../runtime/openRuntime.js';

/** Opens the configured database and store for one command, and always closes them. */
export const withRuntime = async <T>(work: (runtime: Runtime) => Promise<T>): Promise<T> => {
  const config = loadConfig();
  const runtime = await openRuntime(config, createLogger('warn'), { migrate: false, poolSize: 4 });
  try {
    return await work(runtime);
  } finally {
    await runtime.close();
  }
};
