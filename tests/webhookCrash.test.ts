import { type LedgerProcess, spawnLedger } from './support/ledgerProcess.js';
import { storedEventCount } from './support/storedEvents.js';
import { paymentIntentSucceeded, type SyntheticEvent } from './support/syntheticEvents.js';
import { postWebhook } from './support/stripeEvents.js';
import { createTestDatabase, type TestDatabase } from './support/testDatabase.js';
import { describeWithPostgres } from './support/needsPostgres.js';

const DELIVERIES = 600;
const CONNECTIONS = 40;
const KILL_AFTER_ACKS = 150;

type Outcome = { event: SyntheticEvent; acked: boolean };

/** Sends every event over `connections` concurrent senders; `onAck` runs as each 2xx arrives. */
const burst = async (url: string, events: SyntheticEvent[], onAck: (acked: number) => void) => {
  const outcomes: Outcome[] = [];
  let next = 0;
  let acked = 0;
  const sender = async () => {
    while (next < events.length) {
      const event = events[next++]!;
      try {
        const { status } = await postWebhook(url, event.body);
        const ok = status >= 200 && status < 300;
        outcomes.push({ event, acked: ok });
        if (ok) onAck(++acked);
      } catch {
        outcomes.push({ event, acked: false });
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, sender));
  return outcomes;
};

describeWithPostgres('the server runs as a child process on a PostgreSQL URL')(
  'stripe-ledger serve killed with SIGKILL in the middle of a burst of deliveries',
  () => {
    let database: TestDatabase;
    let ledger: LedgerProcess | undefined;
    afterAll(async () => {
      await ledger?.stop();
      await database?.drop();
    });

    it('keeps every event it acknowledged, and stores each event once when Stripe retries the rest', async () => {
      database = await createTestDatabase();
      const first = await spawnLedger(database.url);
      ledger = first;
      const events = Array.from({ length: DELIVERIES }, () => paymentIntentSucceeded());

      const outcomes = await burst(first.url, events, (acked) => {
        if (acked === KILL_AFTER_ACKS) first.child.kill('SIGKILL');
      });
      expect(await first.exited).toBe('SIGKILL');
      const acked = outcomes.filter((outcome) => outcome.acked).map((outcome) => outcome.event.id);
      // The kill came mid-burst: some deliveries were acknowledged, others never got an answer.
      expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
      expect(acked.length).toBeLessThan(DELIVERIES);

      ledger = await spawnLedger(database.url);
      const { rows } = await database.db.query<{ stripe_event_id: string; copies: number }>(
        `SELECT metadata->>'stripe_event_id' AS stripe_event_id, count(*)::int AS copies FROM eventstore.events
        WHERE metadata->>'stripe_event_id' = ANY($1::text[]) GROUP BY 1`,
        [acked],
      );
      expect(
        rows
          .filter((row) => row.copies === 1)
          .map((row) => row.stripe_event_id)
          .sort(),
      ).toEqual([...acked].sort());

      // Stripe redelivers everything it did not see acknowledged (and may redeliver the rest too).
      const retried = await Promise.all(events.map((event) => postWebhook(ledger!.url, event.body)));
      expect(retried.map((response) => response.status)).toEqual(events.map(() => 200));
      const duplicates = retried.filter((response) => response.body.duplicate === true).length;
      expect(duplicates).toBeGreaterThanOrEqual(acked.length);
      expect(await storedEventCount(database.db)).toBe(DELIVERIES);
    });
  },
);
