-- Payloads shown through the API have secrets redacted (SPEC section 8); the log keeps them as
-- delivered. A payment intent's client_secret lets whoever holds it confirm the payment from a browser:
-- a finance token must not hand it out. plpgsql because the function calls itself (a SQL function's
-- body is checked at creation, before it exists).
CREATE FUNCTION ledger.redact_secrets(doc jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  CASE jsonb_typeof(doc)
    WHEN 'object' THEN
      RETURN (
        SELECT coalesce(jsonb_object_agg(key, CASE
                 WHEN key IN ('client_secret', 'secret') AND jsonb_typeof(value) = 'string'
                   THEN to_jsonb('[redacted]'::text)
                 ELSE ledger.redact_secrets(value) END), '{}'::jsonb)
          FROM jsonb_each(doc));
    WHEN 'array' THEN
      RETURN (
        SELECT coalesce(jsonb_agg(ledger.redact_secrets(value) ORDER BY position), '[]'::jsonb)
          FROM jsonb_array_elements(doc) WITH ORDINALITY AS element(value, position));
    ELSE
      RETURN doc;
  END CASE;
END $$;
