/**
 * A catch-up subscription to the ledger's events in $all for the projector: it starts after a stored
 * checkpoint, catches up, goes live, and whenever the server drops it (restart, network, buffer
 * overflow) or `onEvent` throws, subscribes again after the last event `onEvent` completed. Events are
 * handed over one at a time, so a checkpoint saved in `onEvent` is always the last event applied.
 */
import { START, streamNameFilter, type EventStoreDBClient } from '@eventstore/db-client';
import type { StoredEvent } from '../port.js';
import { LEDGER_STREAM_PREFIXES, ledgerEventOf, positionAt } from './read.js';

const FIRST_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 5_000;

const asError = (error: unknown) => (error instanceof Error ? error : new Error(String(error)));

/**
 * `fromPosition` is exclusive: 0 starts from the beginning of $all. Returns a function that stops the
 * subscription and resolves once no `onEvent` call is running.
 */
export const subscribeAll = (
  client: EventStoreDBClient,
  fromPosition: number,
  onEvent: (event: StoredEvent) => Promise<void>,
  onError: (error: Error) => void,
): (() => Promise<void>) => {
  let position = fromPosition;
  let stopped = false;
  let cancel = async () => undefined as void;
  let wakeUp = () => undefined as void;

  const followOnce = async () => {
    const subscription = client.subscribeToAll({
      fromPosition: position === 0 ? START : positionAt(position),
      filter: streamNameFilter({ prefixes: LEDGER_STREAM_PREFIXES }),
    });
    cancel = () => subscription.unsubscribe();
    try {
      for await (const resolved of subscription) {
        if (stopped) return;
        const event = ledgerEventOf(resolved);
        if (!event) continue;
        await onEvent(event);
        position = event.position;
      }
    } finally {
      await subscription.unsubscribe().catch(() => undefined);
    }
    if (!stopped) throw new Error('EventStoreDB ended the $all subscription');
  };

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const running = (async () => {
    let delay = FIRST_RETRY_DELAY_MS;
    while (!stopped) {
      const before = position;
      try {
        await followOnce();
      } catch (error) {
        if (!stopped) onError(asError(error));
      }
      // Back off while nothing gets through; start again from short delays once events flow.
      delay = position === before ? Math.min(delay * 2, MAX_RETRY_DELAY_MS) : FIRST_RETRY_DELAY_MS;
      if (!stopped) await pause(delay);
    }
  })();

  return async () => {
    stopped = true;
    wakeUp();
    await cancel().catch(() => undefined);
    await running;
  };
};
