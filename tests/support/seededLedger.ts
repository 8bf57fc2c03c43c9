import { createTestDatabase, type TestDatabase } from './testDatabase.js';
import { generator, type Delivery } from './generate.js';
import { startLedger, type TestServer } from './ledgerServer.js';
import { deliverLives, waitForProjections } from './queryApi.js';

export type SeededLedger = {
  database: TestDatabase;
  server: TestServer;
  url: string;
  deliveries: Delivery[];
  /** Deliver more payments later (pagination while rows arrive). */
  more: ReturnType<typeof generator>;
  close(): Promise<void>;
};

/** A fresh database and server, filled through the webhook endpoint with `payments` generated payment
 * lives, projections caught up. */
export const seededLedger = async (options: {
  seed: number;
  payments: number;
  env?: Record<string, string>;
  /** Deliver each life last event first (the ledger must not depend on arrival order). */
  reversed?: boolean;
}): Promise<SeededLedger> => {
  const database = await createTestDatabase();
  const server = await startLedger(database.url, { env: options.env });
  const gen = generator(options.seed);
  const lives = Array.from({ length: options.payments }, () => gen.payment());
  const deliveries = lives.flat();
  try {
    // Lives side by side, each in its order (the history's transitions follow arrival order) or reversed.
    await deliverLives(server.url, options.reversed ? lives.map((life) => [...life].reverse()) : lives);
    await waitForProjections(server.url);
  } catch (error) {
    await server.stop();
    await database.drop();
    throw error;
  }
  return {
    database,
    server,
    url: server.url,
    deliveries,
    more: gen,
    close: async () => {
      await server.stop();
      await database.drop();
    },
  };
};
