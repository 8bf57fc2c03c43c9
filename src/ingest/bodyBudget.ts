/**
 * A cap on the webhook body bytes the process holds at once (bodies still arriving or being handled),
 * so slow or hostile clients cannot grow memory without end. Room is reserved up front for the length
 * a request announces (the most a webhook may have when it announces none). Large bodies share only
 * part of the budget: clients announcing big bodies and stalling cannot take the room that Stripe's
 * deliveries (a few KiB) need.
 */
export type BodyBudget = {
  /** Room for one body, or null when there is none: the caller answers 503 at once. */
  reserve(announcedBytes: number): (() => void) | null;
  inFlightBytes(): number;
};

export const bodyBudget = ({
  totalBytes = 64 * 1024 * 1024,
  largeBytes = 48 * 1024 * 1024,
  largeAbove = 64 * 1024,
} = {}): BodyBudget => {
  let total = 0;
  let large = 0;
  return {
    reserve: (announced) => {
      const isLarge = announced > largeAbove;
      if (total + announced > totalBytes || (isLarge && large + announced > largeBytes)) return null;
      total += announced;
      if (isLarge) large += announced;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        total -= announced;
        if (isLarge) large -= announced;
      };
    },
    inFlightBytes: () => total,
  };
};
