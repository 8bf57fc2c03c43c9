-- One CSV field of text exactly as src/api/csv.ts writes it: a cell a spreadsheet would run as a
-- formula gets a leading apostrophe, then a field holding a comma, quote, CR or LF is quoted with its
-- quotes doubled (RFC 4180); null is an empty field. Reports whose rows PostgreSQL already aggregates
-- (the settlement report) are serialised here in one statement instead of row by row in Node.
-- One expression without FROM, so PostgreSQL inlines it into the calling query. The apostrophe cannot
-- make a field need quotes, so whether to quote is decided on the value itself.
-- Property-tested against csv.ts (tests/api.csvField.test.ts).
CREATE FUNCTION ledger.csv_field(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
           WHEN value IS NULL THEN ''
           WHEN value ~ '[",\r\n]' THEN
             '"' || replace(CASE WHEN value ~ '^[=+@\t\r-]' THEN '''' || value ELSE value END, '"', '""') || '"'
           WHEN value ~ '^[=+@\t\r-]' THEN '''' || value
           ELSE value
         END
$$;
