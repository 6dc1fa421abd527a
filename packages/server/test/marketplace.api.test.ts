// Issue 16 (marketplace): an integration's marketplace settings, what a customer user (embedded JWT) may activate
// and the activation rules (listed, customer-deployable, one instance or several, the version offered), the
// organization's view of a customer's marketplace, and the icon served to customers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedSigner } from './support/customer-callers.js';
import { definitionYaml, sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { acmeAndBeta, publish } from './support/marketplace.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let signer: EmbeddedSigner;
let acme: string;
let beta: string;
let acmeUser: string;
let viewer: string;
const ids = {} as { sync: string; erp: string; shop: string; draft: string; hidden: string };

async function integration(
  name: string,
  options: { category?: string; labels?: string[]; publish?: boolean; configVars?: string[] } = {},
): Promise<string> {
  const imported = await server.api('POST', '/api/integrations/import', {
    body: {
      definition: definitionYaml({
        name,
        description: `${name} for your account`,
        ...(options.category ? { category: options.category } : {}),
        ...(options.labels ? { labels: options.labels } : {}),
        ...(options.configVars ? { configVars: options.configVars } : {}),
      }),
    },
  });
  expect(imported.status, imported.text).toBe(201);
  if (options.publish !== false) await publish(server, imported.body.id);
  return imported.body.id;
}

async function settings(id: string, body: Record<string, unknown>, token = server.ownerToken) {
  return server.api('PUT', `/api/integrations/${id}/marketplace`, { body, token });
}

const names = (answer: { body: { items: Array<{ name: string }> } }) =>
  answer.body.items.map((item) => item.name);

beforeAll(async () => {
  server = await startTestServer();
  ({ signer, acme, beta } = await acmeAndBeta(server));
  acmeUser = await signer.token({ customer: 'acme', sub: 'acme-intern', role: 'user' });
  viewer = await tokenWithRole(server, 'viewer');
  ids.sync = await integration('Salesforce Sync', { category: 'CRM', labels: ['crm', 'paid'] });
  ids.erp = await integration('NetSuite Export', { category: 'ERP', labels: ['erp'] });
  ids.shop = await integration('Shopify Orders', { category: 'Commerce', labels: ['paid'] });
  ids.draft = await integration('Unpublished Draft', { publish: false });
  ids.hidden = await integration('Internal Tool');
});

afterAll(async () => {
  await server?.stop();
});

describe('marketplace settings', () => {
  it('start unlisted, offering the newest available version', async () => {
    const answer = await server.api('GET', `/api/integrations/${ids.sync}/marketplace`, { token: viewer });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({
      integrationId: ids.sync,
      listed: false,
      overview: '',
      customerDeployable: true,
      allowMultipleInstances: false,
      versionNumber: null,
      offeredVersionNumber: 1,
      availableVersions: [1],
    });
  });

  it('are changed by integrators, field by field; a viewer may not', async () => {
    const forbidden = await settings(ids.sync, { listed: true }, viewer);
    expect(forbidden.status).toBe(403);
    for (const id of [ids.sync, ids.erp, ids.shop]) {
      const listed = await settings(id, { listed: true, overview: `About ${id}` });
      expect(listed.status, listed.text).toBe(200);
      expect(listed.body).toMatchObject({ listed: true, customerDeployable: true, offeredVersionNumber: 1 });
    }
    const multiple = await settings(ids.shop, { allowMultipleInstances: true });
    expect(multiple.body).toMatchObject({
      listed: true,
      allowMultipleInstances: true,
      overview: `About ${ids.shop}`,
    });
  });

  it('refuse listing an integration with no available version, and pinning one that is not', async () => {
    const unpublished = await settings(ids.draft, { listed: true });
    expect(unpublished.status).toBe(422);
    expect(unpublished.body.error.code).toBe('MARKETPLACE_NO_AVAILABLE_VERSION');
    expect(unpublished.body.error.message).toContain('Publish it first');

    const missing = await settings(ids.erp, { versionNumber: 7 });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('INTEGRATION_VERSION_NOT_FOUND');
    // Past what a version number column holds: no such version either, not a server error.
    const huge = await settings(ids.erp, { versionNumber: 99_999_999_999 });
    expect(huge.status, huge.text).toBe(404);
    expect(huge.body.error.code).toBe('INTEGRATION_VERSION_NOT_FOUND');

    await publish(server, ids.erp);
    const pinned = await settings(ids.erp, { versionNumber: 1 });
    expect(pinned.body).toMatchObject({
      versionNumber: 1,
      offeredVersionNumber: 1,
      availableVersions: [2, 1],
    });
    // Marking the pinned version unavailable takes it off the marketplace until another is pinned.
    const unavailable = await server.api('PATCH', `/api/integrations/${ids.erp}/versions/1`, {
      body: { available: false },
    });
    expect(unavailable.status, unavailable.text).toBe(200);
    expect(
      (await server.api('GET', `/api/integrations/${ids.erp}/marketplace`)).body.offeredVersionNumber,
    ).toBeNull();
    const refused = await settings(ids.erp, { overview: 'New text' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('MARKETPLACE_NO_AVAILABLE_VERSION');
    expect((await settings(ids.erp, { versionNumber: 1 })).status).toBe(422);
    const latest = await settings(ids.erp, { versionNumber: null });
    expect(latest.body).toMatchObject({ versionNumber: null, offeredVersionNumber: 2 });
  });
});

describe('the marketplace', () => {
  it("lists for a customer user only what is listed, by name, with the customer's instances", async () => {
    const answer = await server.api('GET', '/api/marketplace', { token: acme });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.customer).toMatchObject({ externalId: 'acme', name: 'Acme Corp' });
    expect(names(answer)).toEqual(['NetSuite Export', 'Salesforce Sync', 'Shopify Orders']);
    expect(answer.body.items[1]).toEqual({
      id: ids.sync,
      name: 'Salesforce Sync',
      description: 'Salesforce Sync for your account',
      overview: `About ${ids.sync}`,
      category: 'CRM',
      labels: ['crm', 'paid'],
      iconUrl: null,
      listed: true,
      versionNumber: 1,
      customerDeployable: true,
      allowMultipleInstances: false,
      instances: [],
    });
  });

  it('filters by category, label and search', async () => {
    const query = async (q: string) =>
      names(await server.api('GET', `/api/marketplace?${q}`, { token: acme }));
    expect(await query('category=crm')).toEqual(['Salesforce Sync']);
    expect(await query('label=paid')).toEqual(['Salesforce Sync', 'Shopify Orders']);
    expect(await query('label=paid&label=crm')).toEqual(['Salesforce Sync']);
    expect(await query('search=netsuite')).toEqual(['NetSuite Export']);
    expect(await query('search=for%20your&category=Commerce')).toEqual(['Shopify Orders']);
  });

  it('answers an unlisted integration as absent to customers, on every marketplace route', async () => {
    for (const path of [`/api/marketplace/${ids.hidden}`, `/api/marketplace/${ids.hidden}/icon`]) {
      const answer = await server.api('GET', path, { token: acme });
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code).toBe('MARKETPLACE_INTEGRATION_NOT_FOUND');
    }
    const activate = await server.api('POST', `/api/marketplace/${ids.hidden}/activate`, {
      token: acme,
      body: {},
    });
    expect(activate.status).toBe(404);
    expect(activate.body.error.code).toBe('MARKETPLACE_INTEGRATION_NOT_FOUND');
    // The organization is told what to do instead.
    const org = await server.api('POST', `/api/marketplace/${ids.hidden}/activate`, {
      body: { customer: 'acme' },
    });
    expect(org.status).toBe(422);
    expect(org.body.error.code).toBe('MARKETPLACE_NOT_LISTED');
  });

  it('serves the icon to customers through the marketplace', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    const uploaded = await server.api('PUT', `/api/integrations/${ids.sync}/icon`, {
      rawBody: png,
      headers: { 'content-type': 'image/png' },
    });
    expect(uploaded.status, uploaded.text).toBeLessThan(300);
    const item = await server.api('GET', `/api/marketplace/${ids.sync}`, { token: acme });
    expect(item.body.iconUrl).toBe(`/api/marketplace/${ids.sync}/icon`);
    const icon = await fetch(new URL(item.body.iconUrl, server.url), {
      headers: { authorization: `Bearer ${acme}` },
    });
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await icon.arrayBuffer())).toEqual(png);
    // The integration routes themselves stay the organization's.
    expect((await server.api('GET', `/api/integrations/${ids.sync}/icon`, { token: acme })).status).toBe(403);
  });
});

describe('activation', () => {
  let first: string;

  it("creates the customer's instance of the version offered, recording the customer user", async () => {
    const answer = await server.api('POST', `/api/marketplace/${ids.sync}/activate`, {
      token: acme,
      body: {},
    });
    expect(answer.status, answer.text).toBe(201);
    first = answer.body.instance.id;
    expect(answer.body).toMatchObject({
      integration: { id: ids.sync, name: 'Salesforce Sync' },
      customer: { externalId: 'acme', name: 'Acme Corp' },
      configWizardUrl: `/api/instances/${first}/config-wizard`,
      instance: {
        name: 'Salesforce Sync',
        enabled: true,
        deployed: false,
        status: 'unconfigured',
        needsConfiguration: false,
        versionNumber: 1,
        deployedVersionNumber: null,
        upgradeAvailable: false,
      },
    });
    const [row] = await sqlQuery<{ created_by_customer_user_id: string | null; external_id: string }>(
      server,
      `select n.created_by_customer_user_id, u.external_id from instances n
       join customer_users u on u.id = n.created_by_customer_user_id where n.id = $1`,
      [first],
    );
    expect(row?.external_id).toBe('user-of-acme');
    const listing = await server.api('GET', '/api/marketplace', { token: acme });
    const item = listing.body.items.find((candidate: { id: string }) => candidate.id === ids.sync);
    expect(item.instances.map((instance: { id: string }) => instance.id)).toEqual([first]);
  });

  it('refuses a second instance unless the integration allows several (409 names the existing one)', async () => {
    const again = await server.api('POST', `/api/marketplace/${ids.sync}/activate`, {
      token: acme,
      body: {},
    });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({
      code: 'MARKETPLACE_INSTANCE_EXISTS',
      details: { instanceId: first },
    });

    const shop1 = await server.api('POST', `/api/marketplace/${ids.shop}/activate`, {
      token: acme,
      body: {},
    });
    const shop2 = await server.api('POST', `/api/marketplace/${ids.shop}/activate`, {
      token: acme,
      body: {},
    });
    const named = await server.api('POST', `/api/marketplace/${ids.shop}/activate`, {
      token: acme,
      body: { name: 'Second Store' },
    });
    expect([shop1.status, shop2.status, named.status]).toEqual([201, 201, 201]);
    expect([shop1.body.instance.name, shop2.body.instance.name, named.body.instance.name]).toEqual([
      'Shopify Orders',
      'Shopify Orders 2',
      'Second Store',
    ]);
    const taken = await server.api('POST', `/api/marketplace/${ids.shop}/activate`, {
      token: acme,
      body: { name: 'second store' },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('INSTANCE_NAME_TAKEN');
  });

  it('makes one instance of two activations at once', async () => {
    const both = await Promise.all(
      [1, 2].map(() => server.api('POST', `/api/marketplace/${ids.erp}/activate`, { token: beta, body: {} })),
    );
    expect(both.map((answer) => answer.status).sort()).toEqual([201, 409]);
  });

  it('leaves integrations that are not customer-deployable to the organization', async () => {
    await settings(ids.erp, { customerDeployable: false });
    const refused = await server.api('POST', `/api/marketplace/${ids.erp}/activate`, {
      token: acme,
      body: {},
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('MARKETPLACE_NOT_CUSTOMER_DEPLOYABLE');
    const listing = await server.api('GET', '/api/marketplace?category=erp', { token: acme });
    expect(listing.body.items[0]).toMatchObject({ customerDeployable: false });

    const unnamed = await server.api('POST', `/api/marketplace/${ids.erp}/activate`, { body: {} });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.error.code).toBe('MARKETPLACE_CUSTOMER_REQUIRED');
    const forAcme = await server.api('POST', `/api/marketplace/${ids.erp}/activate`, {
      body: { customer: 'acme' },
    });
    expect(forAcme.status, forAcme.text).toBe(201);
    expect(forAcme.body.instance.versionNumber).toBe(2);
    const [row] = await sqlQuery<{
      created_by_customer_user_id: string | null;
      created_by_token_id: string | null;
    }>(server, 'select created_by_customer_user_id, created_by_token_id from instances where id = $1', [
      forAcme.body.instance.id,
    ]);
    expect(row).toMatchObject({ created_by_customer_user_id: null, created_by_token_id: expect.any(String) });
  });

  it("is a marketplace admin's to do, not a marketplace user's, and a customer acts only for itself", async () => {
    const user = await server.api('POST', `/api/marketplace/${ids.shop}/activate`, {
      token: acmeUser,
      body: {},
    });
    expect(user.status).toBe(403);
    expect(user.body.error.code).toBe('AUTH_FORBIDDEN');
    expect((await server.api('GET', '/api/marketplace', { token: acmeUser })).status).toBe(200);

    const forBeta = await server.api('POST', `/api/marketplace/${ids.shop}/activate`, {
      token: acme,
      body: { customer: 'beta' },
    });
    expect(forBeta.status).toBe(404);
    expect(forBeta.body.error.code).toBe('CUSTOMER_NOT_FOUND');
    expect((await server.api('GET', '/api/marketplace?customer=beta', { token: acme })).status).toBe(404);
  });

  it('shows each customer its own instances; the organization sees any customer’s', async () => {
    const betaView = await server.api('GET', '/api/marketplace', { token: beta });
    const betaSync = betaView.body.items.find((item: { id: string }) => item.id === ids.sync);
    expect(betaSync.instances).toEqual([]);
    expect((await server.api('GET', `/api/instances/${first}`, { token: beta })).status).toBe(404);

    const asAcme = await server.api('GET', '/api/marketplace?customer=acme');
    expect(asAcme.status, asAcme.text).toBe(200);
    expect(asAcme.body.customer.externalId).toBe('acme');
    expect(asAcme.body.items.find((item: { id: string }) => item.id === ids.sync).instances[0].id).toBe(
      first,
    );
    const noCustomer = await server.api('GET', '/api/marketplace');
    expect(noCustomer.body.customer).toBeNull();
    expect(noCustomer.body.items.every((item: { instances: unknown[] }) => item.instances.length === 0)).toBe(
      true,
    );
  });

  it('says when an upgrade is offered, and keeps unlisted integrations of active instances on request', async () => {
    await publish(server, ids.sync);
    const listing = await server.api('GET', `/api/marketplace/${ids.sync}`, { token: acme });
    expect(listing.body.versionNumber).toBe(2);
    expect(listing.body.instances[0]).toMatchObject({ id: first, versionNumber: 1, upgradeAvailable: true });

    await settings(ids.sync, { listed: false });
    expect(names(await server.api('GET', '/api/marketplace', { token: acme }))).not.toContain(
      'Salesforce Sync',
    );
    const active = await server.api('GET', '/api/marketplace?includeActive=true', { token: acme });
    expect(active.body.items.find((item: { id: string }) => item.id === ids.sync)).toMatchObject({
      listed: false,
      instances: [expect.objectContaining({ id: first })],
    });
    expect(
      names(await server.api('GET', '/api/marketplace?includeActive=true', { token: beta })),
    ).not.toContain('Salesforce Sync');
    // Still readable by the customer who has it; not activatable again.
    expect((await server.api('GET', `/api/marketplace/${ids.sync}`, { token: acme })).status).toBe(200);
    expect((await server.api('GET', `/api/marketplace/${ids.sync}`, { token: beta })).status).toBe(404);
  });
});
