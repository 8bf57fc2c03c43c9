-- One CSV field of text exactly as src/api/csv.ts writes it: a cell a spreadsheet would run as a
-- formula gets a leading apostrophe, then a field holding a comma, quote, CR or LF is quoted with its
-- quotes doubled (RFC 4180); null is an empty field. Reports whose rows PostgreSQL already aggregates
-- (the settlement report) are serialised here in one statement instead of row by row in Node.
-- Property-tested against csv.ts (tests/api.csvField.test.ts).
CREATE FUNCTION ledger.csv_field(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
           WHEN neutral IS NULL THEN ''
           WHEN neutral ~ '[",\r\n]' THEN '"' || replace(neutral, '"', '""') || '"'
           ELSE neutral
         END
    FROM (SELECT CASE WHEN value ~ '^[=+@\t\r-]' THEN '''' || value ELSE value END AS neutral) f
$$;
