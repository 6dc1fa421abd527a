// Embedded sign-in JWTs for tests, signed as an organization's backend signs them (seed 003): RS256 with jose.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { type JWTPayload, SignJWT } from 'jose';
import { expect } from 'vitest';
import type { TestServer } from './test-server.js';

/** The claims of seed 003's example, for `organization`, `customer` and `sub`, living an hour from `now`. */
export function embeddedClaims(
  organization: string,
  customer: string,
  sub: string,
  now = Math.floor(Date.now() / 1000),
): JWTPayload {
  return {
    sub,
    external_id: sub,
    name: `User ${sub}`,
    organization,
    customer,
    customer_name: `Customer ${customer}`,
    iat: now,
    exp: now + 3600,
  };
}

/** Signs `claims` exactly as given (no claim added), RS256 unless the header says otherwise. */
export function signEmbeddedJwt(
  privateKey: KeyObject | string,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...header } as { alg: string })
    .sign(key);
}

/** An RSA key pair made locally, as `openssl genrsa` would: the PEM public key to import, the private key to sign. */
export function localKeyPair(bits = 2048): {
  publicKeyPem: string;
  privateKey: KeyObject;
  privateKeyPem: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** Generates a signing key through the API (2048 bits: quick) and answers its id and private key. */
export async function generatedSigningKey(
  server: TestServer,
  token?: string,
): Promise<{ id: string; privateKeyPem: string; fingerprint: string; last8: string }> {
  const answer = await server.api('POST', '/api/signing-keys', {
    body: { bits: 2048 },
    ...(token ? { token } : {}),
  });
  expect(answer.status, answer.text).toBe(201);
  return {
    id: answer.body.key.id,
    privateKeyPem: answer.body.privateKey,
    fingerprint: answer.body.key.fingerprint,
    last8: answer.body.key.last8,
  };
}

/** The organization id of the server's (or the token's) organization: the JWT's `organization` claim. */
export async function organizationId(server: TestServer, token?: string): Promise<string> {
  const answer = await server.api('GET', '/api/organization', token ? { token } : {});
  expect(answer.status, answer.text).toBe(200);
  return answer.body.id;
}
