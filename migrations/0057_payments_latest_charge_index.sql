-- GET /api/payments?charge_id= (the console's search by charge id) finds a payment by its latest charge:
-- without an index that read every payment.
CREATE INDEX payments_latest_charge_id_idx ON ledger.payments (latest_charge_id) WHERE latest_charge_id IS NOT NULL;
