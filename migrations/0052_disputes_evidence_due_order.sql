-- GET /api/disputes?sort=evidence_due_by (soonest evidence deadline first, none last) for a status,
-- as the console asks for the disputes needing a response: read in index order, a page at a time.
-- The expression is the one the list's keyset order uses (src/api/listQuery.ts, nullsLast).
CREATE INDEX disputes_status_evidence_due_idx
  ON ledger.disputes (status, (coalesce(evidence_due_by, 'infinity'::timestamptz)), dispute_id);
