import type { Config } from '../config/config.js';
import type { Db } from '../db/port.js';
import type { EventStore } from '../eventstore/port.js';

export const openEventStoreDb = async (_config: Config, _db: Db): Promise<EventStore> => {
  throw new Error('EVENT_STORE=eventstoredb is not available in this build');
};
