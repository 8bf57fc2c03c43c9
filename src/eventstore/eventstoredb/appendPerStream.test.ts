import fc from 'fast-check';
import type { AppendRequest, AppendResult, EventStore } from '../port.js';
import { PartialAppendError } from '../port.js';
import { appendPerStream, STREAMS_AT_ONCE } from './eventStoreDbEventStore.js';

/** Appends that take a turn of the event loop each, noting how many run at once and in which order. */
const recordingAppend = (failOn: ReadonlySet<string> = new Set()) => {
  let running = 0;
  const seen = { most: 0, order: [] as string[] };
  const append: EventStore['append'] = async (stream, events) => {
    running += 1;
    seen.most = Math.max(seen.most, running);
    await new Promise((resolve) => setImmediate(resolve));
    running -= 1;
    const id = events[0]!.id;
    seen.order.push(`${stream}/${id}`);
    if (failOn.has(id)) throw new Error(`append of ${id} refused`);
    return { kind: 'ok', position: 0n, streamVersion: 0n } as unknown as AppendResult;
  };
  return { append, seen };
};

const request = (stream: string, id: string): AppendRequest =>
  ({
    stream,
    events: [{ id, type: 'T', data: {}, metadata: {} }],
    expectedVersion: 'any',
  }) as unknown as AppendRequest;

describe('appending to many EventStoreDB streams at once', () => {
  it(`appends at most ${STREAMS_AT_ONCE} streams at a time, each stream's requests in order`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 300 }),
        async (streams) => {
          const requests = streams.map((s, i) => request(`payment-${s}`, `e${i}`));
          const { append, seen } = recordingAppend();
          const results = await appendPerStream(requests, append);
          expect(results).toHaveLength(requests.length);
          expect(seen.most).toBeLessThanOrEqual(STREAMS_AT_ONCE);
          for (const stream of new Set(requests.map((r) => r.stream))) {
            const mine = requests
              .filter((r) => r.stream === stream)
              .map((r) => `${stream}/${r.events[0]!.id}`);
            expect(seen.order.filter((entry) => entry.startsWith(`${stream}/`))).toEqual(mine);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('still tries every other stream when one fails, and says which were stored', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => request(`payment-${i % 20}`, `e${i}`));
    const { append } = recordingAppend(new Set(['e3']));
    const error = await appendPerStream(requests, append).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartialAppendError);
    const outcomes = (error as PartialAppendError).outcomes;
    // e3's stream (payment-3) stops there: its later request (e23) is not tried; every other is stored.
    expect(outcomes[3]?.status).toBe('rejected');
    expect(outcomes[23]).toBeUndefined();
    expect(outcomes.filter((o) => o?.status === 'fulfilled')).toHaveLength(38);
  });
});
