import crypto from 'node:crypto';

/**
 * AES-256-GCM envelopes: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts, 12-byte random IV, 16-byte tag).
 * The key id says which key sealed it, so a rotation can find what is left under an old key and a wrong key is
 * named rather than guessed. The associated data binds a value to where it is stored (`connections.fields:<id>`):
 * a ciphertext copied onto another row does not open there.
 */

const envelopeVersion = 'v1';
const keyIdPattern = /^[a-z0-9_]{1,40}$/;

export interface Envelope {
  keyId: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

/** Why an envelope did not open: not one of ours, or it fails authentication (wrong key, altered, moved). */
export class SecretBoxError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unauthenticated',
    message: string,
  ) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export function seal(key: Buffer, keyId: string, plaintext: Buffer, associatedData: string): string {
  if (!keyIdPattern.test(keyId)) throw new Error(`invalid key id '${keyId}'`);
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [envelopeVersion, keyId, iv, tag, ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function parseEnvelope(text: string): Envelope {
  const parts = text.split('.');
  if (parts.length !== 5 || parts[0] !== envelopeVersion || !keyIdPattern.test(parts[1] ?? '')) {
    throw new SecretBoxError('malformed', 'not an encrypted value of this Weft version');
  }
  const [, keyId, iv, tag, ciphertext] = parts as [string, string, string, string, string];
  const envelope = {
    keyId,
    iv: Buffer.from(iv, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
  };
  if (envelope.iv.length !== 12 || envelope.tag.length !== 16) {
    throw new SecretBoxError('malformed', 'the encrypted value is truncated');
  }
  return envelope;
}

/** The key id an envelope names, without opening it (undefined for text that is not an envelope). */
export function envelopeKeyId(text: string): string | undefined {
  try {
    return parseEnvelope(text).keyId;
  } catch {
    return undefined;
  }
}

export function openEnvelope(key: Buffer, envelope: Envelope, associatedData: string): Buffer {
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, envelope.iv);
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(envelope.tag);
    return Buffer.concat([decipher.update(envelope.ciphertext), decipher.final()]);
  } catch {
    throw new SecretBoxError(
      'unauthenticated',
      'the encrypted value does not authenticate: it was altered, moved from another record, or sealed with another key',
    );
  }
}
