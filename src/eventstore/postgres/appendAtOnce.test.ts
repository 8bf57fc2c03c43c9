import fc from 'fast-check';
import { newEvent } from '../../../tests/support/eventStoreContract.js';
import { createTestDatabase, type TestDatabase } from '../../../tests/support/testDatabase.js';
import { pgDb } from '../../db/pg.js';
import type { Db } from '../../db/port.js';
import type { AppendRequest, AppendResult, ExpectedVersion } from '../port.js';
import { appendAtOnce } from './append.js';

/**
 * appendAtOnce reads what is stored before it takes the head's lock. Several writers (each with a pool
 * of its own, as separate processes have) append overlapping event ids to overlapping streams at once;
 * whatever interleaving happens, the log must be what one writer at a time would have made of it.
 */

type Step = { stream: number; events: number[]; expected: 'any' | 'current' | 'no_stream' };
const stepArbitrary: fc.Arbitrary<Step> = fc.record({
  stream: fc.integer({ min: 0, max: 2 }),
  events: fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 3 }),
  expected: fc.constantFrom('any' as const, 'current' as const, 'no_stream' as const),
});

describe('appendAtOnce under writers racing on the same ids and streams', () => {
  let database: TestDatabase;
  let writers: Db[];
  beforeAll(async () => {
    database = await createTestDatabase();
    writers = Array.from({ length: 4 }, () => pgDb({ connectionString: database.url, max: 2 }));
  });
  afterAll(async () => {
    await Promise.all(writers.map((writer) => writer.close()));
    await database.drop();
  });

  it('stores each event id once, numbers the log and every stream without holes, and answers each request as stored', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(stepArbitrary, { minLength: 1, maxLength: 4 }), { minLength: 2, maxLength: 4 }),
        async (plans) => {
          round += 1;
          const ids = Array.from({ length: 12 }, () => newEvent());
          const stream = (index: number) => `payment-pi_race_${round}_${index}`;
          const { rows: before } = await database.db.query<{ position: number }>(
            'SELECT position FROM eventstore.head',
          );
          const answered: { request: AppendRequest; result: AppendResult }[] = [];
          await Promise.all(
            plans.map(async (steps, w) => {
              for (const step of steps) {
                const expectedVersion: ExpectedVersion =
                  step.expected === 'current'
                    ? ((
                        await writers[w]!.query<{ version: number | null }>(
                          'SELECT max(stream_version) AS version FROM eventstore.events WHERE stream_id = $1',
                          [stream(step.stream)],
                        )
                      ).rows[0]!.version ?? 'no_stream')
                    : step.expected;
                const request: AppendRequest = {
                  stream: stream(step.stream),
                  events: [...new Set(step.events)].map((i) => ids[i]!),
                  expectedVersion,
                };
                const [result] = await appendAtOnce(writers[w]!, [request]);
                answered.push({ request, result: result! });
              }
            }),
          );
          const { rows } = await database.db.query<{
            position: number;
            stream_id: string;
            stream_version: number;
            event_id: string;
          }>(
            `SELECT position, stream_id, stream_version, event_id FROM eventstore.events
              WHERE position > $1 ORDER BY position`,
            [before[0]!.position],
          );
          // The log: positions follow on from the head with no hole, each id once.
          expect(rows.map((row) => row.position)).toEqual(rows.map((_, i) => before[0]!.position + i + 1));
          expect(new Set(rows.map((row) => row.event_id)).size).toBe(rows.length);
          // Each stream: versions 0, 1, 2... in log order.
          for (const name of new Set(rows.map((row) => row.stream_id))) {
            const versions = rows.filter((row) => row.stream_id === name).map((row) => row.stream_version);
            expect(versions).toEqual(versions.map((_, i) => i));
          }
          // Each answer says what happened: ok at the position of its last event, in its stream; a
          // duplicate's ids are all stored (by someone); a conflict stored nothing of its own.
          const byId = new Map(rows.map((row) => [row.event_id, row]));
          for (const { request, result } of answered) {
            const stored = request.events.map((event) => byId.get(event.id));
            switch (result.kind) {
              case 'ok': {
                const mine = stored.filter(
                  (row) => row?.position !== undefined && row.stream_id === request.stream,
                );
                expect(mine.length).toBeGreaterThan(0);
                expect(result.position).toBe(Math.max(...mine.map((row) => row!.position)));
                break;
              }
              case 'duplicate':
                expect(stored.every((row) => row !== undefined)).toBe(true);
                break;
              case 'conflict':
                expect(request.expectedVersion).not.toBe('any');
                break;
              default: {
                const unhandled: never = result;
                throw new Error(`unhandled result ${JSON.stringify(unhandled)}`);
              }
            }
          }
          // Every id some request asked to store is stored, unless every request naming it conflicted.
          for (const event of ids) {
            const named = answered.filter(({ request }) => request.events.some((e) => e.id === event.id));
            if (named.some(({ result }) => result.kind !== 'conflict')) expect(byId.has(event.id)).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('answers a request with no events ok at the head, as the locked way does', async () => {
    const [first] = await appendAtOnce(writers[0]!, [
      { stream: 'payment-pi_empty_a', events: [newEvent()], expectedVersion: 'any' },
    ]);
    expect(first).toMatchObject({ kind: 'ok' });
    const head = first!.kind === 'ok' ? first!.position : -1;
    expect(
      await appendAtOnce(writers[1]!, [{ stream: 'payment-pi_empty_b', events: [], expectedVersion: 'any' }]),
    ).toEqual([{ kind: 'ok', position: head, nextExpectedVersion: -1 }]);
  });
});
