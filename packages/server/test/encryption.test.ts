// Encryption at rest against real servers: credentials are stored sealed (AES-256-GCM envelopes under a data key
// wrapped by the master key) and answered masked; the start-up self-test refuses a wrong or missing key without
// changing anything; the key file generated on a first start without WEFT_ENCRYPTION_KEY; invalid key text; a
// tampered ciphertext makes one connection unusable (clearly) and nothing else; data key and master key rotation,
// with API reads and writes going on while a rotation runs.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { storeToken } from '../src/connections/connection-store.js';
import { isWeftError, loadConfig, type WeftError } from '../src/index.js';
import { masterKeyId, parseKeyText } from '../src/secrets/master-key.js';
import { sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { instanceOf, sleep, testRun, waitForExecution, webhookTrigger } from './support/worker-fixtures.js';

const keyA = crypto.randomBytes(32).toString('base64');
const keyB = crypto.randomBytes(32).toString('hex');
const idOf = (text: string) => masterKeyId(parseKeyText(text) as Buffer);

/** Distinctive secrets: found in no other text, so "not in the column / answer" means something. */
const instanceSecret = `inst-${crypto.randomBytes(12).toString('hex')}`;
const sharedSecret = `shared-${crypto.randomBytes(12).toString('hex')}`;
const customerSecret = `cust-${crypto.randomBytes(12).toString('hex')}`;

let scratch: string;
let echo: Echo;
/** Every server a test started; stopped after each test (a test restarts one on the same database). */
const running = new Set<TestServer>();

/** A local API the flows and connection tests call: remembers the credential sent (Authorization or X-Api-Key) per path. */
interface Echo {
  url: string;
  credential: Map<string, string | undefined>;
  close(): Promise<void>;
}

async function startEcho(): Promise<Echo> {
  const credential = new Map<string, string | undefined>();
  const server = http.createServer((request, response) => {
    const sent = request.headers.authorization ?? request.headers['x-api-key'];
    credential.set(
      new URL(request.url ?? '/', 'http://echo').pathname,
      Array.isArray(sent) ? sent.join() : sent,
    );
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    credential,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-encryption-'));
  echo = await startEcho();
});

afterEach(async () => {
  await stopAll();
});

afterAll(async () => {
  await stopAll();
  await echo?.close();
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

async function stopAll(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
  running.clear();
}

/** The settings every start of one database shares: its URL, the owner token, a data directory of its own. */
interface Site {
  databaseUrl: string | undefined;
  adminToken: string;
  dataDir: string;
}

async function newSite(): Promise<Site> {
  return {
    databaseUrl: undefined,
    adminToken: crypto.randomBytes(24).toString('hex'),
    dataDir: await fs.mkdtemp(path.join(scratch, 'data-')),
  };
}

/** Starts Weft for `site` with `keys` (WEFT_ENCRYPTION_KEY and friends; '' unsets the test run's key). */
async function start(site: Site, keys: Record<string, string>): Promise<TestServer> {
  const server = await startTestServer({
    WEFT_ADMIN_TOKEN: site.adminToken,
    WEFT_DATA_DIR: site.dataDir,
    ...keys,
    ...(site.databaseUrl ? { DATABASE_URL: site.databaseUrl } : {}),
  });
  site.databaseUrl = server.databaseUrl;
  running.add(server);
  return server;
}

async function restart(server: TestServer, site: Site, keys: Record<string, string>): Promise<TestServer> {
  await stop(server);
  return start(site, keys);
}

async function stop(server: TestServer): Promise<void> {
  running.delete(server);
  await server.stop();
}

/** Starts Weft for `site` expecting the start to fail; answers the WeftError. */
async function refusedStart(site: Site, keys: Record<string, string>): Promise<WeftError> {
  const error = await start(site, keys).then(
    (server) => {
      throw new Error(`Weft started at ${server.url}, expected it to refuse`);
    },
    (error: unknown) => error,
  );
  expect(isWeftError(error), String(error)).toBe(true);
  return error as WeftError;
}

function definition(): string {
  const call = (name: string, pathName: string, configVar: string) => `      - name: ${name}
        action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
        inputs:
          url: {type: value, value: "${echo.url}/${pathName}"}
          connection: {type: configVar, value: ${configVar}}
`;
  return `definitionVersion: 7
name: Encrypted Calls
description: Calls an API with stored credentials
endpointType: flow_specific
requiredConfigVars:
  - key: API Connection
    stableKey: api-connection
    dataType: connection
    connection:
      key: apiKey
      component: {key: http, version: LATEST, isPublic: true}
    orgOnly: false
  - key: Shared Connection
    stableKey: shared-connection
    useScopedConfigVar: shared-api
    orgOnly: false
configPages:
  - name: Settings
    userLevelConfigured: false
    elements:
      - {type: configVar, value: API Connection}
      - {type: configVar, value: Shared Connection}
flows:
  - name: Call APIs
    stableKey: call-apis
    description: Calls the API with each connection
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}${call('Call Instance API', 'instance', 'API Connection')}${call('Call Shared API', 'shared', 'Shared Connection')}`;
}

interface Seeded {
  instanceId: string;
  customerId: string;
}

/**
 * An instance whose flow calls the echo API with its own connection (`API Connection`, sealed on the instance) and
 * the organization's global one (`shared-api`); plus a per-customer connection holding one customer's credentials.
 */
async function seed(server: TestServer): Promise<Seeded> {
  const imported = await server.api('POST', '/api/integrations/import', {
    body: { definition: definition() },
  });
  expect(imported.status, imported.text).toBe(201);
  const published = await server.api('POST', `/api/integrations/${imported.body.id}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const customer = await server.api('POST', '/api/customers', { body: { name: 'Acme', externalId: 'acme' } });
  expect(customer.status, customer.text).toBe(201);
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId: customer.body.id, integrationId: imported.body.id, name: 'Acme calls' },
  });
  expect(instance.status, instance.text).toBe(201);
  const configured = await server.api('PUT', `/api/instances/${instance.body.id}/config`, {
    body: { values: { 'API Connection': { apiKey: instanceSecret } } },
  });
  expect(configured.status, configured.text).toBe(200);
  const shared = await server.api('POST', '/api/connections', {
    body: {
      stableKey: 'shared-api',
      kind: 'org_global',
      name: 'Shared API',
      component: 'http',
      connection: 'apiKey',
      values: { apiKey: sharedSecret, headerName: 'X-Api-Key' },
    },
  });
  expect(shared.status, shared.text).toBe(201);
  const perCustomer = await server.api('POST', '/api/connections', {
    body: {
      stableKey: 'per-customer',
      kind: 'org_customer',
      name: 'Per customer',
      component: 'http',
      connection: 'bearerToken',
    },
  });
  expect(perCustomer.status, perCustomer.text).toBe(201);
  const set = await server.api('PUT', '/api/connections/per-customer/customers/acme', {
    body: { values: { token: customerSecret } },
  });
  expect(set.status, set.text).toBe(200);
  return { instanceId: instance.body.id, customerId: customer.body.id };
}

/** Runs the flow; answers the execution once finished. */
async function runFlow(server: TestServer, instanceId: string) {
  echo.credential.clear();
  return waitForExecution(server, await testRun(server, instanceId, 'Call APIs'), { timeoutMs: 30_000 });
}

/** Runs the flow and expects both calls made with the stored secrets. */
async function expectFlowUsesSecrets(server: TestServer, instanceId: string): Promise<void> {
  const execution = await runFlow(server, instanceId);
  expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
  expect(echo.credential.get('/instance')).toBe(`Bearer ${instanceSecret}`);
  expect(echo.credential.get('/shared')).toContain(sharedSecret);
}

/** The connection test with an authenticated GET of the echo API: proves the values open and are the right ones. */
async function expectTestOpens(
  server: TestServer,
  route: string,
  body: Record<string, unknown>,
  secret: string,
) {
  const pathName = `/test-${crypto.randomBytes(4).toString('hex')}`;
  const answer = await server.api('POST', route, { body: { ...body, url: `${echo.url}${pathName}` } });
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.ok, answer.text).toBe(true);
  expect(echo.credential.get(pathName)).toContain(secret);
}

async function expectAllOpen(server: TestServer, instanceId: string): Promise<void> {
  await expectTestOpens(
    server,
    `/api/instances/${instanceId}/connections/${encodeURIComponent('API Connection')}/test`,
    {},
    `Bearer ${instanceSecret}`,
  );
  await expectTestOpens(server, '/api/connections/shared-api/test', {}, sharedSecret);
  await expectTestOpens(server, '/api/connections/per-customer/test', { customer: 'acme' }, customerSecret);
  const shared = await server.api('GET', '/api/connections/shared-api');
  expect(shared.body.credentials.fields).toMatchObject({ apiKey: '********', headerName: 'X-Api-Key' });
}

type SealedRow = { id: string; fields_secret: string; token_secret: string | null };

/** Every sealed value in the database (the columns secret-columns.ts lists that hold them). */
async function sealedValues(server: TestServer): Promise<string[]> {
  const rows = await sqlQuery<SealedRow>(server, 'select id, fields_secret, token_secret from connections');
  const verifiers = await sqlQuery<{ code_verifier_secret: string }>(
    server,
    'select code_verifier_secret from oauth_authorizations where code_verifier_secret is not null',
  );
  return [
    ...rows.flatMap((row) => [row.fields_secret, ...(row.token_secret ? [row.token_secret] : [])]),
    ...verifiers.map((row) => row.code_verifier_secret),
  ];
}

async function dataKeys(server: TestServer) {
  return sqlQuery<{ id: string; wrapped_key: string; master_key_id: string; state: string }>(
    server,
    'select id, wrapped_key, master_key_id, state from encryption_keys order by created_at, id',
  );
}

/** One base64url character of the ciphertext part changed: the value no longer authenticates. */
function tampered(envelope: string): string {
  const parts = envelope.split('.');
  const ciphertext = parts[4] as string;
  parts[4] = `${ciphertext[0] === 'A' ? 'B' : 'A'}${ciphertext.slice(1)}`;
  return parts.join('.');
}

describe('credentials at rest', () => {
  let site: Site;
  let server: TestServer;
  let seeded: Seeded;

  beforeAll(async () => {
    site = await newSite();
    server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    running.delete(server); // shared by this block's tests: stopped after them, not after each
    seeded = await seed(server);
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('stores every input value sealed under the active data key, never in plain text; answers them masked', async () => {
    const [active] = await dataKeys(server);
    expect(active).toMatchObject({ state: 'active', master_key_id: idOf(keyA) });
    const rows = await sqlQuery<Record<string, unknown>>(server, 'select * from connections');
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.fields_secret).toMatch(
        new RegExp(`^v1\\.${active!.id}\\.[\\w-]{16}\\.[\\w-]{22}\\.[\\w-]+$`),
      );
    }
    const everything = JSON.stringify(
      await sqlQuery(
        server,
        'select row_to_json(c)::text as row from connections c union all select config_values::text from instances',
      ),
    );
    for (const secret of [instanceSecret, sharedSecret, customerSecret]) {
      expect(everything).not.toContain(secret);
      expect(everything).not.toContain(Buffer.from(secret).toString('base64'));
    }

    const answers = [
      await server.api('GET', '/api/connections'),
      await server.api('GET', '/api/connections/shared-api'),
      await server.api('GET', '/api/connections/per-customer/customers'),
      await server.api('GET', `/api/instances/${seeded.instanceId}/connections`),
      await server.api('GET', `/api/instances/${seeded.instanceId}`),
    ];
    for (const answer of answers) {
      expect(answer.status, answer.text).toBe(200);
      for (const secret of [instanceSecret, sharedSecret, customerSecret])
        expect(answer.text).not.toContain(secret);
    }
    expect(answers[1]!.body.credentials.fields).toEqual({
      apiKey: '********',
      location: 'header',
      headerName: 'X-Api-Key',
      queryParamName: 'api_key',
    });
    expect(answers[2]!.body.items).toEqual([
      expect.objectContaining({
        customer: expect.objectContaining({ externalId: 'acme' }),
        credentials: expect.objectContaining({ fields: { token: '********' } }),
      }),
    ]);
    const [instanceConnection] = answers[3]!.body.items;
    expect(instanceConnection).toMatchObject({
      configVar: 'API Connection',
      source: 'instance',
      connection: { status: 'configured', fields: { apiKey: '********', headerName: 'Authorization' } },
    });

    // They open where they are used: the flow sends them.
    await expectFlowUsesSecrets(server, seeded.instanceId);
    await expectAllOpen(server, seeded.instanceId);
  });

  it('a tampered or moved ciphertext makes that connection unusable, says so, and breaks nothing else', async () => {
    const [instanceRow] = await sqlQuery<SealedRow>(
      server,
      'select id, fields_secret from connections where instance_id = $1',
      [seeded.instanceId],
    );
    await sqlQuery(server, 'update connections set fields_secret = $2 where id = $1', [
      instanceRow!.id,
      tampered(instanceRow!.fields_secret),
    ]);

    // Shown without its values (nothing crashes, nothing is guessed).
    const listed = await server.api('GET', `/api/instances/${seeded.instanceId}/connections`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body.items[0].connection).toMatchObject({ id: instanceRow!.id, fields: {} });

    // The test endpoint reports it.
    const tested = await server.api(
      'POST',
      `/api/instances/${seeded.instanceId}/connections/${encodeURIComponent('API Connection')}/test`,
      { body: {} },
    );
    expect(tested.status, tested.text).toBe(200);
    expect(tested.body).toMatchObject({ ok: false, checks: [{ check: 'inputs', ok: false }] });
    expect(tested.body.checks[0].message).toMatch(
      /could not be decrypted: the encrypted value does not authenticate/,
    );

    // A flow using it fails before its first step, saying why.
    const execution = await runFlow(server, seeded.instanceId);
    expect(execution.status).toBe('failed');
    expect(execution.error.code).toBe('CONNECTION_UNAVAILABLE');
    expect(execution.error.message).toMatch(/^connection 'API Connection': .*could not be decrypted/);
    expect(echo.credential.size).toBe(0);

    // The others still work.
    await expectTestOpens(server, '/api/connections/shared-api/test', {}, sharedSecret);
    expect((await server.api('GET', '/api/connections')).status).toBe(200);

    // A ciphertext copied from another row does not open either (it is bound to its row).
    const [sharedRow] = await sqlQuery<SealedRow>(
      server,
      'select c.id, c.fields_secret from connections c join scoped_connections s on s.id = c.scoped_connection_id where s.stable_key = $1',
      ['shared-api'],
    );
    await sqlQuery(server, 'update connections set fields_secret = $2 where id = $1', [
      instanceRow!.id,
      sharedRow!.fields_secret,
    ]);
    const moved = await server.api(
      'POST',
      `/api/instances/${seeded.instanceId}/connections/${encodeURIComponent('API Connection')}/test`,
      { body: {} },
    );
    expect(moved.body.ok).toBe(false);
    expect(moved.body.checks[0].message).toMatch(/could not be decrypted/);

    // Entering the credential again repairs it.
    const reentered = await server.api('PUT', `/api/instances/${seeded.instanceId}/config`, {
      body: { values: { 'API Connection': { apiKey: instanceSecret } } },
    });
    expect(reentered.status, reentered.text).toBe(200);
    await expectFlowUsesSecrets(server, seeded.instanceId);
  });
});

describe('the start-up self-test', () => {
  it('refuses a different master key, naming both key ids, and changes nothing; the right key starts', async () => {
    const site = await newSite();
    let server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    const seeded = await seed(server);
    await stop(server);
    const before = await dataKeys(server);
    const valuesBefore = await sealedValues(server);

    const refused = await refusedStart(site, { WEFT_ENCRYPTION_KEY: keyB });
    expect(refused.code).toBe('ENCRYPTION_KEY_MISMATCH');
    expect(refused.message).toContain(idOf(keyA));
    expect(refused.message).toContain(idOf(keyB));
    expect(refused.message).toMatch(/nothing was changed/);
    expect(refused.message).not.toContain(keyA);
    expect(refused.message).not.toContain(keyB);
    expect(refused.details).toMatchObject({
      expectedMasterKeyId: idOf(keyA),
      configuredMasterKeyIds: [idOf(keyB)],
    });
    expect(await dataKeys(server)).toEqual(before);
    expect(await sealedValues(server)).toEqual(valuesBefore);

    // Also with the wrong key as a "previous" one.
    const alsoRefused = await refusedStart(site, {
      WEFT_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      WEFT_ENCRYPTION_PREVIOUS_KEYS: keyB,
    });
    expect(alsoRefused.code).toBe('ENCRYPTION_KEY_MISMATCH');
    expect(await dataKeys(server)).toEqual(before);

    server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    await expectAllOpen(server, seeded.instanceId);
    await expectFlowUsesSecrets(server, seeded.instanceId);

    // An altered wrapped data key is named as such.
    await stop(server);
    const [key] = before;
    await sqlQuery(server, 'update encryption_keys set wrapped_key = $2 where id = $1', [
      key!.id,
      tampered(key!.wrapped_key),
    ]);
    const altered = await refusedStart(site, { WEFT_ENCRYPTION_KEY: keyA });
    expect(altered.code).toBe('ENCRYPTION_KEY_MISMATCH');
    expect(altered.message).toMatch(new RegExp(`Data key ${key!.id} does not unwrap .* altered`));
    await sqlQuery(server, 'update encryption_keys set wrapped_key = $2 where id = $1', [
      key!.id,
      key!.wrapped_key,
    ]);
    server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    await expectAllOpen(server, seeded.instanceId);
  });

  it('without a key, generates <dataDir>/encryption.key (0600) on a fresh database and reuses it after', async () => {
    const site = await newSite();
    const file = path.join(site.dataDir, 'encryption.key');
    let server = await start(site, { WEFT_ENCRYPTION_KEY: '' });
    const stat = await fs.stat(file);
    expect((stat.mode & 0o777).toString(8)).toBe('600');
    const text = (await fs.readFile(file, 'utf8')).trim();
    expect(parseKeyText(text)).toBeDefined();
    const keys = await server.api('GET', '/api/encryption-keys');
    expect(keys.body).toMatchObject({ masterKeyId: idOf(text), masterKeySource: 'file' });
    const seeded = await seed(server);

    server = await restart(server, site, { WEFT_ENCRYPTION_KEY: '' });
    expect((await fs.readFile(file, 'utf8')).trim()).toBe(text);
    expect((await server.api('GET', '/api/encryption-keys')).body.masterKeyId).toBe(idOf(text));
    await expectAllOpen(server, seeded.instanceId);

    // The same key given in WEFT_ENCRYPTION_KEY works as well (moving the key out of the data directory).
    server = await restart(server, site, { WEFT_ENCRYPTION_KEY: text });
    expect((await server.api('GET', '/api/encryption-keys')).body).toMatchObject({
      masterKeyId: idOf(text),
      masterKeySource: 'environment',
    });
    await expectAllOpen(server, seeded.instanceId);
  });

  it('refuses a database with encrypted data when no key is set and there is no key file, and creates none', async () => {
    const site = await newSite();
    const server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    await seed(server);
    await stop(server);
    const before = await dataKeys(server);

    const emptyDir = await fs.mkdtemp(path.join(scratch, 'empty-'));
    const refused = await refusedStart({ ...site, dataDir: emptyDir }, { WEFT_ENCRYPTION_KEY: '' });
    expect(refused.code).toBe('ENCRYPTION_KEY_MISMATCH');
    expect(refused.message).toContain('WEFT_ENCRYPTION_KEY is not set');
    expect(refused.message).toContain(path.join(emptyDir, 'encryption.key'));
    expect(await fs.readdir(emptyDir)).toEqual([]);
    expect(await dataKeys(server)).toEqual(before);
  });

  it('refuses key text that is not a 32-byte key as CONFIG_INVALID, naming the setting, never the value', async () => {
    const bad = ['not-a-real-key-but-a-passphrase-hunter2', 'c2hvcnQ=', 'z'.repeat(64)];
    for (const text of bad) {
      let error: unknown;
      try {
        loadConfig({ WEFT_ENCRYPTION_KEY: text, DATABASE_URL: 'postgres://localhost/weft' });
      } catch (caught) {
        error = caught;
      }
      expect(isWeftError(error), String(error)).toBe(true);
      const weftError = error as WeftError;
      expect(weftError.code).toBe('CONFIG_INVALID');
      expect(weftError.details.problems).toEqual([
        expect.stringMatching(/^WEFT_ENCRYPTION_KEY: not a 32-byte key/),
      ]);
      const everything = `${weftError.message} ${JSON.stringify(weftError.details)} ${weftError.hint}`;
      expect(everything).not.toContain(text);
    }

    const previous = await refusedStart(await newSite(), {
      WEFT_ENCRYPTION_KEY: keyA,
      WEFT_ENCRYPTION_PREVIOUS_KEYS: `${keyB},oops-not-a-key-secret`,
    });
    expect(previous.code).toBe('CONFIG_INVALID');
    expect(previous.details.problems).toEqual([
      expect.stringMatching(/^WEFT_ENCRYPTION_PREVIOUS_KEYS: entry 2 is not a 32-byte key/),
    ]);
    expect(JSON.stringify(previous.details)).not.toContain('oops-not-a-key-secret');
    expect(JSON.stringify(previous.details)).not.toContain(keyB);

    // Blank means unset (the generated key file), not an invalid key.
    expect(loadConfig({ WEFT_ENCRYPTION_KEY: '  ' }).encryptionKey).toBeUndefined();
  });
});

describe('rotation', () => {
  it('re-encrypts every value under a new data key and removes the old one; only the owner may', async () => {
    const site = await newSite();
    const server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    const seeded = await seed(server);
    // Every kind of sealed value: an OAuth 2.0 connection with a token, and a pending authorization's PKCE verifier.
    const oauth = await server.api('POST', '/api/connections', {
      body: {
        stableKey: 'oauth-api',
        kind: 'org_global',
        name: 'OAuth API',
        component: 'http',
        connection: 'oauth2',
        values: {
          authorizeUrl: 'https://auth.example.test/authorize',
          tokenUrl: 'https://auth.example.test/token',
          clientId: 'weft-client',
          clientSecret: 'oauth-client-secret-value',
        },
      },
    });
    expect(oauth.status, oauth.text).toBe(201);
    const authorize = await server.api('POST', '/api/connections/oauth-api/authorize', { body: {} });
    expect(authorize.status, authorize.text).toBe(200);
    await storeToken(server.weft.database.db, server.weft.keyring, oauth.body.credentials.id, {
      access_token: 'oauth-access-token-value',
      token_type: 'Bearer',
      scope: 'orders:read',
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(await sealedValues(server)).toHaveLength(6);

    const [old] = await dataKeys(server);
    const before = await server.api('GET', '/api/encryption-keys');
    expect(before.body).toMatchObject({
      masterKeyId: idOf(keyA),
      masterKeySource: 'environment',
      items: [{ id: old!.id, state: 'active', masterKeyId: idOf(keyA), values: 6 }],
    });

    const admin = await tokenWithRole(server, 'admin');
    const viewer = await tokenWithRole(server, 'viewer');
    expect((await server.api('GET', '/api/encryption-keys', { token: admin })).status).toBe(200);
    expect((await server.api('GET', '/api/encryption-keys', { token: viewer })).status).toBe(403);
    for (const token of [admin, viewer]) {
      const refused = await server.api('POST', '/api/encryption-keys/rotate', { token });
      expect(refused.status, refused.text).toBe(403);
    }
    expect(await dataKeys(server)).toEqual([old]);

    const rotated = await server.api('POST', '/api/encryption-keys/rotate');
    expect(rotated.status, rotated.text).toBe(200);
    const report = rotated.body;
    expect(report).toEqual({
      newDataKeyId: expect.stringMatching(/^dk_[0-9a-f]{12}$/),
      masterKeyId: idOf(keyA),
      rewrappedDataKeys: 0,
      reEncryptedValues: 6,
      removedDataKeyIds: [old!.id],
      remainingDataKeyIds: [],
      unreadableValues: [],
    });
    expect(report.newDataKeyId).not.toBe(old!.id);

    const values = await sealedValues(server);
    expect(values).toHaveLength(6);
    for (const value of values) expect(value.startsWith(`v1.${report.newDataKeyId}.`), value).toBe(true);
    expect(await dataKeys(server)).toEqual([
      expect.objectContaining({ id: report.newDataKeyId, state: 'active', master_key_id: idOf(keyA) }),
    ]);
    expect((await server.api('GET', '/api/encryption-keys')).body.items).toEqual([
      expect.objectContaining({ id: report.newDataKeyId, state: 'active', values: 6 }),
    ]);

    await expectAllOpen(server, seeded.instanceId);
    // The token opens (its scope is read from it) and the authorization's verifier too (it is still valid).
    const oauthAfter = await server.api('GET', '/api/connections/oauth-api');
    expect(oauthAfter.body.credentials).toMatchObject({
      status: 'connected',
      fields: { clientSecret: '********', clientId: 'weft-client' },
      token: { present: true, scope: 'orders:read', tokenType: 'Bearer' },
    });
    for (const secret of ['oauth-access-token-value', 'oauth-client-secret-value']) {
      expect(oauthAfter.text).not.toContain(secret);
    }
    const [verifier] = await sqlQuery<{ code_verifier_secret: string; state_hash: Buffer }>(
      server,
      'select code_verifier_secret, state_hash from oauth_authorizations',
    );
    expect(
      await server.weft.keyring.open(
        verifier!.code_verifier_secret,
        `oauth_authorizations.code_verifier_secret:${verifier!.state_hash.toString('hex')}`,
      ),
    ).toEqual(expect.any(String));
    await expectFlowUsesSecrets(server, seeded.instanceId);
    // New values are sealed under the new key too.
    const updated = await server.api('PATCH', '/api/connections/shared-api', {
      body: { values: { prefix: 'Key' } },
    });
    expect(updated.status, updated.text).toBe(200);
    const [sharedRow] = await sqlQuery<SealedRow>(
      server,
      'select c.fields_secret from connections c join scoped_connections s on s.id = c.scoped_connection_id where s.stable_key = $1',
      ['shared-api'],
    );
    expect(sharedRow!.fields_secret.startsWith(`v1.${report.newDataKeyId}.`)).toBe(true);
  });

  it('runs without downtime: reads and writes go on while it runs, and another process needs no restart', async () => {
    const site = await newSite();
    const server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    const seeded = await seed(server);
    // A second process on the same database (API only), started before the rotation.
    const other = await start(site, { WEFT_ENCRYPTION_KEY: keyA, WEFT_ROLES: 'api' });

    const statuses: number[] = [];
    let rotating = true;
    let lastToken = customerSecret;
    const traffic = (async () => {
      let round = 0;
      while (rotating) {
        round += 1;
        const token = `rotating-${round}-${crypto.randomBytes(6).toString('hex')}`;
        const answers = await Promise.all([
          server.api('GET', '/api/connections'),
          server.api('GET', '/api/connections/shared-api'),
          server.api('GET', `/api/instances/${seeded.instanceId}/connections`),
          other.api('GET', '/api/connections/per-customer/customers'),
          server.api('POST', '/api/connections/shared-api/test', { body: {} }),
          server.api('PUT', '/api/connections/per-customer/customers/acme', { body: { values: { token } } }),
        ]);
        for (const answer of answers) {
          statuses.push(answer.status);
          if (answer.status !== 200)
            throw new Error(`answered ${answer.status} during the rotation: ${answer.text}`);
        }
        expect(answers[1]!.body.credentials.fields.apiKey).toBe('********');
        expect(answers[4]!.body.ok, answers[4]!.text).toBe(true);
        lastToken = token;
        await sleep(10);
      }
    })();
    const started = Date.now();
    const rotation = server.api('POST', '/api/encryption-keys/rotate');
    const rotated = await rotation.finally(() => {
      rotating = false;
    });
    await traffic;
    expect(rotated.status, rotated.text).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // it waits out racing writers
    expect(statuses.length).toBeGreaterThanOrEqual(12);
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(rotated.body.remainingDataKeyIds).toEqual([]);
    for (const value of await sealedValues(server)) {
      expect(value.startsWith(`v1.${rotated.body.newDataKeyId}.`), value).toBe(true);
    }

    // The last write during the rotation is the one stored; both processes open every value.
    for (const weft of [server, other]) {
      await expectTestOpens(weft, '/api/connections/per-customer/test', { customer: 'acme' }, lastToken);
      await expectTestOpens(
        weft,
        `/api/instances/${seeded.instanceId}/connections/${encodeURIComponent('API Connection')}/test`,
        {},
        `Bearer ${instanceSecret}`,
      );
    }
    // A write on the other process seals under the new key at once.
    const written = await other.api('PATCH', '/api/connections/shared-api', {
      body: { values: { prefix: 'Token' } },
    });
    expect(written.status, written.text).toBe(200);
    for (const value of await sealedValues(server)) {
      expect(value.startsWith(`v1.${rotated.body.newDataKeyId}.`), value).toBe(true);
    }
    await expectFlowUsesSecrets(server, seeded.instanceId);
  });

  it('moves to a new master key: the old one as a previous key until a rotation rewraps everything', async () => {
    const site = await newSite();
    let server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    const seeded = await seed(server);
    const [old] = await dataKeys(server);
    await stop(server);

    // The new key alone cannot read what the old one wrapped.
    const refused = await refusedStart(site, { WEFT_ENCRYPTION_KEY: keyB });
    expect(refused.code).toBe('ENCRYPTION_KEY_MISMATCH');

    server = await start(site, { WEFT_ENCRYPTION_KEY: keyB, WEFT_ENCRYPTION_PREVIOUS_KEYS: keyA });
    expect((await server.api('GET', '/api/encryption-keys')).body).toMatchObject({
      masterKeyId: idOf(keyB),
      items: [{ id: old!.id, masterKeyId: idOf(keyA), values: 3 }],
    });
    await expectAllOpen(server, seeded.instanceId);

    const rotated = await server.api('POST', '/api/encryption-keys/rotate');
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body).toMatchObject({
      masterKeyId: idOf(keyB),
      rewrappedDataKeys: 1,
      reEncryptedValues: 3,
      removedDataKeyIds: [old!.id],
      remainingDataKeyIds: [],
      unreadableValues: [],
    });
    expect(await dataKeys(server)).toEqual([
      expect.objectContaining({ id: rotated.body.newDataKeyId, master_key_id: idOf(keyB), state: 'active' }),
    ]);

    // The old master key is no longer needed...
    server = await restart(server, site, { WEFT_ENCRYPTION_KEY: keyB });
    await expectAllOpen(server, seeded.instanceId);
    await expectFlowUsesSecrets(server, seeded.instanceId);
    await stop(server);

    // ...and no longer enough.
    const oldOnly = await refusedStart(site, { WEFT_ENCRYPTION_KEY: keyA });
    expect(oldOnly.code).toBe('ENCRYPTION_KEY_MISMATCH');
    expect(oldOnly.message).toContain(idOf(keyB));
    expect(oldOnly.message).toContain(idOf(keyA));
  });

  // Instance webhook API keys are not sealed (docs/connections.md): a rotation must leave them as they are.
  it('rotates with deployed instances whose webhooks need API keys; the keys keep working', async () => {
    const site = await newSite();
    const server = await start(site, { WEFT_ENCRYPTION_KEY: keyA });
    const instanceId = await instanceOf(
      server,
      `definitionVersion: 7
name: Secured Hooks
description: A webhook that needs an API key
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Secured
    stableKey: secured
    description: Needs an API key
    isSynchronous: false
    endpointSecurityType: customer_required
    steps:
${webhookTrigger}`,
    );
    const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(deployed.status, deployed.text).toBe(200);
    const [flow] = (await server.api('GET', `/api/instances/${instanceId}/flows`)).body.flows;
    expect(flow.apiKeys).toHaveLength(1);

    const rotated = await server.api('POST', '/api/encryption-keys/rotate');
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body.remainingDataKeyIds).toEqual([]);
    expect((await server.api('GET', `/api/instances/${instanceId}/flows`)).body.flows[0].apiKeys).toEqual(
      flow.apiKeys,
    );
    const [stored] = await sqlQuery<{ api_keys: string[] }>(
      server,
      'select api_keys from instances where id = $1',
      [instanceId],
    );
    for (const value of stored!.api_keys) {
      // Sealed, if at all, under the new key.
      if (value.startsWith('v1.')) expect(value.startsWith(`v1.${rotated.body.newDataKeyId}.`)).toBe(true);
    }
    const call = (headers: Record<string, string>) => fetch(flow.webhookUrl, { method: 'POST', headers });
    expect((await call({ 'api-key': flow.apiKeys[0] })).status).toBeLessThan(300);
    expect((await call({})).status).toBe(401);
  });
});
