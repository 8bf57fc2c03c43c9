-- The daily report counts a payment on the day of its first transition into a paid status
-- (src/api/dailyReport.ts). It reads the range's transitions into paid and, for each payment, looks for
-- an earlier one; these partial indexes hold only those rows (about one per paid payment, a fraction of
-- the history), so a week's report reads a week of them and one probe per payment, whatever the
-- history's size. The predicate is the report's own (INTO_PAID), so the planner can match it.
CREATE INDEX payment_status_history_into_paid_at_idx
  ON ledger.payment_status_history (occurred_at) INCLUDE (payment_id)
  WHERE to_status IN ('paid', 'partially_refunded', 'refunded')
    AND (from_status IS NULL OR from_status NOT IN ('paid', 'partially_refunded', 'refunded'));
CREATE INDEX payment_status_history_into_paid_payment_idx
  ON ledger.payment_status_history (payment_id, occurred_at)
  WHERE to_status IN ('paid', 'partially_refunded', 'refunded')
    AND (from_status IS NULL OR from_status NOT IN ('paid', 'partially_refunded', 'refunded'));
