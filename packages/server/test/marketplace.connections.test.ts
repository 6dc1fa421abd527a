// Issue 16 (self-service): customer-activated connections. The organization defines the connection once; each
// customer user enters their own credentials (or authorizes with OAuth 2.0 against a real provider), sees which of
// their instances use them, re-authorizes and deletes them; never another customer's, never a secret value. The
// config wizard of an instance that uses one asks for (and saves) the customer's credentials.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedSigner } from './support/customer-callers.js';
import { flowYaml } from './support/integration-fixtures.js';
import { acmeAndBeta, listedIntegration, serverWithOAuthProvider } from './support/marketplace.js';
import type { OAuthProvider } from './support/oauth-provider.js';
import type { TestServer } from './support/test-server.js';

const client = { clientId: 'self-service-app', clientSecret: 'self-service-secret-4a9d2e' };

let server: TestServer;
let provider: OAuthProvider;
let signer: EmbeddedSigner;
let acme: string;
let beta: string;
let integrationId: string;
let instanceId: string;

const definition = `definitionVersion: 7
name: Acme Reports
description: Sends reports to Acme
endpointType: flow_specific
requiredConfigVars:
  - key: Acme API
    stableKey: acme-api
    useScopedConfigVar: acme-api
    orgOnly: false
configPages:
  - name: Connect
    elements:
      - {type: configVar, value: Acme API}
flows:
${flowYaml('Send Report')}`;

async function connection(body: Record<string, unknown>) {
  const answer = await server.api('POST', '/api/connections', { body });
  expect(answer.status, answer.text).toBe(201);
  return answer.body;
}

beforeAll(async () => {
  ({ server, provider } = await serverWithOAuthProvider(client));
  await connection({
    stableKey: 'acme-api',
    kind: 'customer_activated',
    name: 'Acme API',
    component: 'http',
    connection: 'apiKey',
  });
  await connection({
    stableKey: 'acme-oauth',
    kind: 'customer_activated',
    name: 'Acme OAuth',
    component: 'http',
    connection: 'oauth2',
  });
  await connection({
    stableKey: 'org-shared',
    kind: 'org_global',
    name: 'Shared',
    component: 'http',
    connection: 'apiKey',
    values: { apiKey: 'org-key' },
  });
  integrationId = await listedIntegration(server, definition);
  ({ signer, acme, beta } = await acmeAndBeta(server));
});

afterAll(async () => {
  await server?.stop();
  await provider?.stop();
});

describe('customer-activated connections', () => {
  it('are listed for a customer with their state, without the organization’s other connections', async () => {
    const answer = await server.api('GET', '/api/marketplace/connections', { token: acme });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body.customer).toMatchObject({ externalId: 'acme' });
    expect(answer.body.items.map((item: { stableKey: string }) => item.stableKey)).toEqual([
      'acme-api',
      'acme-oauth',
    ]);
    expect(answer.body.items[0]).toMatchObject({
      name: 'Acme API',
      component: 'http',
      connection: 'apiKey',
      oauth2: null,
      status: 'not_configured',
      usedBy: [],
    });
    expect(answer.body.items[1]).toMatchObject({ oauth2: 'authorization_code', status: 'not_configured' });
    const other = await server.api('GET', '/api/marketplace/connections/org-shared', { token: acme });
    expect(other.status).toBe(404);
    expect(other.body.error.code).toBe('CONNECTION_NOT_FOUND');
  });

  it("are asked for by the wizard of an instance that uses one, and saved as the customer's own", async () => {
    const activated = await server.api('POST', `/api/marketplace/${integrationId}/activate`, {
      token: acme,
      body: {},
    });
    expect(activated.status, activated.text).toBe(201);
    instanceId = activated.body.instance.id;
    const wizard = await server.api('GET', `/api/instances/${instanceId}/config-wizard`, { token: acme });
    expect(wizard.body.pages[0].problems).toEqual([
      { configVar: 'Acme API', message: "'Acme API': connect your Acme API account" },
    ]);
    const variable = wizard.body.pages[0].elements[0].variable;
    expect(variable).toMatchObject({
      editable: true,
      hasValue: false,
      connection: { source: 'customer_activated', scopedConnection: 'acme-api', status: 'not_configured' },
    });
    // Deploy does not wait for it (it is resolved when a flow runs), but the wizard does.
    expect(wizard.body).toMatchObject({ complete: false, canDeploy: false, missing: [] });

    const secret = 'acme-secret-key-8812';
    const saved = await server.api('PUT', `/api/instances/${instanceId}/config-wizard/pages/Connect`, {
      token: acme,
      body: { values: { 'Acme API': { apiKey: secret, headerName: 'X-Api-Key' } } },
    });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ complete: true, canDeploy: true });
    expect(saved.text).not.toContain(secret);
    const inputs = saved.body.pages[0].elements[0].variable.connection.inputs;
    expect(inputs.find((input: { key: string }) => input.key === 'apiKey')).toMatchObject({
      type: 'password',
      value: '********',
    });
    expect(inputs.find((input: { key: string }) => input.key === 'headerName').value).toBe('X-Api-Key');

    const listing = await server.api('GET', '/api/marketplace/connections/acme-api', { token: acme });
    expect(listing.body).toMatchObject({
      status: 'configured',
      usedBy: [
        {
          instanceId,
          instanceName: 'Acme Reports',
          integration: { id: integrationId },
          configVar: 'Acme API',
        },
      ],
    });
    expect(listing.text).not.toContain(secret);
    // Another customer has none of its own, and sees none of Acme's.
    const betaView = await server.api('GET', '/api/marketplace/connections/acme-api', { token: beta });
    expect(betaView.body).toMatchObject({ status: 'not_configured', usedBy: [] });
  });

  it('are set, changed and deleted by the customer for itself; the organization names the customer', async () => {
    const set = await server.api('PUT', '/api/marketplace/connections/acme-api', {
      token: beta,
      body: { values: { apiKey: 'beta-key-1' } },
    });
    expect(set.status, set.text).toBe(200);
    expect(set.body.status).toBe('configured');
    const acmeStill = await server.api('GET', '/api/marketplace/connections/acme-api', { token: acme });
    expect(acmeStill.body.inputs.find((input: { key: string }) => input.key === 'headerName').value).toBe(
      'X-Api-Key',
    );

    const unnamed = await server.api('PUT', '/api/marketplace/connections/acme-api', {
      body: { values: { apiKey: 'x' } },
    });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body.error.code).toBe('MARKETPLACE_CUSTOMER_REQUIRED');
    const forBeta = await server.api('PUT', '/api/marketplace/connections/acme-api?customer=beta', {
      body: { values: { headerName: 'X-Beta' } },
    });
    expect(forBeta.status, forBeta.text).toBe(200);
    const listed = await server.api('GET', '/api/marketplace/connections?customer=beta');
    expect(
      listed.body.items[0].inputs.find((input: { key: string }) => input.key === 'headerName').value,
    ).toBe('X-Beta');
    // An organization connection of another kind is not a self-service one, for the organization either.
    expect(
      (
        await server.api('PUT', '/api/marketplace/connections/org-shared?customer=beta', {
          body: { values: {} },
        })
      ).status,
    ).toBe(404);
    // A customer cannot act for another customer.
    expect(
      (await server.api('GET', '/api/marketplace/connections?customer=acme', { token: beta })).status,
    ).toBe(404);

    const bad = await server.api('PUT', '/api/marketplace/connections/acme-api', {
      token: beta,
      body: { values: { apiKey: null } },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('CONNECTION_INPUTS_INVALID');

    const deleted = await server.api('DELETE', '/api/marketplace/connections/acme-api', { token: beta });
    expect(deleted.status).toBe(204);
    expect(
      (await server.api('GET', '/api/marketplace/connections/acme-api', { token: beta })).body.status,
    ).toBe('not_configured');
    expect(
      (await server.api('GET', '/api/marketplace/connections/acme-api', { token: acme })).body.status,
    ).toBe('configured');
    const again = await server.api('DELETE', '/api/marketplace/connections/acme-api', { token: beta });
    expect(again.status).toBe(404);
  });

  it('are authorized and re-authorized with OAuth 2.0 by the customer', async () => {
    const entered = await server.api('PUT', '/api/marketplace/connections/acme-oauth', {
      token: acme,
      body: {
        values: {
          authorizeUrl: provider.authorizeUrl,
          tokenUrl: provider.tokenUrl,
          clientId: client.clientId,
          clientSecret: client.clientSecret,
          scopes: 'read',
        },
      },
    });
    expect(entered.status, entered.text).toBe(200);
    expect(entered.body.status).toBe('pending_authorization');
    expect(entered.text).not.toContain(client.clientSecret);

    for (const round of [1, 2]) {
      const started = await server.api('POST', '/api/marketplace/connections/acme-oauth/authorize', {
        token: acme,
        body: {},
      });
      expect(started.status, started.text).toBe(200);
      const landed = await fetch(await provider.approve(started.body.authorizeUrl), { redirect: 'manual' });
      expect(landed.status, `round ${round}`).toBe(302);
      expect(new URL(landed.headers.get('location') ?? '').searchParams.get('status')).toBe('connected');
      const state = await server.api('GET', '/api/marketplace/connections/acme-oauth', { token: acme });
      expect(state.body).toMatchObject({ status: 'connected', tokenExpiresAt: expect.any(String) });
    }
    expect(provider.tokenRequests.authorization_code).toBe(2);

    const elsewhere = await server.api('POST', '/api/marketplace/connections/acme-oauth/authorize', {
      token: acme,
      body: { returnTo: 'javascript:alert(1)' },
    });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.error.code).toBe('OAUTH2_RETURN_TO_NOT_ALLOWED');
    // Beta has entered nothing: the connection cannot be authorized without its client id.
    const beta1 = await server.api('POST', '/api/marketplace/connections/acme-oauth/authorize', {
      token: beta,
      body: {},
    });
    expect(beta1.status).toBe(422);
    expect(beta1.body.error.code).toBe('CONNECTION_INPUTS_INVALID');
  });

  it('are refused to roles that may not manage connections', async () => {
    const user = await signer.token({ customer: 'acme', sub: 'acme-user-2', role: 'user' });
    expect((await server.api('GET', '/api/marketplace/connections', { token: user })).status).toBe(403);
    expect(
      (
        await server.api('PUT', '/api/marketplace/connections/acme-api', {
          token: user,
          body: { values: {} },
        })
      ).status,
    ).toBe(403);
  });
});
