-- The mode of a dispute's own events, for the daily report's disputed of a payment the ledger does not
-- know (a chargeback of a payment made before the ledger was installed counted under livemode null).
ALTER TABLE ledger.disputes ADD COLUMN livemode boolean;

-- Existing disputes take their payment's; those of unknown payments get theirs at their next event or a
-- rebuild of disputes.
UPDATE ledger.disputes d SET livemode = p.livemode FROM ledger.payments p WHERE p.payment_id = d.payment_id;
