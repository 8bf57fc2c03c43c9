import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Fold } from '../../../projections/projection.js';

/** Map entry, key and string headers beside a parked text, roughly (V8, 64-bit). */
const ENTRY_OVERHEAD_BYTES = 96;

/**
 * States a rebuild holds but has not touched lately, each as the JSON of its stored row compressed
 * with the first parked state as the dictionary: the states of one fold repeat the same field names,
 * so a payment state (~3 KB as objects, ~0.9 KB of JSON) parks in ~120 bytes, and a log's states fit
 * in memory long before any is written to the tables and read back. Parking costs ~20 µs and taking
 * back ~12 µs a state. The compressed bytes are kept as a latin1 string: a small Buffer from zlib
 * would hold on to a 16 KiB chunk. `keyColumn`: the state table's key column, which the row of a
 * state holds as when it is read from its table.
 */
export const parkedStates = <S>(fold: Fold<S>, keyColumn: string) => {
  const texts = new Map<string, string>();
  let dictionary: Buffer | null = null;
  let bytes = 0;
  const sizeOf = (key: string, text: string) => key.length + text.length + ENTRY_OVERHEAD_BYTES;
  const forget = (key: string) => {
    const text = texts.get(key);
    if (text === undefined) return undefined;
    texts.delete(key);
    bytes -= sizeOf(key, text);
    return text;
  };
  return {
    get size() {
      return texts.size;
    },
    /** Memory the parked texts take, approximately. */
    get bytes() {
      return bytes;
    },
    park(key: string, state: S) {
      // The key too: a fold may read its state's id from the row, as it does from a table's.
      const json = JSON.stringify({ [keyColumn]: key, ...fold.stored.toRow(state) });
      dictionary ??= Buffer.from(json);
      const text = deflateRawSync(json, { level: 1, dictionary }).toString('latin1');
      forget(key);
      texts.set(key, text);
      bytes += sizeOf(key, text);
    },
    /** The state parked under `key`, no longer parked; undefined when none is. */
    take(key: string): S | undefined {
      const text = forget(key);
      if (text === undefined) return undefined;
      const json = inflateRawSync(Buffer.from(text, 'latin1'), { dictionary: dictionary! }).toString();
      return fold.stored.fromRow(JSON.parse(json) as Record<string, unknown>);
    },
    delete: (key: string) => void forget(key),
    clear() {
      texts.clear();
      bytes = 0;
    },
  };
};

export type ParkedStates<S> = ReturnType<typeof parkedStates<S>>;
