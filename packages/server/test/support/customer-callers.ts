import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { sqlQuery } from './integration-fixtures.js';
import type { TestServer } from './test-server.js';

/**
 * Customer callers for tests: an embedded sign-in key imported straight into the database (as `weft
 * signing-keys:import` would: the public key, its SHA-256 fingerprint, source 'imported'), and RS256 JWTs signed
 * with its private half, with seed 003's claims. The JWT goes in `Authorization: Bearer`, as the organization's
 * app would send it.
 */

export interface EmbeddedSigner {
  privateKey: KeyObject;
  keyId: string;
  orgId: string;
  /** A JWT for a customer user of the customer with external id `customer` (created on first sight). */
  token(claims: {
    customer: string;
    customerName?: string;
    sub?: string;
    name?: string;
    role?: 'admin' | 'user';
    expiresInSeconds?: number;
  }): Promise<string>;
}

/** The organization of a test server (there is one). */
export async function organizationId(server: TestServer): Promise<string> {
  const [row] = await sqlQuery<{ id: string }>(
    server,
    'select id from organizations order by created_at limit 1',
  );
  if (!row) throw new Error('the test server has no organization');
  return row.id;
}

/** Imports a new signing key into the server's organization and answers a signer of embedded JWTs. */
export async function embeddedSigner(server: TestServer): Promise<EmbeddedSigner> {
  const orgId = await organizationId(server);
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const fingerprint = createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
  const [row] = await sqlQuery<{ id: string }>(
    server,
    `insert into signing_keys (org_id, public_key_pem, fingerprint, source) values ($1, $2, $3, 'imported')
     returning id`,
    [orgId, pem, fingerprint],
  );
  return {
    privateKey,
    keyId: row?.id ?? '',
    orgId,
    token: async (claims) => {
      const now = Math.floor(Date.now() / 1000);
      const sub = claims.sub ?? `user-of-${claims.customer}`;
      return new SignJWT({
        external_id: sub,
        name: claims.name ?? `User of ${claims.customer}`,
        organization: orgId,
        customer: claims.customer,
        ...(claims.customerName !== undefined ? { customer_name: claims.customerName } : {}),
        role: claims.role ?? 'admin',
      })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
        .setSubject(sub)
        .setIssuedAt(now)
        .setExpirationTime(now + (claims.expiresInSeconds ?? 600))
        .sign(privateKey);
    },
  };
}
