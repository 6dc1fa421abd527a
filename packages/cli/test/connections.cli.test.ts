// The `weft connections:*`, `instances:connections|authorize|test-connection` and `keys:*` commands against a
// running server: organization connections created, listed and shown masked, updated, per-customer credentials,
// tests (against a local API that checks the credential), OAuth 2.0 authorize URLs, encryption keys listed and
// rotated, deleted; and the errors a person sees for bad input.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenWithRole } from '../../server/test/support/integration-fixtures.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const apiKey = `crm-${crypto.randomBytes(12).toString('hex')}`;
const rotatedApiKey = `crm-rotated-${crypto.randomBytes(12).toString('hex')}`;
const customerToken = `cust-${crypto.randomBytes(12).toString('hex')}`;
const instanceKey = `inst-${crypto.randomBytes(12).toString('hex')}`;

let server: TestServer;
let scratch: string;
let customerId: string;
let instanceId: string;
let echo: { url: string; credential: Map<string, string | undefined>; close(): Promise<void> };

/** A local API: remembers the credential each path got (Authorization or X-Api-Key); `/deny...` answers 401. */
async function startEcho(): Promise<typeof echo> {
  const credential = new Map<string, string | undefined>();
  const api = http.createServer((request, response) => {
    const pathName = new URL(request.url ?? '/', 'http://echo').pathname;
    const sent = request.headers.authorization ?? request.headers['x-api-key'];
    credential.set(pathName, Array.isArray(sent) ? sent.join() : sent);
    response.writeHead(pathName.startsWith('/deny') ? 401 : 200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(api.address() as net.AddressInfo).port}`,
    credential,
    close: () =>
      new Promise<void>((resolve) => {
        api.closeAllConnections();
        api.close(() => resolve());
      }),
  };
}

function weft(...args: string[]): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], { env: cleanEnv() });
}

/** Expects a successful run with nothing on stderr, and returns its stdout. */
function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

const definition = `definitionVersion: 7
name: CRM Sync
description: Syncs the CRM
endpointType: flow_specific
requiredConfigVars:
  - key: CRM Key
    stableKey: crm-key
    dataType: connection
    connection:
      key: apiKey
      component: {key: http, version: LATEST, isPublic: true}
    orgOnly: false
  - key: CRM OAuth
    stableKey: crm-oauth
    dataType: connection
    connection:
      key: oauth2
      component: {key: http, version: LATEST, isPublic: true}
    orgOnly: false
  - key: Shared CRM
    stableKey: shared-crm
    useScopedConfigVar: crm-api
    orgOnly: false
configPages:
  - name: Settings
    userLevelConfigured: false
    elements:
      - {type: configVar, value: CRM Key}
      - {type: configVar, value: CRM OAuth}
      - {type: configVar, value: Shared CRM}
flows:
  - name: Sync
    stableKey: sync
    description: Logs
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;

beforeAll(async () => {
  // The CLI only talks to the API: no worker or scheduler.
  // The OAuth test returns the browser to the organization's app, which must be an allowed origin.
  server = await startTestServer({ WEFT_ROLES: 'api', WEFT_ALLOWED_ORIGINS: 'https://app.example.test' });
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-cli-connections-'));
  echo = await startEcho();
  const customer = await server.api('POST', '/api/customers', {
    body: { name: 'Acme', externalId: 'acme-42' },
  });
  expect(customer.status, customer.text).toBe(201);
  customerId = customer.body.id;
  const imported = await server.api('POST', '/api/integrations/import', { body: { definition } });
  expect(imported.status, imported.text).toBe(201);
  const published = await server.api('POST', `/api/integrations/${imported.body.id}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId, integrationId: imported.body.id, name: 'Acme CRM' },
  });
  expect(instance.status, instance.text).toBe(201);
  instanceId = instance.body.id;
  const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
    body: {
      values: {
        'CRM Key': { apiKey: instanceKey },
        'CRM OAuth': {
          authorizeUrl: 'https://auth.example.test/authorize',
          tokenUrl: 'https://auth.example.test/token',
          clientId: 'weft-client',
          clientSecret: 'instance-client-secret',
        },
      },
    },
  });
  expect(configured.status, configured.text).toBe(200);
});

afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
  await echo?.close();
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

/** A fresh echo path; the test runs a GET of it with the connection's credential. */
function probe(name: string): { url: string; credential: () => string | undefined } {
  const pathName = `/${name}-${crypto.randomBytes(4).toString('hex')}`;
  return { url: `${echo.url}${pathName}`, credential: () => echo.credential.get(pathName) };
}

describe('weft connections:*', () => {
  it('creates an org_global connection (prints its id); list and get show secrets masked', async () => {
    const created = succeeded(
      await weft(
        'connections:create',
        '--stable-key',
        'crm-api',
        '--kind',
        'org_global',
        '--name',
        'CRM API',
        '--description',
        'The shared CRM account',
        '--connection',
        'http/apiKey',
        '--set',
        `apiKey=${apiKey}`,
        '--set',
        'headerName=X-Api-Key',
      ),
    );
    expect(created).toMatch(new RegExp(`^${uuid}\\n$`));
    const id = created.trim();

    const table = succeeded(await weft('connections:list'));
    const [header, ...rows] = table.trimEnd().split('\n');
    expect(header).toMatch(/^STABLE KEY\s+NAME\s+KIND\s+CONNECTION\s+CREDENTIALS$/);
    expect(rows).toEqual([
      expect.stringMatching(/^crm-api\s+CRM API\s+org_global\s+http\/apiKey\s+configured$/),
    ]);

    const listed = JSON.parse(succeeded(await weft('connections:list', '--json')));
    expect(listed.items).toEqual([
      expect.objectContaining({
        id,
        stableKey: 'crm-api',
        kind: 'org_global',
        credentials: expect.objectContaining({ fields: expect.objectContaining({ apiKey: '********' }) }),
      }),
    ]);

    const shown = succeeded(await weft('connections:get', 'crm-api'));
    expect(shown).toMatch(new RegExp(`^id\\s+${id}\\n`));
    expect(shown).toMatch(/stable key\s+crm-api\n/);
    expect(shown).toMatch(/connection\s+http\/apiKey\n/);
    expect(shown).toMatch(/status\s+configured\n/);
    expect(shown).toMatch(/inputs\s+.*apiKey=\*{8}.*headerName=X-Api-Key/);
    const json = JSON.parse(succeeded(await weft('connections:get', id, '--json')));
    expect(json.credentials.fields).toEqual({
      apiKey: '********',
      location: 'header',
      headerName: 'X-Api-Key',
      queryParamName: 'api_key',
    });
    for (const output of [table, JSON.stringify(listed), shown, JSON.stringify(json)]) {
      expect(output).not.toContain(apiKey);
    }
  });

  it('tests a connection with an authenticated GET; a failing check prints the checks and exits 1', async () => {
    const works = probe('works');
    const table = succeeded(await weft('connections:test', 'crm-api', '--check-url', works.url));
    expect(works.credential()).toBe(apiKey);
    expect(table).toMatch(/^CHECK\s+RESULT\s+MESSAGE\n/);
    expect(table).toMatch(/inputs\s+ok\s+every required input has a value\n/);
    expect(table).toMatch(/request\s+ok\s+GET .* answered 200\n/);
    expect(table).toMatch(/Connection 'crm-api' works\.\n$/);
    expect(table).not.toContain(apiKey);

    const json = JSON.parse(succeeded(await weft('connections:test', 'crm-api', '--json')));
    expect(json).toMatchObject({ ok: true, checks: [{ check: 'inputs', ok: true }] });

    const denied = probe('deny');
    const failed = await weft('connections:test', 'crm-api', '--check-url', denied.url);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/request\s+FAILED\s+GET .* answered 401\n/);
    expect(failed.stderr).toMatch(/^Error: Connection 'crm-api' does not work: GET .* answered 401\n$/);
  });

  it('updates the name and input values (--set, --unset, --values-file), keeping the rest', async () => {
    const renamed = succeeded(
      await weft('connections:update', 'crm-api', '--name', 'CRM API (prod)', '--set', 'prefix=Key'),
    );
    expect(renamed).toMatch(/name\s+CRM API \(prod\)\n/);
    expect(renamed).toMatch(/inputs\s+.*apiKey=\*{8}.*prefix=Key/);
    const prefixed = probe('prefixed');
    succeeded(await weft('connections:test', 'crm-api', '--check-url', prefixed.url));
    expect(prefixed.credential()).toBe(`Key ${apiKey}`);

    const valuesFile = path.join(scratch, 'values.json');
    await fs.writeFile(valuesFile, JSON.stringify({ apiKey: rotatedApiKey }));
    const updated = JSON.parse(
      succeeded(
        await weft(
          'connections:update',
          'crm-api',
          '--values-file',
          valuesFile,
          '--unset',
          'prefix',
          '--json',
        ),
      ),
    );
    expect(updated).toMatchObject({
      name: 'CRM API (prod)',
      credentials: { fields: { apiKey: '********' } },
    });
    expect(updated.credentials.fields.prefix).toBeUndefined();
    const rotated = probe('rotated');
    succeeded(await weft('connections:test', 'crm-api', '--check-url', rotated.url));
    expect(rotated.credential()).toBe(rotatedApiKey);

    const nothing = await weft('connections:update', 'crm-api');
    expect(nothing).toMatchObject({ code: 2, stdout: '' });
    expect(nothing.stderr).toMatch(/Nothing to change/);
  });

  it('says clearly what is wrong with bad input, and stores nothing', async () => {
    const unknown = await weft(
      'connections:create',
      '--stable-key',
      'typo-api',
      '--kind',
      'org_global',
      '--name',
      'Typo',
      '--connection',
      'http/apiKey',
      '--set',
      'apiKy=abc',
    );
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr.trimEnd().split('\n')).toEqual([
      "'apiKy' is not an input of connection http/apiKey (inputs: apiKey, location, headerName, prefix, queryParamName)",
      "'apiKey' (API Key) is required",
      'Error [CONNECTION_INPUTS_INVALID]: 2 invalid input values; nothing was stored.',
    ]);
    expect((await server.api('GET', '/api/connections/typo-api')).status).toBe(404);

    // Removing a required input of a stored connection is refused too.
    const missing = await weft('connections:update', 'crm-api', '--unset', 'apiKey');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr.trimEnd().split('\n')).toEqual([
      "'apiKey' (API Key) is required",
      'Error [CONNECTION_INPUTS_INVALID]: 1 invalid input value; nothing was stored.',
    ]);
    const still = probe('still');
    succeeded(await weft('connections:test', 'crm-api', '--check-url', still.url));
    expect(still.credential()).toBe(rotatedApiKey);

    const noConnection = await weft(
      'connections:create',
      '--stable-key',
      'nope',
      '--kind',
      'org_global',
      '--name',
      'Nope',
      '--connection',
      'http/nope',
    );
    expect(noConnection.code).toBe(1);
    expect(noConnection.stderr).toMatch(
      /^Error \[CONNECTION_DEFINITION_NOT_FOUND\]: No component defines connection http\/nope/,
    );

    const taken = await weft(
      'connections:create',
      '--stable-key',
      'crm-api',
      '--kind',
      'org_global',
      '--name',
      'Again',
      '--connection',
      'http/apiKey',
      '--set',
      'apiKey=x',
    );
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^Error \[CONNECTION_STABLE_KEY_TAKEN\]/);

    // Usage errors (exit 2): before anything is sent.
    const usage = [
      ['connections:update', 'crm-api', '--set', 'no equals sign'],
      ['connections:update', 'crm-api', '--set', '=value'],
      [
        'connections:create',
        '--stable-key',
        'x',
        '--kind',
        'global',
        '--name',
        'X',
        '--connection',
        'http/apiKey',
      ],
      [
        'connections:create',
        '--stable-key',
        'x',
        '--kind',
        'org_global',
        '--name',
        'X',
        '--connection',
        'apiKey',
      ],
      ['connections:create', '--stable-key', 'x', '--name', 'X', '--connection', 'http/apiKey'],
    ];
    for (const args of usage) {
      const result = await weft(...args);
      expect(result.code, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      expect(result.stdout).toBe('');
    }
    const badFile = path.join(scratch, 'bad.json');
    await fs.writeFile(badFile, JSON.stringify({ apiKey: { nested: true } }));
    const nested = await weft('connections:update', 'crm-api', '--values-file', badFile);
    expect(nested.code).toBe(1);
    expect(nested.stderr).toMatch(/input 'apiKey' must be text, a number, a boolean or null, got object/);
    const absent = await weft(
      'connections:update',
      'crm-api',
      '--values-file',
      path.join(scratch, 'absent.json'),
    );
    expect(absent.stderr).toMatch(/Cannot read the values file .*absent\.json': no such file or directory/);
  });

  it("sets, lists, tests and deletes a customer's credentials of a per-customer connection", async () => {
    succeeded(
      await weft(
        'connections:create',
        '--stable-key',
        'crm-per-customer',
        '--kind',
        'org_customer',
        '--name',
        'CRM per customer',
        '--connection',
        'http/bearerToken',
      ),
    );
    const set = succeeded(
      await weft(
        'connections:set-customer',
        'crm-per-customer',
        '--customer',
        'acme-42',
        '--set',
        `token=${customerToken}`,
      ),
    );
    expect(set).toMatch(/^customer\s+Acme \(acme-42\)\n/);
    expect(set).toMatch(/inputs\s+token=\*{8}\n/);
    expect(set).not.toContain(customerToken);
    const byId = JSON.parse(
      succeeded(
        await weft(
          'connections:set-customer',
          'crm-per-customer',
          '--customer',
          customerId,
          '--set',
          `token=${customerToken}`,
          '--json',
        ),
      ),
    );
    expect(byId).toMatchObject({
      customer: { id: customerId, externalId: 'acme-42' },
      credentials: { fields: { token: '********' } },
    });

    const table = succeeded(await weft('connections:customers', 'crm-per-customer'));
    expect(table).toMatch(/^CUSTOMER\s+EXTERNAL ID\s+STATUS\s+INPUTS\s+UPDATED\n/);
    expect(table).toMatch(/Acme\s+acme-42\s+configured\s+token=\*{8}\s+\d{4}-/);
    const listed = JSON.parse(succeeded(await weft('connections:customers', 'crm-per-customer', '--json')));
    expect(listed.items).toHaveLength(1);
    expect(succeeded(await weft('connections:list'))).toMatch(
      /crm-per-customer\s+CRM per customer\s+org_customer\s+http\/bearerToken\s+1 customer\n/,
    );

    const tested = probe('customer');
    succeeded(
      await weft('connections:test', 'crm-per-customer', '--customer', 'acme-42', '--check-url', tested.url),
    );
    expect(tested.credential()).toBe(`Bearer ${customerToken}`);
    const noCustomer = await weft('connections:test', 'crm-per-customer');
    expect(noCustomer.code).toBe(1);
    expect(noCustomer.stderr).toMatch(
      /^Error \[CONNECTION_INPUTS_INVALID\]: 'crm-per-customer' holds credentials per customer: name the customer/,
    );
    const global = await weft(
      'connections:set-customer',
      'crm-api',
      '--customer',
      'acme-42',
      '--set',
      'apiKey=x',
    );
    expect(global.code).toBe(1);
    expect(global.stderr).toMatch(/org-activated global connection/);
    const unknownCustomer = await weft(
      'connections:set-customer',
      'crm-per-customer',
      '--customer',
      'nobody',
      '--set',
      'token=x',
    );
    expect(unknownCustomer.code).toBe(1);
    expect(unknownCustomer.stderr).toMatch(/^Error \[CUSTOMER_NOT_FOUND\]/);
    const nothing = await weft('connections:set-customer', 'crm-per-customer', '--customer', 'acme-42');
    expect(nothing.code).toBe(2);

    expect(
      succeeded(await weft('connections:delete-customer', 'crm-per-customer', '--customer', 'acme-42')),
    ).toBe('Deleted the credentials of customer acme-42 for crm-per-customer\n');
    expect(succeeded(await weft('connections:customers', 'crm-per-customer'))).toBe('(none)\n');
  });

  it('authorize prints the OAuth 2.0 URL to open; a connection without OAuth is refused', async () => {
    succeeded(
      await weft(
        'connections:create',
        '--stable-key',
        'crm-oauth',
        '--kind',
        'org_global',
        '--name',
        'CRM OAuth',
        '--connection',
        'http/oauth2',
        '--set',
        'authorizeUrl=https://auth.example.test/authorize',
        '--set',
        'tokenUrl=https://auth.example.test/token',
        '--set',
        'clientId=weft-client',
        '--set',
        'clientSecret=org-client-secret',
        '--set',
        'scopes=orders:read',
      ),
    );
    const shown = succeeded(await weft('connections:get', 'crm-oauth'));
    expect(shown).toMatch(/status\s+pending_authorization\n/);
    expect(shown).toMatch(/token\s+none\n/);

    const result = await weft(
      'connections:authorize',
      'crm-oauth',
      '--return-to',
      'https://app.example.test/done',
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^Open this URL in a browser/);
    const url = new URL(result.stdout.trim());
    expect(`${url.origin}${url.pathname}`).toBe('https://auth.example.test/authorize');
    expect(url.searchParams.get('client_id')).toBe('weft-client');
    expect(url.searchParams.get('redirect_uri')).toBe(`${server.url}/oauth2/callback`);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(result.stdout).not.toContain('org-client-secret');

    const json = JSON.parse(succeeded(await weft('connections:authorize', 'crm-oauth', '--json')));
    expect(json).toEqual({
      authorizeUrl: expect.stringMatching(/^https:\/\/auth\.example\.test\/authorize\?/),
      expiresAt: expect.any(String),
    });
    const refused = await weft('connections:authorize', 'crm-api');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /^Error \[CONNECTION_NOT_AUTHORIZABLE\]: Connection http\/apiKey is not an OAuth 2\.0/,
    );
  });
});

describe("weft instances:* for an instance's connections", () => {
  it('lists where each connection comes from, masked', async () => {
    const table = succeeded(await weft('instances:connections', instanceId));
    const [header, ...rows] = table.trimEnd().split('\n');
    expect(header).toMatch(/^VARIABLE\s+SOURCE\s+CONNECTION\s+STATUS\s+INPUTS$/);
    expect(rows).toEqual([
      expect.stringMatching(
        /^CRM Key\s+instance\s+http\/apiKey\s+configured\s+apiKey=\*{8}, location=header/,
      ),
      expect.stringMatching(
        /^CRM OAuth\s+instance\s+http\/oauth2\s+pending_authorization\s+authorizeUrl=https/,
      ),
      expect.stringMatching(
        /^Shared CRM\s+org_global \(crm-api\)\s+http\/apiKey\s+configured\s+apiKey=\*{8}/,
      ),
    ]);
    const json = JSON.parse(succeeded(await weft('instances:connections', instanceId, '--json')));
    expect(json.items.map((item: { configVar: string }) => item.configVar)).toEqual([
      'CRM Key',
      'CRM OAuth',
      'Shared CRM',
    ]);
    for (const output of [table, JSON.stringify(json)]) {
      expect(output).not.toContain(instanceKey);
      expect(output).not.toContain('instance-client-secret');
    }
  });

  it('tests a config variable, and prints the authorize URL of an OAuth one', async () => {
    const tested = probe('instance');
    const table = succeeded(
      await weft('instances:test-connection', instanceId, 'CRM Key', '--check-url', tested.url),
    );
    expect(table).toMatch(/Connection 'CRM Key' works\.\n$/);
    expect(tested.credential()).toBe(`Bearer ${instanceKey}`);

    const notAuthorized = await weft('instances:test-connection', instanceId, 'CRM OAuth', '--json');
    expect(notAuthorized.code).toBe(1);
    expect(JSON.parse(notAuthorized.stdout)).toMatchObject({
      ok: false,
      checks: [
        { check: 'inputs', ok: true },
        { check: 'token', ok: false },
      ],
    });
    expect(notAuthorized.stderr).toMatch(/^Error: Connection 'CRM OAuth' does not work: not authorized yet/);

    const authorize = await weft('instances:authorize', instanceId, 'CRM OAuth');
    expect(authorize.code, authorize.stderr).toBe(0);
    expect(authorize.stdout).toMatch(
      /^https:\/\/auth\.example\.test\/authorize\?.*client_id=weft-client.*\n$/,
    );

    const unknown = await weft('instances:authorize', instanceId, 'Nope');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /^Error \[CONNECTION_NOT_FOUND\]: The instance has no connection config variable 'Nope' \(it has: CRM Key, CRM OAuth, Shared CRM\)/,
    );
  });
});

describe('weft keys:*', () => {
  it('lists the keys, rotates (owner only) and prints the figures; values still open', async () => {
    const before = JSON.parse(succeeded(await weft('keys:list', '--json')));
    expect(before).toMatchObject({
      masterKeyId: expect.stringMatching(/^mk_[0-9a-f]{16}$/),
      masterKeySource: 'environment',
    });
    expect(before.items).toHaveLength(1);
    const [old] = before.items;
    expect(old.values).toBeGreaterThanOrEqual(5);
    const table = succeeded(await weft('keys:list'));
    expect(table).toMatch(
      new RegExp(`^Master key ${before.masterKeyId} \\(from WEFT_ENCRYPTION_KEY\\)\\n\\n`),
    );
    expect(table).toMatch(/DATA KEY\s+STATE\s+MASTER KEY\s+VALUES\s+CREATED\n/);
    expect(table).toMatch(
      new RegExp(`${old.id}\\s+active\\s+${before.masterKeyId}\\s+${old.values}\\s+\\d{4}-`),
    );

    const admin = await tokenWithRole(server, 'admin');
    const refused = await runWeft(['--url', server.url, '--token', admin, 'keys:rotate'], {
      env: cleanEnv(),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/Error \[AUTH_FORBIDDEN\]/);

    const rotated = await weft('keys:rotate', '--json');
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stderr).toBe('• Rotating: re-encrypting every stored credential under a new data key…\n');
    const report = JSON.parse(rotated.stdout);
    expect(report).toEqual({
      newDataKeyId: expect.stringMatching(/^dk_[0-9a-f]{12}$/),
      masterKeyId: before.masterKeyId,
      rewrappedDataKeys: 0,
      reEncryptedValues: old.values,
      removedDataKeyIds: [old.id],
      remainingDataKeyIds: [],
      unreadableValues: [],
    });
    const after = JSON.parse(succeeded(await weft('keys:list', '--json')));
    expect(after.items).toEqual([
      expect.objectContaining({ id: report.newDataKeyId, state: 'active', values: old.values }),
    ]);

    const again = await weft('keys:rotate');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(
      /^Data key dk_[0-9a-f]{12} is active \(under master key mk_[0-9a-f]{16}\)\.\n/,
    );
    expect(again.stdout).toContain(
      `Re-encrypted ${old.values} values; rewrapped 0 data keys under the master key.\n`,
    );
    expect(again.stdout).toContain(`Removed data keys: ${report.newDataKeyId}.\n`);

    const tested = probe('after-rotation');
    succeeded(await weft('connections:test', 'crm-api', '--check-url', tested.url));
    expect(tested.credential()).toBe(rotatedApiKey);
  });
});

describe('weft connections:delete', () => {
  it('deletes a connection and its credentials', async () => {
    expect(succeeded(await weft('connections:delete', 'crm-api'))).toBe(
      'Deleted connection CRM API (prod) (crm-api)\n',
    );
    const gone = await weft('connections:get', 'crm-api');
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toMatch(
      /^Error \[CONNECTION_NOT_FOUND\]: No organization connection with id or stable key 'crm-api'/,
    );
    const json = JSON.parse(succeeded(await weft('connections:delete', 'crm-per-customer', '--json')));
    expect(json).toEqual({
      id: expect.stringMatching(new RegExp(`^${uuid}$`)),
      stableKey: 'crm-per-customer',
      deleted: true,
    });
    const listed = JSON.parse(succeeded(await weft('connections:list', '--json')));
    expect(listed.items.map((item: { stableKey: string }) => item.stableKey)).toEqual(['crm-oauth']);
  });
});
