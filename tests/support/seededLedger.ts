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
}): Promise<SeededLedger> => {
  const database = await createTestDatabase();
  const server = await startLedger(database.url, { env: options.env });
  const gen = generator(options.seed);
  const lives = Array.from({ length: options.payments }, () => gen.payment());
  const deliveries = lives.flat();
  try {
    // Each life in its order (lives side by side): the daily report counts a payment on the day of its
    // first transition into paid in arrival order, which the deliveries-based expectations assume.
    await deliverLives(server.url, lives);
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
