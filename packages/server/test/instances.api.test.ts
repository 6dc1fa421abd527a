// Issue 5 (first slice): instances created for a customer from an available integration version, configured with
// values checked against the version's config variables, listed, renamed, paused and deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/index.js';
import { flowYaml, sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let integrationId: string;
let customerId: string;

const configVarsYaml = `  - key: API Base URL
    stableKey: api-base-url
    dataType: string
    defaultValue: https://api.example.test
    orgOnly: true
  - key: Page Size
    stableKey: page-size
    dataType: number
    defaultValue: "50"
  - key: Dry Run
    stableKey: dry-run
    dataType: boolean
    defaultValue: "true"
  - key: Region
    stableKey: region
    dataType: picklist
    pickList: [us, eu, apac]
    defaultValue: eu
  - key: Poll Schedule
    stableKey: poll-schedule
    dataType: schedule
    timeZone: Europe/Paris
    defaultValue: "0 */2 * * *"
  - key: Field Mapping
    stableKey: field-mapping
    dataType: objectFieldMap
  - key: Warehouse Codes
    stableKey: warehouse-codes
    dataType: string
    collectionType: keyvaluelist
    defaultValue: '[{"key":"north","value":"N1"}]'
  - key: CRM Connection
    stableKey: crm-connection
    dataType: connection
    connection:
      key: apiKey
      component: {key: http, version: LATEST, isPublic: true}
    inputs:
      apiKey: {type: value, value: "", meta: {visibleToCustomerDeployer: true, visibleToOrgDeployer: true, orgOnly: false}}
    orgOnly: false
  - key: Legacy Password
    stableKey: legacy-password
    dataType: credential
`;

function yaml(name: string, extraVars = ''): string {
  const vars = configVarsYaml + extraVars;
  const names = [...vars.matchAll(/^ {2}- key: (.+)$/gm)].map((m) => m[1]);
  return `definitionVersion: 7
name: ${name}
description: Syncs the CRM
labels: [CRM, Sync]
endpointType: flow_specific
requiredConfigVars:
${vars}configPages:
  - name: Settings
    userLevelConfigured: false
    elements:
${names.map((n) => `      - type: configVar\n        value: ${n}\n`).join('')}flows:
${flowYaml('Sync Contacts')}`;
}

async function importAndPublish(name: string, versions = 1): Promise<string> {
  const created = await server.api('POST', '/api/integrations/import', { body: { definition: yaml(name) } });
  expect(created.status, created.text).toBe(201);
  const id = created.body.id as string;
  for (let v = 1; v <= versions; v++) {
    if (v > 1) {
      const reimport = await server.api('POST', '/api/integrations/import', {
        body: {
          integrationId: id,
          definition: yaml(name, `  - key: Extra Flag\n    stableKey: extra-flag\n    dataType: boolean\n`),
        },
      });
      expect(reimport.status, reimport.text).toBeLessThan(300);
    }
    const published = await server.api('POST', `/api/integrations/${id}/publish`, {
      body: { comment: `v${v}` },
    });
    expect(published.status, published.text).toBe(201);
  }
  return id;
}

async function createInstance(body: Record<string, unknown>, expected = 201) {
  const answer = await server.api('POST', '/api/instances', {
    body: { customerId, integrationId, ...body },
  });
  expect(answer.status, answer.text).toBe(expected);
  return answer.body;
}

function configValue(
  detail: { configVariables: Array<{ key: string; value: unknown }> },
  key: string,
): unknown {
  return detail.configVariables.find((v) => v.key === key)?.value;
}

beforeAll(async () => {
  server = await startTestServer();
  integrationId = await importAndPublish('CRM Sync', 2);
  const customer = await server.api('POST', '/api/customers', {
    body: { name: 'Acme', externalId: 'acme-1' },
  });
  customerId = customer.body.id;
});
afterAll(async () => {
  await server?.stop();
});

describe('create', () => {
  it('deploys the newest available version with its defaults and the integration labels', async () => {
    const instance = await createInstance({ name: 'Acme CRM' });
    expect(instance).toMatchObject({
      name: 'Acme CRM',
      description: '',
      labels: ['crm', 'sync'],
      enabled: true,
      customer: { id: customerId, externalId: 'acme-1', name: 'Acme' },
      integration: { id: integrationId, name: 'CRM Sync' },
      versionNumber: 2,
    });
    const detail = (await server.api('GET', `/api/instances/${instance.id}`)).body;
    expect(configValue(detail, 'API Base URL')).toBe('https://api.example.test');
    expect(configValue(detail, 'Page Size')).toBe(50);
    expect(configValue(detail, 'Dry Run')).toBe(true);
    expect(configValue(detail, 'Region')).toBe('eu');
    expect(configValue(detail, 'Poll Schedule')).toBe('0 */2 * * *');
    expect(configValue(detail, 'Warehouse Codes')).toEqual([{ key: 'north', value: 'N1' }]);
    expect(configValue(detail, 'Field Mapping')).toBeNull();
    expect(configValue(detail, 'CRM Connection')).toBeNull();
    expect(configValue(detail, 'Extra Flag')).toBe(false);
    expect(detail.configVariables.find((v: { key: string }) => v.key === 'Region')).toMatchObject({
      stableKey: 'region',
      dataType: 'picklist',
      pickList: ['us', 'eu', 'apac'],
      orgOnly: false,
    });
    expect(detail.configVariables[0]).toMatchObject({ key: 'API Base URL', orgOnly: true });
    // Stored by stable key.
    const [row] = await sqlQuery<{ config_values: Record<string, unknown> }>(
      server,
      'select config_values from instances where id = $1',
      [instance.id],
    );
    expect(row!.config_values['page-size']).toBe(50);
  });

  it('takes a given version, the customer by externalId, and own labels', async () => {
    const instance = await createInstance({
      customerId: undefined,
      customerExternalId: 'acme-1',
      versionNumber: 1,
      name: 'Pinned',
      description: 'On v1',
      labels: ['Beta'],
    });
    expect(instance).toMatchObject({ versionNumber: 1, labels: ['beta'], description: 'On v1' });
  });

  it('refuses unavailable versions and integrations without an available version (422)', async () => {
    await server.api('PATCH', `/api/integrations/${integrationId}/versions/2`, {
      body: { available: false },
    });
    try {
      const refused = await createInstance({ name: 'On v2', versionNumber: 2 }, 422);
      expect(refused.error.code).toBe('INTEGRATION_VERSION_UNAVAILABLE');
      expect((await createInstance({ name: 'Newest available' })).versionNumber).toBe(1);
      expect((await createInstance({ name: 'No v9', versionNumber: 9 }, 404)).error.code).toBe(
        'INTEGRATION_VERSION_NOT_FOUND',
      );
    } finally {
      await server.api('PATCH', `/api/integrations/${integrationId}/versions/2`, {
        body: { available: true },
      });
    }
    const draftOnly = await server.api('POST', '/api/integrations/import', {
      body: { definition: yaml('Draft Only') },
    });
    const unpublished = await createInstance({ name: 'Draft', integrationId: draftOnly.body.id }, 422);
    expect(unpublished.error.code).toBe('INTEGRATION_NOT_PUBLISHED');
  });

  it('names what is missing: customer, integration, or the customer reference', async () => {
    const noCustomer = await createInstance(
      { name: 'X', customerId: '00000000-0000-4000-8000-000000000000' },
      404,
    );
    expect(noCustomer.error.code).toBe('CUSTOMER_NOT_FOUND');
    const noIntegration = await createInstance({ name: 'X', integrationId: 'nope' }, 404);
    expect(noIntegration.error.code).toBe('INTEGRATION_NOT_FOUND');
    const both = await createInstance({ name: 'X', customerExternalId: 'acme-1' }, 400);
    expect(both.error.code).toBe('API_VALIDATION_FAILED');
  });

  it('refuses a second instance of the same name for the customer (409), rename included', async () => {
    await createInstance({ name: 'Unique Name' });
    const clash = await createInstance({ name: 'unique name' }, 409);
    expect(clash.error).toMatchObject({ code: 'INSTANCE_NAME_TAKEN', details: { field: 'name' } });
    const other = await server.api('POST', '/api/customers', { body: { name: 'Other Customer' } });
    await createInstance({ name: 'Unique Name', customerId: other.body.id });
    const second = await createInstance({ name: 'Second Name' });
    const rename = await server.api('PATCH', `/api/instances/${second.id}`, {
      body: { name: 'UNIQUE NAME' },
    });
    expect(rename.status).toBe(409);
    expect(rename.body.error.code).toBe('INSTANCE_NAME_TAKEN');
  });
});

describe('configure', () => {
  it('merges valid values, normalizing numbers and booleans given as text, and masks connections', async () => {
    const { id } = await createInstance({ name: 'Configured' });
    const answer = await server.api('PUT', `/api/instances/${id}/config`, {
      body: {
        values: {
          'Page Size': '25',
          'Dry Run': 'false',
          Region: 'apac',
          'Poll Schedule': '*/5 * * * *',
          'Field Mapping': { name: 'fullName' },
          'Warehouse Codes': [{ key: 'south', value: 'S1' }],
          'CRM Connection': { apiKey: 'super-secret-key' },
          'Legacy Password': 'hunter2-credential',
        },
      },
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.text).not.toContain('super-secret-key');
    expect(answer.text).not.toContain('hunter2-credential');
    expect(configValue(answer.body, 'Legacy Password')).toEqual({ configured: true });
    expect(configValue(answer.body, 'Page Size')).toBe(25);
    expect(configValue(answer.body, 'Dry Run')).toBe(false);
    expect(configValue(answer.body, 'Region')).toBe('apac');
    expect(configValue(answer.body, 'API Base URL')).toBe('https://api.example.test'); // untouched default kept
    expect(configValue(answer.body, 'CRM Connection')).toEqual({ configured: true });

    const detail = await server.api('GET', `/api/instances/${id}`);
    expect(detail.text).not.toContain('super-secret-key');
    expect(configValue(detail.body, 'CRM Connection')).toEqual({ configured: true });
    expect(configValue(detail.body, 'Field Mapping')).toEqual({ name: 'fullName' });
    const [row] = await sqlQuery<{ config_values: Record<string, unknown> }>(
      server,
      'select config_values from instances where id = $1',
      [id],
    );
    // The instance keeps a reference; the credentials are sealed in `connections` (see connections.*.test.ts).
    expect(row!.config_values['crm-connection']).toEqual({ connectionId: expect.any(String) });
    expect(JSON.stringify(row!.config_values)).not.toContain('super-secret-key');

    const cleared = await server.api('PUT', `/api/instances/${id}/config`, {
      body: { values: { Region: null } },
    });
    expect(configValue(cleared.body, 'Region')).toBeNull();
    expect(configValue(cleared.body, 'Page Size')).toBe(25);
  });

  it('refuses every kind of bad value, names each variable, and stores nothing', async () => {
    const { id } = await createInstance({ name: 'Strict' });
    const before = (await server.api('GET', `/api/instances/${id}`)).body;
    const bad: Record<string, unknown> = {
      'API Base URL': 42,
      'Page Size': 'many',
      'Dry Run': 'yes',
      Region: 'mars',
      'Poll Schedule': 'every hour',
      'Field Mapping': 'name=fullName',
      'Warehouse Codes': [{ key: 'north' }],
      'CRM Connection': 'secret',
      'Page Sise': 10,
    };
    const answer = await server.api('PUT', `/api/instances/${id}/config`, {
      body: { values: { ...bad, 'Extra Flag': true } },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('INSTANCE_CONFIG_INVALID');
    const problems = answer.body.error.details.problems as Array<{ configVar: string; message: string }>;
    expect(problems.map((p) => p.configVar).sort()).toEqual(Object.keys(bad).sort());
    const unknown = problems.find((p) => p.configVar === 'Page Sise');
    expect(unknown?.message).toContain("did you mean 'Page Size'?");
    expect(problems.find((p) => p.configVar === 'Region')?.message).toContain("'us'");
    expect(problems.find((p) => p.configVar === 'Poll Schedule')?.message).toContain('schedule');
    expect(answer.text).not.toContain('secret"');

    const after = (await server.api('GET', `/api/instances/${id}`)).body;
    expect(after.configVariables).toEqual(before.configVariables);
    expect(after.updatedAt).toBe(before.updatedAt);

    for (const [key, value] of [
      ['Page Size', true],
      ['Dry Run', 1],
      ['Warehouse Codes', { north: 'N1' }],
      ['Warehouse Codes', [{ key: 'n', value: 1 }]],
      ['Field Mapping', 1],
      ['CRM Connection', ['a']],
    ] as Array<[string, unknown]>) {
      const one = await server.api('PUT', `/api/instances/${id}/config`, {
        body: { values: { [key]: value } },
      });
      expect(one.status, `${key}=${JSON.stringify(value)}`).toBe(422);
      expect(one.body.error.details.problems).toEqual([{ configVar: key, message: expect.any(String) }]);
    }
  });

  it('answers 404 for an unknown instance', async () => {
    const answer = await server.api('PUT', '/api/instances/00000000-0000-4000-8000-000000000000/config', {
      body: { values: {} },
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('INSTANCE_NOT_FOUND');
  });
});

describe('list', () => {
  it('filters by customer, integration, label, enabled state and search, in keyset pages', async () => {
    const customer = await server.api('POST', '/api/customers', {
      body: { name: 'Listed Customer', externalId: 'listed-1' },
    });
    const listedCustomer = customer.body.id as string;
    const otherIntegration = await importAndPublish('Listed Other');
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const instance = await createInstance({
        customerId: listedCustomer,
        integrationId: i < 3 ? integrationId : otherIntegration,
        name: `Listed ${i}`,
        description: i === 4 ? 'the needle' : '',
        labels: i % 2 === 0 ? ['even'] : ['odd'],
      });
      made.push(instance.id);
    }
    await server.api('POST', `/api/instances/${made[1]}/pause`);

    const names = async (query: string) => {
      const answer = await server.api('GET', `/api/instances?${query}`);
      expect(answer.status, answer.text).toBe(200);
      return (answer.body.items as Array<{ name: string }>).map((i) => i.name);
    };
    const all = ['Listed 0', 'Listed 1', 'Listed 2', 'Listed 3', 'Listed 4'];
    expect(await names(`customer=${listedCustomer}`)).toEqual(all);
    expect(await names('customer=listed-1')).toEqual(all);
    expect(await names(`customer=listed-1&integration=${otherIntegration}`)).toEqual([
      'Listed 3',
      'Listed 4',
    ]);
    expect(await names('customer=listed-1&label=EVEN')).toEqual(['Listed 0', 'Listed 2', 'Listed 4']);
    expect(await names('customer=listed-1&enabled=false')).toEqual(['Listed 1']);
    expect(await names('customer=listed-1&enabled=true&label=odd')).toEqual(['Listed 3']);
    expect(await names('customer=listed-1&deployed=false')).toEqual(all);
    expect(await names('customer=listed-1&deployed=true')).toEqual([]);
    expect(await names('search=NEEDLE')).toEqual(['Listed 4']);
    expect(await names('search=listed 2')).toEqual(['Listed 2']);
    expect(await names('integration=not-a-uuid')).toEqual([]);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer: { body: { items: Array<{ name: string }>; nextCursor: string | null } } =
        await server.api(
          'GET',
          `/api/instances?customer=listed-1&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
      seen.push(...answer.body.items.map((i) => i.name));
      cursor = answer.body.nextCursor;
      pages++;
    } while (cursor);
    expect(seen).toEqual(all);
    expect(pages).toBe(3);
    expect((await server.api('GET', '/api/instances?cursor=garbage')).body.error.code).toBe(
      'API_INVALID_CURSOR',
    );
  });
});

describe('pause, update and delete', () => {
  it('pauses and unpauses', async () => {
    const { id } = await createInstance({ name: 'Pausable' });
    const paused = await server.api('POST', `/api/instances/${id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.enabled).toBe(false);
    expect((await server.api('GET', `/api/instances/${id}`)).body.enabled).toBe(false);
    const unpaused = await server.api('POST', `/api/instances/${id}/unpause`);
    expect(unpaused.body).toMatchObject({ id, enabled: true });
  });

  it('updates name, description and labels, then deletes (200 with no remove flows to run, then 404)', async () => {
    const { id } = await createInstance({ name: 'Editable' });
    const updated = await server.api('PATCH', `/api/instances/${id}`, {
      body: { name: 'Edited', description: 'New words', labels: ['A', 'a', ' b '] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Edited', description: 'New words', labels: ['a', 'b'] });
    expect((await server.api('PATCH', `/api/instances/${id}`, { body: {} })).status).toBe(400);

    const deleted = await server.api('DELETE', `/api/instances/${id}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body).toEqual({ deleted: true, removeExecutions: [] });
    const gone = await server.api('GET', `/api/instances/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('INSTANCE_NOT_FOUND');
    expect((await server.api('DELETE', `/api/instances/${id}`)).status).toBe(404);
    expect((await server.api('POST', '/api/instances/not-a-uuid/pause')).status).toBe(404);
  });

  it('deleting the integration with force removes its instances', async () => {
    const id = await importAndPublish('Doomed');
    const instance = await createInstance({ name: 'Doomed Instance', integrationId: id });
    expect((await server.api('DELETE', `/api/integrations/${id}`)).status).toBe(409);
    expect((await server.api('DELETE', `/api/integrations/${id}?force=true`)).status).toBe(204);
    expect((await server.api('GET', `/api/instances/${instance.id}`)).status).toBe(404);
  });
});

describe('permissions and tenancy', () => {
  it('viewers read; support writes; viewers cannot write', async () => {
    const { id } = await createInstance({ name: 'Guarded' });
    const viewer = await tokenWithRole(server, 'viewer');
    const support = await tokenWithRole(server, 'support');
    expect((await server.api('GET', '/api/instances', { token: viewer })).status).toBe(200);
    expect((await server.api('GET', `/api/instances/${id}`, { token: viewer })).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/api/instances', { customerId, integrationId, name: 'By viewer' }],
      ['PATCH', `/api/instances/${id}`, { name: 'By viewer' }],
      ['PUT', `/api/instances/${id}/config`, { values: {} }],
      ['POST', `/api/instances/${id}/pause`, undefined],
      ['DELETE', `/api/instances/${id}`, undefined],
    ] as Array<[string, string, unknown]>) {
      const answer = await server.api(method, path, { token: viewer, ...(body ? { body } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body.error.code).toBe('AUTH_FORBIDDEN');
    }
    const bySupport = await server.api('POST', `/api/instances/${id}/pause`, { token: support });
    expect(bySupport.status).toBe(200);
  });

  it("another organization's instances, customers and integrations are 404s", async () => {
    const { id } = await createInstance({ name: 'Ours' });
    const other = await createOrganization(server.weft.database.db, { name: 'Instance Other Org' });
    const token = other.ownerToken;
    for (const [method, path, body] of [
      ['GET', `/api/instances/${id}`, undefined],
      ['PATCH', `/api/instances/${id}`, { name: 'Theirs' }],
      ['PUT', `/api/instances/${id}/config`, { values: { Region: 'us' } }],
      ['POST', `/api/instances/${id}/pause`, undefined],
      ['DELETE', `/api/instances/${id}`, undefined],
    ] as Array<[string, string, unknown]>) {
      const answer = await server.api(method, path, { token, ...(body ? { body } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.body.error.code).toBe('INSTANCE_NOT_FOUND');
    }
    expect((await server.api('GET', '/api/instances', { token })).body.items).toEqual([]);

    const theirCustomer = await server.api('POST', '/api/customers', { token, body: { name: 'Theirs' } });
    const ourCustomer = await server.api('POST', '/api/instances', {
      token,
      body: { customerId, integrationId, name: 'X' },
    });
    expect(ourCustomer.status).toBe(404);
    expect(ourCustomer.body.error.code).toBe('CUSTOMER_NOT_FOUND');
    const ourIntegration = await server.api('POST', '/api/instances', {
      token,
      body: { customerId: theirCustomer.body.id, integrationId, name: 'X' },
    });
    expect(ourIntegration.status).toBe(404);
    expect(ourIntegration.body.error.code).toBe('INTEGRATION_NOT_FOUND');
    expect((await server.api('GET', `/api/instances/${id}`)).body.name).toBe('Ours');
  });
});
