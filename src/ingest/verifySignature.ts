import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck =
  | { kind: 'valid'; timestamp: number }
  | {
      kind: 'rejected';
      code: 'missing_signature' | 'malformed_signature' | 'expired_signature' | 'signature_mismatch';
      message: string;
    };

type ParsedHeader = { timestamp: number; v1: Buffer[] };

const parseHeader = (header: string): ParsedHeader | null => {
  let timestamp: number | null = null;
  const v1: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    // v0 (and any other scheme) is ignored on purpose: only v1 is an HMAC-SHA256 we trust.
    if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) v1.push(Buffer.from(value, 'hex'));
  }
  return timestamp === null ? null : { timestamp, v1 };
};

/**
 * Verifies a Stripe-Signature header against the raw request bytes, before anything parses them.
 * Accepts when any v1 signature matches any configured secret (rotation), compared in constant time.
 */
export const verifySignature = (
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  toleranceSeconds: number,
  nowSeconds: number,
): SignatureCheck => {
  if (!header)
    return { kind: 'rejected', code: 'missing_signature', message: 'Stripe-Signature header is missing' };
  const parsed = parseHeader(header);
  if (!parsed) {
    return {
      kind: 'rejected',
      code: 'malformed_signature',
      message: 'Stripe-Signature header has no timestamp',
    };
  }
  if (parsed.v1.length === 0) {
    return {
      kind: 'rejected',
      code: 'malformed_signature',
      message: 'Stripe-Signature header has no v1 signature',
    };
  }
  if (nowSeconds - parsed.timestamp > toleranceSeconds) {
    return {
      kind: 'rejected',
      code: 'expired_signature',
      message: `Stripe-Signature timestamp is older than the tolerance of ${toleranceSeconds} s`,
    };
  }
  const prefix = Buffer.from(`${parsed.timestamp}.`, 'utf8');
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(prefix).update(rawBody).digest();
    if (parsed.v1.some((candidate) => timingSafeEqual(candidate, expected))) {
      return { kind: 'valid', timestamp: parsed.timestamp };
    }
  }
  return {
    kind: 'rejected',
    code: 'signature_mismatch',
    message: 'no v1 signature matches the configured webhook secrets',
  };
};
