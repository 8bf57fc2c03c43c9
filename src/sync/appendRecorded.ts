import type { EventStore } from '../eventstore/port.js';
import type { NewEvent } from '../domain/ledgerEvent.js';

export type Appended = { appended: number; duplicates: number };

/** Appends recorded facts in one durable commit; each is idempotent by its event id. */
export const appendRecorded = async (
  store: Pick<EventStore, 'appendMany'>,
  recorded: readonly { stream: string; event: NewEvent }[],
): Promise<Appended> => {
  if (recorded.length === 0) return { appended: 0, duplicates: 0 };
  const results = await store.appendMany(
    recorded.map(({ stream, event }) => ({ stream, events: [event], expectedVersion: 'any' as const })),
  );
  let appended = 0;
  let duplicates = 0;
  for (const [i, result] of results.entries()) {
    switch (result.kind) {
      case 'ok':
        appended += 1;
        break;
      case 'duplicate':
        duplicates += 1;
        break;
      case 'conflict':
        // Appends with expectedVersion 'any' never conflict; a store that says so misbehaves.
        throw new Error(
          `appending ${recorded[i]!.event.type} to ${recorded[i]!.stream}: unexpected conflict`,
        );
      default: {
        const unhandled: never = result;
        throw new Error(`unhandled append result ${JSON.stringify(unhandled)}`);
      }
    }
  }
  return { appended, duplicates };
};
