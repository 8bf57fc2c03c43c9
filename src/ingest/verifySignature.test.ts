import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import Stripe from 'stripe';
import { verifySignature } from './verifySignature.js';

const SECRET = 'whsec_unit_test_secret';
const NOW = 1_750_000_000;
const TOLERANCE = 300;
const body = Buffer.from('{"id":"evt_1","object":"event"}', 'utf8');

/** Stripe's own library makes the headers, so the check is held to what Stripe really sends. */
const stripeHeader = (payload: Buffer, { secret = SECRET, timestamp = NOW } = {}) =>
  Stripe.webhooks.generateTestHeaderString({ payload: payload.toString('utf8'), secret, timestamp });

const hmac = (payload: Buffer, timestamp: number, secret = SECRET) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(payload).digest('hex');

const verify = (header: string | undefined, { payload = body, secrets = [SECRET], now = NOW } = {}) =>
  verifySignature(payload, header, secrets, TOLERANCE, now);

describe('verifySignature', () => {
  it('accepts a header made by the Stripe library for the exact bytes', () => {
    expect(verify(stripeHeader(body))).toEqual({ kind: 'valid', timestamp: NOW });
  });

  it('accepts when any of several v1 signatures matches (Stripe signs with each active secret)', () => {
    const header = `t=${NOW},v1=${hmac(body, NOW, 'whsec_other')},v1=${hmac(body, NOW)}`;
    expect(verify(header).kind).toBe('valid');
  });

  it('accepts a signature made with any configured secret, so secrets can be rotated', () => {
    const header = stripeHeader(body, { secret: 'whsec_new' });
    expect(verify(header, { secrets: ['whsec_old', 'whsec_new'] }).kind).toBe('valid');
    expect(verify(header, { secrets: ['whsec_old'] })).toMatchObject({ code: 'signature_mismatch' });
  });

  it('tolerates spaces around the parts of the header', () => {
    expect(verify(` t=${NOW} , v1=${hmac(body, NOW)} `).kind).toBe('valid');
  });

  it('accepts a signature exactly as old as the tolerance and rejects one a second older', () => {
    expect(verify(stripeHeader(body, { timestamp: NOW - TOLERANCE })).kind).toBe('valid');
    expect(verify(stripeHeader(body, { timestamp: NOW - TOLERANCE - 1 }))).toMatchObject({
      kind: 'rejected',
      code: 'expired_signature',
    });
  });

  it('rejects a missing or empty header', () => {
    expect(verify(undefined)).toMatchObject({ kind: 'rejected', code: 'missing_signature' });
    expect(verify('')).toMatchObject({ kind: 'rejected', code: 'missing_signature' });
  });

  it('rejects a header without a timestamp', () => {
    expect(verify(`v1=${hmac(body, NOW)}`)).toMatchObject({ code: 'malformed_signature' });
    expect(verify(`t=yesterday,v1=${hmac(body, NOW)}`)).toMatchObject({ code: 'malformed_signature' });
  });

  it('ignores v0 signatures: a header with only v0 is rejected even when the v0 value is a valid HMAC', () => {
    expect(verify(`t=${NOW},v0=${hmac(body, NOW)}`)).toMatchObject({
      kind: 'rejected',
      code: 'malformed_signature',
    });
  });

  it('rejects garbage headers', () => {
    for (const header of ['garbage', '=,=,', 't=', 'v1=abc', ',,,', `t=${NOW},v1=zz`, `t=${NOW},v1=`]) {
      expect(verify(header)).toMatchObject({ kind: 'rejected' });
    }
  });

  it('ignores v1 values of the wrong length instead of comparing them', () => {
    const truncated = hmac(body, NOW).slice(0, 62);
    expect(verify(`t=${NOW},v1=${truncated}`)).toMatchObject({ code: 'malformed_signature' });
    expect(verify(`t=${NOW},v1=${truncated},v1=${hmac(body, NOW)}`).kind).toBe('valid');
  });

  it('rejects a signature made with another secret', () => {
    expect(verify(stripeHeader(body, { secret: 'whsec_wrong' }))).toMatchObject({
      kind: 'rejected',
      code: 'signature_mismatch',
    });
  });

  it('rejects when the timestamp was changed after signing', () => {
    const header = `t=${NOW - 1},v1=${hmac(body, NOW)}`;
    expect(verify(header)).toMatchObject({ code: 'signature_mismatch' });
  });

  it('rejects when no secret is configured', () => {
    expect(verify(stripeHeader(body), { secrets: [] })).toMatchObject({ code: 'signature_mismatch' });
  });

  it('checks the raw bytes: the same JSON re-serialised does not verify', () => {
    const header = stripeHeader(body);
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString()), null, 2));
    expect(verify(header, { payload: reformatted })).toMatchObject({ code: 'signature_mismatch' });
  });

  it('verifies any body signed by Stripe and rejects it after any single byte changes (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (bytes, at, flip) => {
          const payload = Buffer.from(bytes);
          const header = `t=${NOW},v1=${hmac(payload, NOW)}`;
          expect(verify(header, { payload }).kind).toBe('valid');
          const changed = Buffer.from(payload);
          const index = at % changed.length;
          changed[index] = changed[index]! ^ flip;
          expect(verify(header, { payload: changed })).toMatchObject({ code: 'signature_mismatch' });
        },
      ),
    );
  });

  it('never throws, whatever the header (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (header) => {
        expect(['valid', 'rejected']).toContain(verify(header).kind);
      }),
    );
  });
});
