import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The signature every outbound notification request carries when its webhook has a secret (seed 003, event
 * webhook security): `x-webhook-signature: sha256=<hex HMAC-SHA256 of the raw body under the secret>`.
 */
export const signatureHeader = 'x-webhook-signature';

export function signatureOf(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does: recompute and compare in constant time. */
export function signatureMatches(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(signatureOf(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A new signing secret, when the creator asks Weft to make one. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}
