import type { Db } from '../db/port.js';
import type { Logger } from '../observability/logger.js';

export const openEmbeddedDb = async (_dataDir: string, _logger: Logger): Promise<Db> => {
  throw new Error('DATABASE_URL is not set: set it to a postgres:// URL');
};
