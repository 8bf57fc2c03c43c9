import { Writable } from 'node:stream';
import { pino } from 'pino';

/** A pino logger at `info` whose lines the test reads back, each parsed. */
export const capturedLogger = () => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
};
