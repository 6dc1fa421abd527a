import { createHash, createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { type Kysely, sql } from 'kysely';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { violatedUniqueIndex } from '../database/unique-violation.js';
import { WeftError } from '../errors.js';
import type { GeneratedSigningKey, SigningKey } from './signing-key-schemas.js';

/**
 * The SQL behind signing keys: the public keys that verify an organization's embedded sign-in JWTs. Only public
 * keys are stored. A generated key's private half is handed back once and kept nowhere but in its answer; only
 * its last 8 characters are stored, so people can match the key they hold with one in the list.
 */

const generateRsaKeyPair = promisify(generateKeyPair);

const columns = [
  'id',
  'public_key_pem',
  'fingerprint',
  'private_key_last8',
  'source',
  'created_at',
  'deactivated_at',
] as const;

type SigningKeyRow = {
  id: string;
  public_key_pem: string;
  fingerprint: string;
  private_key_last8: string | null;
  source: 'generated' | 'imported';
  created_at: Date;
  deactivated_at: Date | null;
};

function toSigningKey(row: SigningKeyRow): SigningKey {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    last8: row.private_key_last8,
    source: row.source,
    bits: createPublicKey(row.public_key_pem).asymmetricKeyDetails?.modulusLength ?? 0,
    publicKey: row.public_key_pem,
    createdAt: row.created_at.toISOString(),
    deactivatedAt: row.deactivated_at?.toISOString() ?? null,
  };
}

/** SHA-256 of the key's SubjectPublicKeyInfo DER, hex: the same for a key whatever PEM form it came in. */
export function fingerprintOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** The last 8 characters of a PEM's base64 body (what is between its BEGIN and END lines, without line breaks). */
export function last8Of(pem: string): string {
  const body = pem.replace(/-----(BEGIN|END) [A-Z0-9 ]+-----/g, '').replace(/\s+/g, '');
  return body.slice(-8);
}

/** Tells a key apart in messages: its fingerprint's first 16 hex digits, and its last 8 characters when known. */
export function describeKey(key: { fingerprint: string; last8: string | null }): string {
  return `${key.fingerprint.slice(0, 16)}…${key.last8 ? ` (private key ending ${key.last8})` : ''}`;
}

const minimumBits = 2048;

/** The uniqueness of (organization, fingerprint), as the 409 that names the key already there. */
async function duplicateFrom(
  db: Kysely<Database>,
  orgId: string,
  fingerprint: string,
  error: unknown,
): Promise<never> {
  if (violatedUniqueIndex(error) !== 'signing_keys_fingerprint_key') throw error;
  const existing = await db
    .selectFrom('signing_keys')
    .select(['id', 'deactivated_at'])
    .where('org_id', '=', orgId)
    .where('fingerprint', '=', fingerprint)
    .executeTakeFirst();
  throw new WeftError(
    'SIGNING_KEY_DUPLICATE',
    `This public key is already a signing key of your organization (id '${existing?.id ?? 'unknown'}', fingerprint ${fingerprint.slice(0, 16)}…${existing?.deactivated_at ? `, deactivated at ${existing.deactivated_at.toISOString()}` : ''}).`,
    { signingKeyId: existing?.id ?? null, fingerprint, deactivated: Boolean(existing?.deactivated_at) },
  );
}

/** Stores a public key and drops the organization's cached keys, so the next sign-in sees it. */
async function storeSigningKey(
  db: Kysely<Database>,
  orgId: string,
  publicKey: KeyObject,
  source: SigningKeyRow['source'],
  privateKeyLast8: string | null,
): Promise<SigningKey> {
  const row = await db
    .insertInto('signing_keys')
    .values({
      org_id: orgId,
      // Stored as SPKI PEM whatever form it came in (PKCS#1 'RSA PUBLIC KEY' too).
      public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      fingerprint: fingerprintOf(publicKey),
      private_key_last8: privateKeyLast8,
      source,
    })
    .returning(columns)
    .executeTakeFirstOrThrow();
  forgetSigningKeys(orgId);
  return toSigningKey(row);
}

/** A new RSA key pair: the public half stored, the private half answered this once. */
export async function generateSigningKey(
  db: Kysely<Database>,
  orgId: string,
  bits: 2048 | 4096,
): Promise<GeneratedSigningKey> {
  const { publicKey, privateKey } = await generateRsaKeyPair('rsa', { modulusLength: bits });
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = await storeSigningKey(db, orgId, publicKey, 'generated', last8Of(privateKeyPem));
  return { key, privateKey: privateKeyPem };
}

/** Whether `text` holds a private key in any form Node reads (PEM of any label, or DER). */
function holdsPrivateKey(text: string): boolean {
  if (/PRIVATE KEY/i.test(text)) return true;
  try {
    createPrivateKey(text);
    return true;
  } catch {
    return false;
  }
}

/** The public half of the organization's own key pair, checked: RSA, PEM, at least 2048 bits, not imported twice. */
export async function importSigningKey(
  db: Kysely<Database>,
  orgId: string,
  publicKeyPem: string,
): Promise<SigningKey> {
  if (holdsPrivateKey(publicKeyPem)) {
    // Nothing of it is stored, logged or repeated in the answer.
    throw new WeftError(
      'SIGNING_KEY_PRIVATE_KEY_REFUSED',
      'This is a private key, not a public key: Weft did not store it. Never upload a private key; treat this one as exposed if it left your backend.',
      { field: 'publicKey' },
    );
  }
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(publicKeyPem)) {
    throw new WeftError(
      'SIGNING_KEY_INVALID',
      'The publicKey is not a PEM public key: it must start with -----BEGIN PUBLIC KEY----- (or -----BEGIN RSA PUBLIC KEY-----).',
      { field: 'publicKey' },
    );
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: publicKeyPem, format: 'pem' });
  } catch (error) {
    throw new WeftError(
      'SIGNING_KEY_INVALID',
      `The publicKey could not be read as a PEM public key (${(error as Error).message}).`,
      { field: 'publicKey' },
    );
  }
  if (publicKey.asymmetricKeyType !== 'rsa') {
    throw new WeftError(
      'SIGNING_KEY_INVALID',
      `The publicKey is a${publicKey.asymmetricKeyType === 'ec' ? 'n' : ''} ${publicKey.asymmetricKeyType ?? 'unknown'} key; embedded sign-in JWTs are signed with RS256, which needs an RSA key.`,
      { field: 'publicKey', keyType: publicKey.asymmetricKeyType ?? null },
    );
  }
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < minimumBits) {
    throw new WeftError(
      'SIGNING_KEY_TOO_SMALL',
      `The publicKey is a ${bits}-bit RSA key; signing keys need at least ${minimumBits} bits.`,
      { field: 'publicKey', bits, minimumBits },
    );
  }
  try {
    return await storeSigningKey(db, orgId, publicKey, 'imported', null);
  } catch (error) {
    return duplicateFrom(db, orgId, fingerprintOf(publicKey), error);
  }
}

export async function listSigningKeys(
  db: Kysely<Database>,
  orgId: string,
  includeInactive: boolean,
): Promise<SigningKey[]> {
  let query = db.selectFrom('signing_keys').select(columns).where('org_id', '=', orgId);
  if (!includeInactive) query = query.where('deactivated_at', 'is', null);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map(toSigningKey);
}

function signingKeyNotFound(id: string): WeftError {
  return new WeftError('SIGNING_KEY_NOT_FOUND', `No signing key with id '${id}' in your organization.`);
}

/**
 * Stops a key verifying JWTs: at once in this process, and within `verificationKeysTtlMs` in the others.
 * Deactivating a deactivated key answers it unchanged.
 */
export async function deactivateSigningKey(
  db: Kysely<Database>,
  orgId: string,
  id: string,
): Promise<SigningKey> {
  if (!isUuid(id)) throw signingKeyNotFound(id);
  const row = await db
    .updateTable('signing_keys')
    .set({ deactivated_at: sql<Date>`coalesce(deactivated_at, now())` })
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .returning(columns)
    .executeTakeFirst();
  if (!row) throw signingKeyNotFound(id);
  forgetSigningKeys(orgId);
  return toSigningKey(row);
}

/** A signing key as embedded sign-in verifies with it. */
export interface VerificationKey {
  id: string;
  fingerprint: string;
  last8: string | null;
  key: KeyObject;
  deactivatedAt: Date | null;
}

/**
 * How long an organization's keys are kept in memory between reads. Changes made through this process's API are
 * seen at once (the cache entry is dropped); changes made by another process are seen within this bound.
 */
export const verificationKeysTtlMs = 30_000;

const cache = new Map<string, { keys: VerificationKey[]; readAt: number }>();

/** Drops the organization's cached keys, so the next sign-in reads them again. */
export function forgetSigningKeys(orgId: string): void {
  cache.delete(orgId);
}

/** Every signing key of the organization, active and deactivated, read at most once per `verificationKeysTtlMs`. */
export async function verificationKeysOf(
  db: Kysely<Database>,
  orgId: string,
  now: number = Date.now(),
): Promise<VerificationKey[]> {
  const cached = cache.get(orgId);
  if (cached && now - cached.readAt >= 0 && now - cached.readAt < verificationKeysTtlMs) return cached.keys;
  const rows = await db
    .selectFrom('signing_keys')
    .select(['id', 'public_key_pem', 'fingerprint', 'private_key_last8', 'deactivated_at'])
    .where('org_id', '=', orgId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  const keys = rows.map((row) => ({
    id: row.id,
    fingerprint: row.fingerprint,
    last8: row.private_key_last8,
    key: createPublicKey(row.public_key_pem),
    deactivatedAt: row.deactivated_at,
  }));
  // Bounded: an entry per organization that has signed in lately; a flood of unknown organizations is never cached.
  if (cache.size >= 10_000) cache.clear();
  cache.set(orgId, { keys, readAt: now });
  return keys;
}
