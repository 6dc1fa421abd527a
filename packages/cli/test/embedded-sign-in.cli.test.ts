// Issue 16: the CLI of embedded sign-in: `weft organization:get` (the JWT's organization claim),
// `weft signing-keys:generate|import|list|deactivate`, and `weft customers:users:*` against a running server.
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedClaims, signEmbeddedJwt } from '../../server/test/support/embedded-jwt.js';
import { sqlQuery } from '../../server/test/support/integration-fixtures.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

let server: TestServer;
let scratch: string;

beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-cli-embedded-'));
});
afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
  await fs.rm(scratch, { recursive: true, force: true });
});

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

function weftAsOwner(...args: string[]): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], { env: cleanEnv() });
}

function succeeded(result: RunResult, stderr: string | RegExp = ''): string {
  expect(result.code, `weft failed:\n${result.stderr}`).toBe(0);
  if (typeof stderr === 'string') expect(result.stderr).toBe(stderr);
  else expect(result.stderr).toMatch(stderr);
  return result.stdout;
}

describe('weft organization:get', () => {
  it('answers {id, name, ...}: the id is the organization claim', async () => {
    const [org] = await sqlQuery<{ id: string; name: string }>(server, 'select id, name from organizations');
    const json = JSON.parse(succeeded(await weftAsOwner('organization:get', '--json')));
    expect(json).toMatchObject({ id: org?.id, name: org?.name, createdAt: expect.any(String) });
    const text = succeeded(await weftAsOwner('organization:get'));
    expect(text).toMatch(new RegExp(`^id\\s+${org?.id}$`, 'm'));
    expect(text).toMatch(/^active signing keys\s+\d+$/m);
  });
});

describe('weft organization:embedding', () => {
  it('shows and sets the origins that may embed the pages and their theme; refuses bad input with the field', async () => {
    const set = JSON.parse(
      succeeded(
        await weftAsOwner(
          'organization:embedding',
          '--allow-origin',
          'https://app.northwind.example',
          '--allow-origin',
          'http://127.0.0.1:3400',
          '--theme',
          '{"primary":"#0f766e","mode":"dark"}',
          '--json',
        ),
      ),
    );
    expect(set).toMatchObject({
      allowedOrigins: ['https://app.northwind.example', 'http://127.0.0.1:3400'],
      theme: { primary: '#0f766e', mode: 'dark' },
    });
    const shown = succeeded(await weftAsOwner('organization:embedding'));
    expect(shown).toMatch(
      /^allowed origins\s+https:\/\/app\.northwind\.example, http:\/\/127\.0\.0\.1:3400$/m,
    );

    const badOrigin = await weftAsOwner(
      'organization:embedding',
      '--allow-origin',
      'https://app.example/path',
    );
    expect(badOrigin.code).toBe(1);
    expect(badOrigin.stderr).toMatch(
      /API_VALIDATION_FAILED.*'allowedOrigins\.0' is not valid.*it must be an origin/,
    );
    const badTheme = await weftAsOwner('organization:embedding', '--theme', '{primary:');
    expect(badTheme.code).toBe(2);
    expect(badTheme.stderr).toMatch(/--theme is not JSON/);

    const cleared = JSON.parse(
      succeeded(await weftAsOwner('organization:embedding', '--no-origins', '--json')),
    );
    expect(cleared.allowedOrigins).toEqual([]);
  });
});

describe('weft signing-keys:*', () => {
  it('generate prints the private key once with a warning; a JWT signed with it signs in', async () => {
    const result = await weftAsOwner('signing-keys:generate', '--bits', '2048');
    const stdout = succeeded(result, /Store the private key now.*Weft does not keep it/);
    const id = new RegExp(
      `^Generated signing key (${uuid}) \\(RSA 2048, fingerprint [0-9a-f]{16}…, private key ending (\\S{8})\\)\\.$`,
      'm',
    ).exec(stdout);
    expect(id, stdout).not.toBeNull();
    const privateKey =
      /-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----\n/.exec(stdout)?.[0] ?? '';
    expect(stdout).toContain('Private key (shown only this once):');
    expect(privateKey.replace(/-----[A-Z ]+-----|\s/g, '').slice(-8)).toBe(id?.[2]);

    const org = JSON.parse(succeeded(await weftAsOwner('organization:get', '--json')));
    const jwt = await signEmbeddedJwt(privateKey, embeddedClaims(org.id, 'cli-cust', 'cli-user'));
    const me = await server.api('GET', '/api/customer-users/me', { token: jwt });
    expect(me.status, me.text).toBe(200);

    const json = JSON.parse(
      succeeded(await weftAsOwner('signing-keys:generate', '--bits', '2048', '--json')),
    );
    expect(json.privateKey).toContain('BEGIN PRIVATE KEY');
    expect(json.key).toMatchObject({ source: 'generated', bits: 2048 });
  });

  it('generate --out writes the private key to a new file only its owner reads, never over a file', async () => {
    const file = path.join(scratch, 'signing.pem');
    const stdout = succeeded(
      await weftAsOwner('signing-keys:generate', '--bits', '2048', '--out', file),
      /Store the private key now/,
    );
    expect(stdout).not.toContain('PRIVATE KEY');
    expect(stdout).toContain(`Private key written to ${file}`);
    expect(await fs.readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);

    const again = await weftAsOwner('signing-keys:generate', '--bits', '2048', '--out', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('the file exists');
  });

  it('import --path key.pub imports a public key; a private key file is refused before anything is sent', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pub = path.join(scratch, 'my-public-key.pub');
    const priv = path.join(scratch, 'my-private-key.pem');
    await fs.writeFile(pub, publicKey.export({ type: 'spki', format: 'pem' }));
    await fs.writeFile(priv, privateKey.export({ type: 'pkcs1', format: 'pem' }));

    const imported = succeeded(await weftAsOwner('signing-keys:import', '--path', pub));
    expect(imported).toMatch(new RegExp(`^id\\s+${uuid}$`, 'm'));
    expect(imported).toMatch(/^source\s+imported$/m);
    expect(imported).toMatch(/^last 8\s+\(imported/m);

    const duplicate = await weftAsOwner('signing-keys:import', '--path', pub);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('SIGNING_KEY_DUPLICATE');

    const before = await sqlQuery(server, 'select count(*)::int as n from signing_keys');
    const refused = await weftAsOwner('signing-keys:import', '--path', priv);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('holds a private key; nothing was sent. Never upload a private key');
    expect(await sqlQuery(server, 'select count(*)::int as n from signing_keys')).toEqual(before);

    const missing = await weftAsOwner('signing-keys:import', '--path', path.join(scratch, 'nope.pub'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file or directory');
  });

  it('list shows every key; deactivate stops one; --active hides it', async () => {
    const generated = JSON.parse(
      succeeded(await weftAsOwner('signing-keys:generate', '--bits', '2048', '--json')),
    );
    const id = generated.key.id as string;
    const table = succeeded(await weftAsOwner('signing-keys:list'));
    expect(table.split('\n')[0]).toMatch(/^ID\s+FINGERPRINT\s+LAST 8\s+SOURCE\s+BITS\s+CREATED\s+STATUS$/);
    expect(table).toMatch(
      new RegExp(
        `^${id}\\s+[0-9a-f]{16}…\\s+${generated.key.last8.replace(/[+/]/g, '\\$&')}\\s+generated\\s+2048\\s+\\S+\\s+active$`,
        'm',
      ),
    );

    const deactivated = succeeded(await weftAsOwner('signing-keys:deactivate', id));
    expect(deactivated).toMatch(new RegExp(`^Deactivated signing key ${id} `));
    expect(succeeded(await weftAsOwner('signing-keys:list'))).toMatch(
      new RegExp(`^${id}.*deactivated \\S+$`, 'm'),
    );
    expect(succeeded(await weftAsOwner('signing-keys:list', '--active'))).not.toContain(id);
    const json = JSON.parse(succeeded(await weftAsOwner('signing-keys:list', '--json')));
    expect(json.items.find((key: { id: string }) => key.id === id).deactivatedAt).toEqual(expect.any(String));

    const unknown = await weftAsOwner('signing-keys:deactivate', 'nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('SIGNING_KEY_NOT_FOUND');
  });
});

describe('weft customers:users:*', () => {
  it('creates, lists, shows, updates and deletes the users of a customer', async () => {
    const customer = await server.api('POST', '/api/customers', {
      body: { name: 'FTL Rockets', externalId: 'ftl' },
    });
    expect(customer.status).toBe(201);

    const created = succeeded(
      await weftAsOwner(
        'customers:users:create',
        '--customer',
        'ftl',
        '--name',
        'Lisa Nguyen',
        '--email',
        'lisa.nguyen@ftl-rockets.com',
        '--role',
        'admin',
      ),
    );
    const id = new RegExp(`^id\\s+(${uuid})$`, 'm').exec(created)?.[1] as string;
    expect(id, created).toBeDefined();
    expect(created).toMatch(/^role\s+admin$/m);
    succeeded(
      await weftAsOwner(
        'customers:users:create',
        '--customer',
        customer.body.id,
        '--name',
        'Jim Simms',
        '--email',
        'james.simms@ftl-rockets.com',
        '--role',
        'member',
      ),
    );

    const table = succeeded(await weftAsOwner('customers:users:list', '--customer', 'ftl'))
      .trimEnd()
      .split('\n');
    expect(table[0]).toMatch(/^ID\s+NAME\s+EMAIL\s+EXTERNAL ID\s+ROLE\s+LAST SIGN-IN$/);
    expect(table.slice(1)).toEqual([
      expect.stringMatching(/Lisa Nguyen\s+lisa\.nguyen@ftl-rockets\.com\s+admin\s+never$/),
      expect.stringMatching(/Jim Simms\s+james\.simms@ftl-rockets\.com\s+member\s+never$/),
    ]);
    const members = JSON.parse(
      succeeded(await weftAsOwner('customers:users:list', '--customer', 'ftl', '--role', 'member', '--json')),
    );
    expect(members.items.map((user: { name: string }) => user.name)).toEqual(['Jim Simms']);

    expect(succeeded(await weftAsOwner('customers:users:get', id))).toMatch(/^name\s+Lisa Nguyen$/m);
    const updated = JSON.parse(
      succeeded(
        await weftAsOwner(
          'customers:users:update',
          id,
          '--role',
          'member',
          '--remove-email',
          '--external-id',
          'lisa-1',
          '--json',
        ),
      ),
    );
    expect(updated).toMatchObject({ id, role: 'member', email: null, externalId: 'lisa-1' });

    expect(succeeded(await weftAsOwner('customers:users:delete', id))).toBe(
      `Deleted customer user Lisa Nguyen (${id})\n`,
    );
    const gone = await weftAsOwner('customers:users:get', id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('CUSTOMER_USER_NOT_FOUND');
  });

  it('refuses a role that is not a customer role (exit 2) and names the customer roles', async () => {
    const result = await weftAsOwner(
      'customers:users:create',
      '--customer',
      'ftl',
      '--name',
      'X',
      '--email',
      'x@y.z',
      '--role',
      'owner',
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('expected admin, member, marketplace-admin or marketplace-user');
    const unknown = await weftAsOwner('customers:users:list', '--customer', 'no-such-customer');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('CUSTOMER_NOT_FOUND');
  });
});
