// Issue 16: every route of the API, called by every kind of principal. The routes are enumerated from the OpenAPI
// document, so a new route is checked the day it is added: nobody gets in without credentials, an organization
// token gets what its role's documented access says, and customer users reach only the routes listed below, only
// with the roles of seed 003's customer role table, and only their own customer's things (another customer's ids
// are 404, exactly like ids that do not exist).
import type { KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedClaims, localKeyPair, organizationId, signEmbeddedJwt } from './support/embedded-jwt.js';
import { flowYaml, sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitForExecution } from './support/worker-fixtures.js';

/** Seed 003, "Customer user roles": which customer roles hold each capability. */
const customerCapabilities = {
  'view-instances': ['admin', 'member', 'marketplace-admin'],
  'configure-instances': ['admin', 'marketplace-admin'],
  'test-instances': ['admin', 'marketplace-admin'],
  'view-users': ['admin', 'member'],
  'manage-users': ['admin'],
  marketplace: ['admin', 'member', 'marketplace-admin', 'marketplace-user'],
  activate: ['admin', 'marketplace-admin'],
} as const;
type Capability = keyof typeof customerCapabilities;
type CustomerRole = 'admin' | 'member' | 'marketplace-admin' | 'marketplace-user';

/** What a path parameter names, so the test can put the caller's own id or another customer's in it. */
type Resource = 'instance' | 'execution' | 'customer' | 'customer-user' | 'customer-connection';

/**
 * The routes customer users may reach, what they need (seed 003's capability) and which path parameters name
 * something their customer must own. Every other route is the organization's only. Reviewed by hand: adding a
 * route here opens it to customers.
 */
const customerRoutes: Record<string, { needs: Capability; owns?: Record<string, Resource> }> = {
  'GET /api/instances': { needs: 'view-instances' },
  'GET /api/instances/{id}': { needs: 'view-instances', owns: { id: 'instance' } },
  'GET /api/instances/{id}/flows': { needs: 'view-instances', owns: { id: 'instance' } },
  'GET /api/instances/{id}/connections': { needs: 'view-instances', owns: { id: 'instance' } },
  'DELETE /api/instances/{id}': { needs: 'configure-instances', owns: { id: 'instance' } },
  'POST /api/instances/{id}/deploy': { needs: 'configure-instances', owns: { id: 'instance' } },
  'POST /api/instances/{id}/upgrade': { needs: 'configure-instances', owns: { id: 'instance' } },
  'POST /api/instances/{id}/pause': { needs: 'configure-instances', owns: { id: 'instance' } },
  'POST /api/instances/{id}/unpause': { needs: 'configure-instances', owns: { id: 'instance' } },
  'POST /api/instances/{id}/connections/{configVar}/authorize': {
    needs: 'configure-instances',
    owns: { id: 'instance' },
  },
  'POST /api/instances/{id}/connections/{configVar}/test': {
    needs: 'configure-instances',
    owns: { id: 'instance' },
  },
  'POST /api/instances/{id}/flows/{flowName}/test': { needs: 'test-instances', owns: { id: 'instance' } },
  'GET /api/executions': { needs: 'view-instances' },
  'GET /api/executions/{id}': { needs: 'view-instances', owns: { id: 'execution' } },
  'GET /api/executions/{id}/files/{sha256}': { needs: 'view-instances', owns: { id: 'execution' } },
  'POST /api/executions/{id}/replay': { needs: 'configure-instances', owns: { id: 'execution' } },
  'POST /api/executions/{id}/cancel': { needs: 'configure-instances', owns: { id: 'execution' } },
  'GET /api/logs': { needs: 'view-instances' },
  'GET /api/customers/{customer}/users': { needs: 'view-users', owns: { customer: 'customer' } },
  'POST /api/customers/{customer}/users': { needs: 'manage-users', owns: { customer: 'customer' } },
  'GET /api/customer-users/{id}': { needs: 'view-users', owns: { id: 'customer-user' } },
  'PATCH /api/customer-users/{id}': { needs: 'manage-users', owns: { id: 'customer-user' } },
  'DELETE /api/customer-users/{id}': { needs: 'manage-users', owns: { id: 'customer-user' } },
  'GET /api/customer-users/me': { needs: 'marketplace' },
  'GET /api/embedded/context': { needs: 'marketplace' },
  'GET /api/marketplace': { needs: 'marketplace' },
  'GET /api/marketplace/{integrationId}': { needs: 'marketplace' },
  'GET /api/marketplace/{integrationId}/icon': { needs: 'marketplace' },
  'POST /api/marketplace/{integrationId}/activate': { needs: 'activate' },
  'GET /api/marketplace/connections': { needs: 'view-instances' },
  'GET /api/marketplace/connections/{connectionId}': {
    needs: 'view-instances',
    owns: { connectionId: 'customer-connection' },
  },
  'PUT /api/marketplace/connections/{connectionId}': {
    needs: 'configure-instances',
    owns: { connectionId: 'customer-connection' },
  },
  'DELETE /api/marketplace/connections/{connectionId}': {
    needs: 'configure-instances',
    owns: { connectionId: 'customer-connection' },
  },
  'POST /api/marketplace/connections/{connectionId}/authorize': {
    needs: 'configure-instances',
    owns: { connectionId: 'customer-connection' },
  },
  'GET /api/instances/{id}/config-wizard': { needs: 'view-instances', owns: { id: 'instance' } },
  'PUT /api/instances/{id}/config-wizard/pages/{page}': {
    needs: 'configure-instances',
    owns: { id: 'instance' },
  },
  'POST /api/instances/{id}/config-wizard/pages/{page}/validate': {
    needs: 'configure-instances',
    owns: { id: 'instance' },
  },
  'POST /api/instances/{id}/config-wizard/data-sources/{configVar}': {
    needs: 'configure-instances',
    owns: { id: 'instance' },
  },
  'POST /api/instances/{id}/config-wizard/connections/{configVar}/authorize': {
    needs: 'configure-instances',
    owns: { id: 'instance' },
  },
};

const orgRoles = ['owner', 'admin', 'integrator', 'support', 'viewer'] as const;

interface Operation {
  method: string;
  path: string;
  key: string;
  isPublic: boolean;
  /** The organization roles the operation's documented access names. */
  orgRoles: string[];
}

function operationsOf(document: {
  paths: Record<string, Record<string, { description?: string; security?: unknown[] }>>;
}): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const access = /\*\*Access\*\*: `[^`]+` — organization roles ([a-z, ]+);/.exec(
        operation.description ?? '',
      );
      operations.push({
        method: method.toUpperCase(),
        path,
        key: `${method.toUpperCase()} ${path}`,
        isPublic: Array.isArray(operation.security) && operation.security.length === 0,
        orgRoles: access?.[1]?.split(', ') ?? [],
      });
    }
  }
  return operations;
}

interface CustomerFixture {
  customerId: string;
  externalId: string;
  instanceId: string;
  executionId: string;
  userId: string;
  /** A connection customers may use (customer-activated) for the own fixture; one of the organization's for the other. */
  connectionId: string;
}

let server: TestServer;
let operations: Operation[];
let orgId: string;
let privateKey: KeyObject;
const tokens: Record<string, string> = {};
let own: CustomerFixture;
let other: CustomerFixture;

async function signIn(externalId: string, sub: string, role: 'admin' | 'user' = 'admin'): Promise<string> {
  return signEmbeddedJwt(privateKey, { ...embeddedClaims(orgId, externalId, sub), role });
}

async function customerFixture(
  externalId: string,
  integrationId: string,
  connectionId: string,
): Promise<CustomerFixture> {
  const jwt = await signIn(externalId, `${externalId}-first-user`);
  const me = await server.api('GET', '/api/instances', { token: jwt });
  expect(me.status, me.text).toBe(200);
  const [customer] = await sqlQuery<{ id: string }>(
    server,
    'select id from customers where external_id = $1',
    [externalId],
  );
  const [user] = await sqlQuery<{ id: string }>(
    server,
    'select id from customer_users where customer_id = $1',
    [customer?.id],
  );
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId: customer?.id, integrationId, name: `${externalId} sync` },
  });
  expect(instance.status, instance.text).toBe(201);
  const run = await server.api('POST', `/api/instances/${instance.body.id}/flows/Sync/test`, {
    body: { payload: {} },
  });
  expect(run.status, run.text).toBe(202);
  await waitForExecution(server, run.body.executionId);
  return {
    customerId: customer?.id as string,
    externalId,
    instanceId: instance.body.id,
    executionId: run.body.executionId,
    userId: user?.id as string,
    connectionId,
  };
}

/** The path with every parameter filled: resources from `fixture`, the rest with values that exist or look real. */
function pathFor(operation: Operation, fixture: CustomerFixture | undefined): string {
  const owns = customerRoutes[operation.key]?.owns ?? {};
  return operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const resource = owns[name];
    if (fixture && resource === 'instance') return fixture.instanceId;
    if (fixture && resource === 'execution') return fixture.executionId;
    if (fixture && resource === 'customer') return fixture.customerId;
    if (fixture && resource === 'customer-user') return fixture.userId;
    if (fixture && resource === 'customer-connection') return fixture.connectionId;
    if (name === 'flowName') return 'Sync';
    if (name === 'configVar') return 'Region';
    if (name === 'sha256') return '0'.repeat(64);
    if (name === 'versionNumber' || name === 'version') return '1';
    if (name === 'key') return 'http';
    return fixture?.instanceId ?? '00000000-0000-4000-8000-000000000000';
  });
}

const notFoundCode: Record<Resource, string> = {
  instance: 'INSTANCE_NOT_FOUND',
  execution: 'EXECUTION_NOT_FOUND',
  customer: 'CUSTOMER_NOT_FOUND',
  'customer-user': 'CUSTOMER_USER_NOT_FOUND',
  'customer-connection': 'CONNECTION_NOT_FOUND',
};

/** Destructive routes go last, so the fixtures they would remove serve every other check first. */
function destructiveLast(a: Operation, b: Operation): number {
  const weight = (operation: Operation) =>
    operation.method === 'DELETE' ? 2 : operation.method === 'GET' ? 0 : 1;
  return weight(a) - weight(b);
}

beforeAll(async () => {
  server = await startTestServer();
  orgId = await organizationId(server);
  const keys = localKeyPair();
  privateKey = keys.privateKey;
  const imported = await server.api('POST', '/api/signing-keys/import', {
    body: { publicKey: keys.publicKeyPem },
  });
  expect(imported.status, imported.text).toBe(201);
  const definition = `definitionVersion: 7
name: Access Check
configPages:
  - name: Settings
    elements:
      - {type: configVar, value: Region}
requiredConfigVars:
  - key: Region
    stableKey: region
    dataType: picklist
    pickList: [us, eu]
    defaultValue: eu
flows:
${flowYaml('Sync')}`;
  const integration = await server.api('POST', '/api/integrations/import', { body: { definition } });
  expect(integration.status, integration.text).toBe(201);
  const published = await server.api('POST', `/api/integrations/${integration.body.id}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const connection = async (stableKey: string, kind: string) => {
    const body = {
      stableKey,
      kind,
      name: stableKey,
      component: 'http',
      connection: 'apiKey',
      ...(kind === 'org_global' ? { values: { apiKey: 'org-secret-key' } } : {}),
    };
    const answer = await server.api('POST', '/api/connections', { body });
    expect(answer.status, answer.text).toBe(201);
    return answer.body.id as string;
  };
  own = await customerFixture('cust-own', integration.body.id, await connection('crm', 'customer_activated'));
  other = await customerFixture('cust-other', integration.body.id, await connection('org-crm', 'org_global'));
  for (const role of orgRoles)
    tokens[role] = role === 'owner' ? server.ownerToken : await tokenWithRole(server, role);
  const document = await server.api('GET', '/api/openapi.json', { token: null });
  operations = operationsOf(document.body).sort(destructiveLast);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('every API route, for every kind of principal', () => {
  it('the customer route table names only routes the API has', () => {
    const keys = new Set(operations.map((operation) => operation.key));
    expect(Object.keys(customerRoutes).filter((key) => !keys.has(key))).toEqual([]);
  });

  it('lists only the caller’s own customer’s instances, executions and logs', async () => {
    const jwt = await signIn(own.externalId, 'cust-own-first-user');
    const instances = await server.api('GET', '/api/instances', { token: jwt });
    expect(instances.body.items.map((item: { id: string }) => item.id)).toEqual([own.instanceId]);
    // Naming the other customer in the filter narrows further; it never widens.
    const filtered = await server.api('GET', `/api/instances?customer=${other.customerId}`, { token: jwt });
    expect(filtered.body.items).toEqual([]);
    const executions = await server.api('GET', '/api/executions', { token: jwt });
    expect(executions.body.items.map((item: { id: string }) => item.id)).toEqual([own.executionId]);
    const logs = await server.api('GET', '/api/logs', { token: jwt });
    expect(logs.status).toBe(200);
    expect(new Set(logs.body.items.map((line: { executionId: string }) => line.executionId))).toEqual(
      new Set([own.executionId]),
    );
    // The organization sees both.
    const all = await server.api('GET', '/api/instances');
    expect(all.body.items).toHaveLength(2);
  });

  it('refuses every non-public route without credentials (401)', async () => {
    const wrong: string[] = [];
    for (const operation of operations.filter((op) => !op.isPublic)) {
      const answer = await server.api(operation.method, pathFor(operation, own), { token: null });
      if (answer.status !== 401) wrong.push(`${operation.key}: ${answer.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('documents who may call each route, and an organization token gets exactly that', async () => {
    const undocumented = operations.filter((op) => !op.isPublic && op.orgRoles.length === 0);
    expect(undocumented.map((op) => op.key)).toEqual([]);
    const wrong: string[] = [];
    for (const role of ['viewer', 'support', 'integrator'] as const) {
      for (const operation of operations.filter((op) => !op.isPublic && op.method !== 'DELETE')) {
        const answer = await server.api(operation.method, pathFor(operation, own), {
          token: tokens[role],
          body: operation.method === 'GET' ? undefined : { notAField: true },
        });
        const allowed = operation.orgRoles.includes(role);
        const refused = answer.status === 403 && answer.body?.error?.code === 'AUTH_FORBIDDEN';
        if (allowed === refused || answer.status === 401) {
          wrong.push(`${role} ${operation.key}: ${answer.status} ${answer.text.slice(0, 120)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps customer users to their routes, their roles and their own customer', async () => {
    const wrong: string[] = [];
    const jwts: Record<CustomerRole, string> = {
      'marketplace-admin': await signIn(own.externalId, 'cust-own-first-user'),
      'marketplace-user': await signIn(own.externalId, 'cust-own-marketplace-user', 'user'),
      admin: await signIn(own.externalId, 'cust-own-admin'),
      member: await signIn(own.externalId, 'cust-own-member'),
    };
    // Admins and members are made by hand (embedded sign-in makes marketplace users): sign them in once, then
    // give them their role as an organization admin would.
    for (const role of ['admin', 'member'] as const) {
      expect((await server.api('GET', '/api/marketplace', { token: jwts[role] })).status).toBe(200);
      await sqlQuery(server, 'update customer_users set role = $1 where external_id = $2', [
        role,
        `cust-own-${role}`,
      ]);
    }
    for (const operation of operations.filter((op) => !op.isPublic)) {
      const rule = customerRoutes[operation.key];
      for (const [role, jwt] of Object.entries(jwts) as [CustomerRole, string][]) {
        const body = operation.method === 'GET' ? undefined : {};
        if (!rule) {
          const answer = await server.api(operation.method, pathFor(operation, own), { token: jwt, body });
          if (answer.status !== 403 || answer.body?.error?.code !== 'AUTH_ORGANIZATION_ONLY') {
            wrong.push(
              `${role} ${operation.key} (organization only): ${answer.status} ${answer.text.slice(0, 120)}`,
            );
          }
          continue;
        }
        const allowed = (customerCapabilities[rule.needs] as readonly string[]).includes(role);
        if (!allowed) {
          const answer = await server.api(operation.method, pathFor(operation, own), { token: jwt, body });
          if (answer.status !== 403 || answer.body?.error?.code !== 'AUTH_FORBIDDEN') {
            wrong.push(
              `${role} ${operation.key} (role lacks ${rule.needs}): ${answer.status} ${answer.text.slice(0, 120)}`,
            );
          }
          continue;
        }
        for (const [param, resource] of Object.entries(rule.owns ?? {})) {
          const answer = await server.api(operation.method, pathFor(operation, other), { token: jwt, body });
          if (answer.status !== 404 || answer.body?.error?.code !== notFoundCode[resource]) {
            wrong.push(
              `${role} ${operation.key} with another customer's ${param}: ${answer.status} ${answer.text.slice(0, 120)}`,
            );
          }
        }
        if (operation.method === 'DELETE') continue;
        const answer = await server.api(operation.method, pathFor(operation, own), { token: jwt, body });
        const scopeRefusal =
          answer.status === 401 ||
          answer.status === 403 ||
          Object.values(rule.owns ?? {}).some(
            (resource) => answer.body?.error?.code === notFoundCode[resource],
          );
        if (scopeRefusal)
          wrong.push(`${role} ${operation.key} on its own: ${answer.status} ${answer.text.slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
