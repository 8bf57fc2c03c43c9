/**
 * Charge -> payment links live in PostgreSQL (eventstore.charge_links) beside the read models:
 * EventStoreDB has no secondary index to answer "which payment owns this charge". Derived exactly as the
 * PostgreSQL adapter derives them (src/eventstore/chargeLinks.ts).
 */
import type { Queryable } from '../../db/port.js';
import { chargeLinksOf } from '../chargeLinks.js';
import type { NewEvent } from '../../domain/ledgerEvent.js';

/** Idempotent: the first link learnt for a charge wins, as in the PostgreSQL adapter. */
export const recordChargeLinks = async (db: Queryable, events: NewEvent[]): Promise<void> => {
  const [charges, payments] = chargeLinksOf(events);
  if (charges.length === 0) return;
  await db.query(
    `INSERT INTO eventstore.charge_links (charge_id, payment_id)
     SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (charge_id) DO NOTHING`,
    [charges, payments],
  );
};

export const paymentOfCharge = async (db: Queryable, chargeId: string): Promise<string | null> => {
  const { rows } = await db.query<{ payment_id: string }>(
    'SELECT payment_id FROM eventstore.charge_links WHERE charge_id = $1',
    [chargeId],
  );
  return rows[0]?.payment_id ?? null;
};
