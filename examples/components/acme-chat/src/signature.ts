import { createHmac, timingSafeEqual } from 'node:crypto';
import type { TriggerPayload } from '@weft/sdk';

/** Acme Chat signs each webhook request: `X-Acme-Signature: sha256=<hex HMAC-SHA256 of the body>`. */
export const signatureHeader = 'x-acme-signature';

/** The signature header value for a body, as Acme Chat computes it. */
export function sign(signingSecret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', signingSecret).update(body).digest('hex')}`;
}

function header(payload: TriggerPayload, name: string): string | undefined {
  const found = Object.entries(payload.headers ?? {}).find(([key]) => key.toLowerCase() === name);
  return found?.[1];
}

/**
 * The body exactly as received: the signature covers those bytes, not the parsed JSON (re-serializing it could
 * change spacing or key order). Weft gives it as `rawBody.data` for JSON and form requests.
 */
function rawBodyOf(payload: TriggerPayload): string | Buffer {
  for (const data of [payload.rawBody?.data, payload.body?.data]) {
    if (typeof data === 'string' || Buffer.isBuffer(data)) return data;
  }
  throw new Error(
    'The request body is not available as received, so its signature cannot be checked; refused',
  );
}

/** Throws, naming the header, unless the request carries a valid signature made with the signing secret. */
export function verifySignature(payload: TriggerPayload, signingSecret: string): void {
  const received = header(payload, signatureHeader)?.trim();
  if (!received) {
    throw new Error(`The request has no ${signatureHeader} header, so it cannot be from Acme Chat; refused`);
  }
  const expected = Buffer.from(sign(signingSecret, rawBodyOf(payload)));
  const given = Buffer.from(received);
  // timingSafeEqual takes as long whatever the first differing byte is; it needs equal lengths.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new Error(
      `The ${signatureHeader} header does not match the body signed with the signing secret; refused`,
    );
  }
}
