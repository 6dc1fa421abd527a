// Issue 16: signing keys (generate, import, list, deactivate) and the organization routes. Weft shows a generated
// private key once and keeps only the public key, its fingerprint and the private key's last 8 characters; it
// refuses a private key pasted by mistake, and never writes either to the database or the logs.
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, startWeft } from '../src/index.js';
import { embeddedClaims, localKeyPair, signEmbeddedJwt } from './support/embedded-jwt.js';
import { sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { callApi, createTestDatabase, sharedKeyEnv, type TestServer } from './support/test-server.js';

let server: TestServer;
/** Every log line the server wrote, at debug level and above. */
const logLines: string[] = [];

/** A test server whose log (debug and above) is kept in `logLines`. */
async function startLoggedServer(): Promise<TestServer> {
  const databaseUrl = await createTestDatabase();
  const config = loadConfig({
    WEFT_PORT: '0',
    WEFT_ROLES: 'api',
    ...sharedKeyEnv(),
    DATABASE_URL: databaseUrl,
  });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const weft = await startWeft(config, { log: createLogger('debug', sink) });
  const ownerToken = weft.ownerToken as string;
  return {
    weft,
    url: weft.url,
    databaseUrl,
    ownerToken,
    api: (method, path, options = {}) => callApi(weft.url, ownerToken, method, path, options),
    stop: () => weft.stop(),
  };
}

/** The base64 body of a PEM, without its BEGIN/END lines and line breaks. */
function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
}

/** Every text in the signing_keys table, as one string. */
async function storedKeyText(): Promise<string> {
  return JSON.stringify(await sqlQuery(server, 'select * from signing_keys'));
}

beforeAll(async () => {
  server = await startLoggedServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('signing keys', () => {
  it('generates a key: the private key is answered once; only the public key, fingerprint and last 8 are stored', async () => {
    const answer = await server.api('POST', '/api/signing-keys', { body: { bits: 2048 } });
    expect(answer.status, answer.text).toBe(201);
    const { key, privateKey } = answer.body;
    expect(privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    const publicKey = createPublicKey(privateKey);
    expect(key).toMatchObject({
      source: 'generated',
      bits: 2048,
      last8: pemBody(privateKey).slice(-8),
      fingerprint: createHash('sha256')
        .update(publicKey.export({ type: 'spki', format: 'der' }))
        .digest('hex'),
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }),
      deactivatedAt: null,
    });
    expect(key.fingerprint).toMatch(/^[0-9a-f]{64}$/);

    const [row] = await sqlQuery(server, 'select * from signing_keys where id = $1', [key.id]);
    expect(Object.keys(row ?? {}).sort()).toEqual(
      [
        'created_at',
        'deactivated_at',
        'fingerprint',
        'id',
        'org_id',
        'private_key_last8',
        'public_key_pem',
        'source',
      ].sort(),
    );
    expect(row).toMatchObject({
      private_key_last8: key.last8,
      source: 'generated',
      fingerprint: key.fingerprint,
    });
    const body = pemBody(privateKey);
    const stored = await storedKeyText();
    // No run of the private key's text longer than its last 8 characters is in the database.
    for (let i = 0; i + 16 <= body.length; i += 8) expect(stored).not.toContain(body.slice(i, i + 16));
    expect(stored).not.toContain('PRIVATE KEY');

    // Signing in with it works; neither the private key nor the JWT ever reaches the log.
    const org = await server.api('GET', '/api/organization');
    const jwt = await signEmbeddedJwt(privateKey, embeddedClaims(org.body.id, 'log-cust', 'log-user'));
    expect((await server.api('GET', '/api/customer-users/me', { token: jwt })).status).toBe(200);
    const bad = await server.api('POST', '/api/signing-keys/import', { body: { publicKey: privateKey } });
    expect(bad.status).toBe(400);
    const log = logLines.join('');
    expect(log).toContain('request answered');
    for (let i = 0; i + 16 <= body.length; i += 8) expect(log).not.toContain(body.slice(i, i + 16));
    expect(log).not.toContain(jwt.split('.')[2]);
  });

  it('generates 4096-bit keys by default', async () => {
    const answer = await server.api('POST', '/api/signing-keys', { body: {} });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.key.bits).toBe(4096);
    expect(createPublicKey(answer.body.privateKey).asymmetricKeyDetails?.modulusLength).toBe(4096);
    expect((await server.api('POST', '/api/signing-keys', { body: { bits: 1024 } })).status).toBe(400);
  });

  it('imports an openssl-style public key (SPKI or PKCS#1 PEM); the same key twice is a 409', async () => {
    const pair = localKeyPair(3072);
    const answer = await server.api('POST', '/api/signing-keys/import', {
      body: { publicKey: pair.publicKeyPem },
    });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body).toMatchObject({
      source: 'imported',
      last8: null,
      bits: 3072,
      publicKey: pair.publicKeyPem,
    });

    const pkcs1 = createPublicKey(pair.publicKeyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PUBLIC KEY');
    const again = await server.api('POST', '/api/signing-keys/import', { body: { publicKey: pkcs1 } });
    expect(again.status, again.text).toBe(409);
    expect(again.body.error.code).toBe('SIGNING_KEY_DUPLICATE');
    expect(again.body.error.details).toMatchObject({ signingKeyId: answer.body.id, deactivated: false });

    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fromPkcs1 = await server.api('POST', '/api/signing-keys/import', {
      body: { publicKey: other.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString() },
    });
    expect(fromPkcs1.status, fromPkcs1.text).toBe(201);
    expect(fromPkcs1.body.publicKey).toContain('-----BEGIN PUBLIC KEY-----');
  });

  it('refuses a private key pasted by mistake, and stores nothing of it', async () => {
    const before = await sqlQuery(server, 'select count(*)::int as n from signing_keys');
    const pair = localKeyPair();
    const pkcs1 = pair.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    for (const pasted of [pair.privateKeyPem, pkcs1, `${pair.publicKeyPem}${pair.privateKeyPem}`]) {
      const answer = await server.api('POST', '/api/signing-keys/import', { body: { publicKey: pasted } });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.error.code).toBe('SIGNING_KEY_PRIVATE_KEY_REFUSED');
      expect(answer.body.error.message).toMatch(/Never upload a private key/i);
      expect(answer.text).not.toContain(pemBody(pair.privateKeyPem).slice(20, 60));
    }
    expect(await sqlQuery(server, 'select count(*)::int as n from signing_keys')).toEqual(before);
    const stored = await storedKeyText();
    expect(stored).not.toContain(pemBody(pair.privateKeyPem).slice(100, 140));
    expect(logLines.join('')).not.toContain(pemBody(pair.privateKeyPem).slice(100, 140));
  });

  it('refuses what is not an RSA public key of at least 2048 bits', async () => {
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const tooSmall = await server.api('POST', '/api/signing-keys/import', {
      body: { publicKey: small.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    expect(tooSmall.status).toBe(400);
    expect(tooSmall.body.error).toMatchObject({
      code: 'SIGNING_KEY_TOO_SMALL',
      details: { bits: 1024, minimumBits: 2048 },
    });

    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const notRsa = await server.api('POST', '/api/signing-keys/import', {
      body: { publicKey: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    expect(notRsa.status).toBe(400);
    expect(notRsa.body.error.code).toBe('SIGNING_KEY_INVALID');
    expect(notRsa.body.error.message).toContain('RS256');

    for (const publicKey of [
      'ssh-rsa AAAAB3NzaC1yc2E user@host',
      '-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n',
    ]) {
      const answer = await server.api('POST', '/api/signing-keys/import', { body: { publicKey } });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.error.code).toBe('SIGNING_KEY_INVALID');
    }
  });

  it('lists keys and deactivates them (idempotently); unknown ids are 404', async () => {
    const created = await server.api('POST', '/api/signing-keys', { body: { bits: 2048 } });
    const id = created.body.key.id as string;
    const list = await server.api('GET', '/api/signing-keys');
    expect(list.status).toBe(200);
    const listed = list.body.items.find((item: { id: string }) => item.id === id);
    expect(listed).toEqual({ ...created.body.key });
    expect(listed).not.toHaveProperty('privateKey');
    for (const item of list.body.items) {
      expect(Object.keys(item).sort()).toEqual(
        ['bits', 'createdAt', 'deactivatedAt', 'fingerprint', 'id', 'last8', 'publicKey', 'source'].sort(),
      );
    }

    const deactivated = await server.api('POST', `/api/signing-keys/${id}/deactivate`);
    expect(deactivated.status).toBe(200);
    expect(deactivated.body.deactivatedAt).toEqual(expect.any(String));
    const twice = await server.api('POST', `/api/signing-keys/${id}/deactivate`);
    expect(twice.body.deactivatedAt).toBe(deactivated.body.deactivatedAt);

    const active = await server.api('GET', '/api/signing-keys?includeInactive=false');
    expect(active.body.items.map((item: { id: string }) => item.id)).not.toContain(id);
    expect(
      active.body.items.every((item: { deactivatedAt: string | null }) => item.deactivatedAt === null),
    ).toBe(true);

    for (const unknown of ['6f1c1b8e-3a52-4c51-9a8e-2d3c4b5a6f70', 'nope']) {
      const answer = await server.api('POST', `/api/signing-keys/${unknown}/deactivate`);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('SIGNING_KEY_NOT_FOUND');
    }
  });

  it('only owners and admins may read or change signing keys', async () => {
    const admin = await tokenWithRole(server, 'admin');
    expect((await server.api('GET', '/api/signing-keys', { token: admin })).status).toBe(200);
    for (const role of ['integrator', 'support', 'viewer']) {
      const token = await tokenWithRole(server, role);
      for (const [method, path] of [
        ['GET', '/api/signing-keys'],
        ['POST', '/api/signing-keys'],
        ['POST', '/api/signing-keys/import'],
      ] as const) {
        const answer = await server.api(method, path, { token, ...(method === 'POST' ? { body: {} } : {}) });
        expect(answer.status, `${role} ${method} ${path}`).toBe(403);
        expect(answer.body.error.code).toBe('AUTH_FORBIDDEN');
      }
    }
  });
});

describe('the organization', () => {
  it('GET /api/organization answers its id (the JWT organization claim) and name; owners rename it', async () => {
    const [org] = await sqlQuery<{ id: string; name: string }>(server, 'select id, name from organizations');
    const answer = await server.api('GET', '/api/organization');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ id: org?.id, name: org?.name, createdAt: expect.any(String) });
    expect(answer.body.activeSigningKeys).toBeGreaterThan(0);

    const viewer = await tokenWithRole(server, 'viewer');
    expect((await server.api('GET', '/api/organization', { token: viewer })).body.id).toBe(org?.id);
    const admin = await tokenWithRole(server, 'admin');
    const refused = await server.api('PATCH', '/api/organization', { token: admin, body: { name: 'Nope' } });
    expect(refused.status).toBe(403);

    const renamed = await server.api('PATCH', '/api/organization', { body: { name: '  Initech  ' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(renamed.body.name).toBe('Initech');
    expect((await server.api('PATCH', '/api/organization', { body: { name: ' ' } })).status).toBe(400);
  });
});
