const MAX_LENGTH = 300;

/**
 * An error text safe for an unauthenticated endpoint: PostgreSQL and parser messages quote the values
 * they choke on (`invalid input syntax for type bigint: "..."`, `Key (id)=(...)`), which are fragments
 * of a payment's payload. Quoted and bracketed values are replaced; the shape of the error stays.
 */
export const redactErrorText = (text: string): string => {
  const redacted = text
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
    .replace(/=\([^)]*\)/g, '=(…)')
    .replace(/\b[\w.+-]+@[\w-]+\.[\w.-]+/g, '…@…');
  return redacted.length > MAX_LENGTH ? `${redacted.slice(0, MAX_LENGTH)}…` : redacted;
};
