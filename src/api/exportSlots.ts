import type { Response } from 'express';
import { sendError } from './errors.js';

/** How long a refused export is told to wait: an export of 200,000 rows takes about ten seconds. */
export const EXPORT_RETRY_AFTER_SECONDS = 10;

/**
 * CSV exports at once, at most as many as the export pool has connections. Past that an export would
 * wait for a connection and fail after the pool's connect timeout with a 500; it is told at once instead,
 * and nothing queues behind the running ones.
 */
export const exportSlots = (capacity: number) => {
  let inUse = 0;
  return {
    capacity,
    inUse: () => inUse,
    /** A slot and its release (idempotent), or null when every slot is taken. */
    take: (): (() => void) | null => {
      if (inUse >= capacity) return null;
      inUse += 1;
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inUse -= 1;
      };
    },
  };
};

export type ExportSlots = ReturnType<typeof exportSlots>;

/** 503 with Retry-After: the export may succeed later (as Stripe's 503 means for webhooks). */
export const refuseExport = (res: Response, slots: ExportSlots) => {
  res.setHeader('retry-after', String(EXPORT_RETRY_AFTER_SECONDS));
  sendError(
    res,
    503,
    'exports_busy',
    `${slots.capacity} CSV exports are running, the most at once: retry in ${EXPORT_RETRY_AFTER_SECONDS} s`,
  );
};
