-- EventStoreDB dedupes event ids per stream only. A refund routed to payment-<charge> before its charge
-- link was known and to payment-<pi> after would be stored twice, so the adapter claims each event id
-- for one stream here first, and always appends it to the stream that holds the claim.
CREATE TABLE eventstore.event_claims (
  event_id uuid PRIMARY KEY,
  stream_id text NOT NULL
);
