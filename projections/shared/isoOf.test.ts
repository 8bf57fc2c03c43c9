import fc from 'fast-check';
import { isoOf, isoOfMillis } from './paymentRow.js';

const FIRST_SECOND = -62_135_596_800; // 0001-01-01T00:00:00Z
const LAST_SECOND = 253_402_300_799; // 9999-12-31T23:59:59Z

describe('isoOf', () => {
  it('writes every unix second of the years 1 to 9999 as Date#toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_SECOND, max: LAST_SECOND }), (seconds) => {
        expect(isoOf(seconds)).toBe(new Date(seconds * 1000).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('writes the edges of days, leap days and the epoch as Date#toISOString does', () => {
    const edges = [
      FIRST_SECOND,
      LAST_SECOND,
      -1,
      0,
      1,
      86_399,
      86_400,
      951_782_400,
      951_868_799,
      1_709_164_800,
    ];
    for (const seconds of edges) expect(isoOf(seconds)).toBe(new Date(seconds * 1000).toISOString());
  });

  it('keeps the milliseconds of a fractional time', () => {
    expect(isoOf(1_700_000_000.25)).toBe('2023-11-14T22:13:20.250Z');
  });

  it('writes every millisecond of the years 1 to 9999 as Date#toISOString does', () => {
    fc.assert(
      fc.property(fc.integer({ min: FIRST_SECOND * 1000, max: LAST_SECOND * 1000 + 999 }), (millis) => {
        expect(isoOfMillis(millis)).toBe(new Date(millis).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });
});
