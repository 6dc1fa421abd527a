// Issue 16 (marketplace and config wizard): a customer user (embedded JWT) activates a marketplace integration and
// drives its three-page config wizard to completion: an OAuth 2.0 connection authorized against a real provider
// (oidc-provider on loopback) from the wizard, a picklist whose data source depends on the first page's unsaved
// choice, and an organization-only variable the customer never sees, which the organization sets. Partial saves,
// per-page validation, deploy refused until complete, and another customer's instance answering 404.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acmeConnectionAndRegionYaml, acmeListsComponent } from './support/acme-lists-component.js';
import type { EmbeddedSigner } from './support/customer-callers.js';
import { flowYaml, sqlQuery } from './support/integration-fixtures.js';
import { acmeAndBeta, listedIntegration, serverWithOAuthProvider } from './support/marketplace.js';
import type { OAuthProvider } from './support/oauth-provider.js';
import { bundleSource } from './support/spectral-bundles.js';
import type { TestServer } from './support/test-server.js';

const client = { clientId: 'wizard-app', clientSecret: 'wizard-client-secret-7c1e0b' };

function definition(provider: OAuthProvider): string {
  return `definitionVersion: 7
name: Acme Wizard
description: Syncs an Acme list
category: CRM
labels: [crm]
endpointType: flow_specific
requiredConfigVars:
${acmeConnectionAndRegionYaml({ key: 'Acme OAuth', stableKey: 'acme-oauth' }, provider, client)}  - key: Embedded Token
    stableKey: embedded-token
    dataType: string
    orgOnly: false
    meta: {visibleToCustomerDeployer: false, visibleToOrgDeployer: true}
  - key: Target List
    stableKey: target-list
    dataType: picklist
    dataSource: {key: lists, component: {key: acme-lists, version: LATEST, isPublic: false}}
    inputs:
      connection: {type: configVar, value: Acme OAuth}
      region: {type: configVar, value: Region}
    orgOnly: false
  - key: Internal Key
    stableKey: internal-key
    dataType: string
    orgOnly: true
  - key: Batch Size
    stableKey: batch-size
    dataType: number
    defaultValue: "50"
    orgOnly: false
configPages:
  - name: Connect
    tagline: Sign in to Acme
    elements:
      - {type: configVar, value: Acme OAuth}
      - {type: configVar, value: Region}
      - {type: configVar, value: Embedded Token}
  - name: Choose
    elements:
      - {type: htmlElement, value: "<h2>Pick a list</h2>"}
      - {type: configVar, value: Target List}
  - name: Internal
    elements:
      - {type: configVar, value: Internal Key}
flows:
${flowYaml('Sync Lists')}`;
}

let server: TestServer;
let provider: OAuthProvider;
let signer: EmbeddedSigner;
let acme: string;
let beta: string;
let integrationId: string;
let instanceId: string;

// biome-ignore lint/suspicious/noExplicitAny: the wizard as the API answers it
type Wizard = any;

const wizardPath = () => `/api/instances/${instanceId}/config-wizard`;
const asAcme = (method: string, path: string, body?: unknown) =>
  server.api(method, path, { token: acme, body });

async function wizard(token: string = acme): Promise<Wizard> {
  const answer = await server.api('GET', wizardPath(), { token });
  expect(answer.status, answer.text).toBe(200);
  return answer.body;
}

function page(wizard: Wizard, name: string) {
  return wizard.pages.find((candidate: { name: string }) => candidate.name === name);
}

function variable(wizard: Wizard, name: string) {
  for (const candidate of wizard.pages) {
    for (const element of candidate.elements) if (element.variable?.key === name) return element.variable;
  }
  return undefined;
}

beforeAll(async () => {
  ({ server, provider } = await serverWithOAuthProvider(client, { WEFT_SANDBOX_NETWORK: 'open' }));
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSource(acmeListsComponent) },
  });
  expect(published.status, published.text).toBe(201);
  integrationId = await listedIntegration(server, definition(provider), {
    overview: 'Sync **one** Acme list.',
  });
  ({ signer, acme, beta } = await acmeAndBeta(server));
  const activated = await asAcme('POST', `/api/marketplace/${integrationId}/activate`, {});
  expect(activated.status, activated.text).toBe(201);
  instanceId = activated.body.instance.id;
});

afterAll(async () => {
  await server?.stop();
  await provider?.stop();
});

describe('the config wizard of a marketplace activation', () => {
  it('shows the customer its pages in order, without the organization-only variable', async () => {
    const shown = await wizard();
    expect(shown.pages.map((p: { name: string; number: number }) => [p.number, p.name])).toEqual([
      [1, 'Connect'],
      [2, 'Choose'],
      [3, 'Other settings'],
    ]);
    expect(JSON.stringify(shown)).not.toContain('Internal Key');
    expect(JSON.stringify(shown)).not.toContain('internal-key');
    expect(shown).toMatchObject({ complete: false, canDeploy: false, organizationOnlyMissing: 1 });
    expect(shown.missing).toEqual([
      { configVar: 'Acme OAuth', page: 'Connect' },
      { configVar: 'Region', page: 'Connect' },
      { configVar: 'Embedded Token', page: 'Connect' },
      { configVar: 'Target List', page: 'Choose' },
    ]);

    const connect = page(shown, 'Connect');
    expect(connect).toMatchObject({ tagline: 'Sign in to Acme', status: 'incomplete' });
    expect(connect.problems.map((p: { configVar: string }) => p.configVar)).toEqual([
      'Acme OAuth',
      'Region',
      'Embedded Token',
    ]);
    const region = variable(shown, 'Region');
    expect(region).toMatchObject({
      dataType: 'picklist',
      pickList: ['eu', 'us'],
      description: 'Where your Acme account lives',
      visibility: 'customer',
      visible: true,
      editable: true,
      hasValue: false,
      value: null,
    });
    // Embedded: hidden from the customer's wizard, set by the organization's app through the customer's session.
    expect(variable(shown, 'Embedded Token')).toMatchObject({
      visibility: 'embedded',
      visible: false,
      editable: true,
    });
    // The connection's organization-only inputs (client id and secret, URLs) are not shown to customers at all.
    const oauth = variable(shown, 'Acme OAuth');
    expect(oauth.connection).toMatchObject({
      source: 'instance',
      oauth2: 'authorization_code',
      status: 'not_configured',
    });
    expect(oauth.connection.inputs.map((input: { key: string }) => input.key)).not.toContain('clientSecret');
    expect(oauth.connection.inputs.map((input: { key: string }) => input.key)).not.toContain('clientId');
    expect(JSON.stringify(shown)).not.toContain(client.clientSecret);

    const choose = page(shown, 'Choose');
    expect(choose.elements[0]).toEqual({ type: 'html', content: '<h2>Pick a list</h2>' });
    expect(variable(shown, 'Target List')).toMatchObject({
      dataSource: { component: 'acme-lists', key: 'lists' },
      dependsOn: ['Acme OAuth', 'Region'],
    });
    expect(page(shown, 'Other settings')).toMatchObject({ status: 'complete' });
    expect(variable(shown, 'Batch Size')).toMatchObject({ value: 50, defaultValue: '50', hasValue: true });
  });

  it('shows the organization every page, the organization-only one included', async () => {
    const shown = await wizard(server.ownerToken);
    expect(shown.pages.map((p: { name: string }) => p.name)).toEqual([
      'Connect',
      'Choose',
      'Internal',
      'Other settings',
    ]);
    expect(shown.organizationOnlyMissing).toBe(0);
    expect(shown.missing).toContainEqual({ configVar: 'Internal Key', page: 'Internal' });
    expect(variable(shown, 'Internal Key')).toMatchObject({
      visibility: 'organization',
      visible: true,
      editable: true,
    });
    const oauth = variable(shown, 'Acme OAuth');
    expect(oauth.connection.inputs.map((input: { key: string }) => input.key)).toEqual(
      expect.arrayContaining(['clientId', 'clientSecret', 'authorizeUrl']),
    );
    // Secrets stay masked for the organization too.
    expect(JSON.stringify(shown)).not.toContain(client.clientSecret);
  });

  it('saves a page partially, and refuses values that are wrong, elsewhere, or not the customer’s', async () => {
    const saved = await asAcme('PUT', `${wizardPath()}/pages/Connect`, { values: { Region: 'eu' } });
    expect(saved.status, saved.text).toBe(200);
    expect(variable(saved.body, 'Region')).toMatchObject({ hasValue: true, value: 'eu' });
    expect(page(saved.body, 'Connect').status).toBe('incomplete');

    const refusals: Array<[string, unknown, string]> = [
      ['Connect', { Region: 'mars' }, "Config variable 'Region' (picklist) expects one of 'eu', 'us'"],
      ['Choose', { Region: 'us' }, "'Region' is on page 'Connect', not 'Choose'"],
      ['Connect', { 'Internal Key': 'mine' }, "Page 'Connect' has no config variable 'Internal Key'"],
      ['Connect', { 'Acme OAuth': { clientSecret: 'stolen' } }, "'clientSecret' is not an input you may set"],
    ];
    for (const [pageName, values, message] of refusals) {
      const refused = await asAcme('PUT', `${wizardPath()}/pages/${pageName}`, { values });
      expect(refused.status, refused.text).toBe(422);
      expect(refused.body.error.code).toBe('CONFIG_WIZARD_VALUES_INVALID');
      expect(refused.body.error.message).toContain(message);
      expect(refused.body.error.details.problems[0].configVar).toBe(Object.keys(values as object)[0]);
    }
    const [row] = await sqlQuery<{ config_values: Record<string, unknown> }>(
      server,
      'select config_values from instances where id = $1',
      [instanceId],
    );
    expect(row?.config_values).toEqual({ region: 'eu', 'batch-size': 50 });

    // Pages are named by number too.
    const byNumber = await asAcme('POST', `${wizardPath()}/pages/1/validate`, {
      values: { Region: 'us', 'Embedded Token': 'tok-1' },
    });
    expect(byNumber.status, byNumber.text).toBe(200);
    expect(byNumber.body).toEqual({
      page: 'Connect',
      valid: true,
      complete: false,
      problems: [],
      missing: ['Acme OAuth'],
    });
    const unknownPage = await asAcme('PUT', `${wizardPath()}/pages/Internal`, { values: {} });
    expect(unknownPage.status).toBe(404);
    expect(unknownPage.body.error.code).toBe('CONFIG_WIZARD_PAGE_NOT_FOUND');
    expect(unknownPage.body.error.details.pages).toEqual(['Connect', 'Choose', 'Other settings']);
    // Validation saved nothing.
    expect(variable(await wizard(), 'Region').value).toBe('eu');
  });

  it('refuses to deploy while values are missing, naming each and its page', async () => {
    const refused = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.error.code).toBe('INSTANCE_CONFIG_INCOMPLETE');
    expect(refused.body.error.message).toContain("'Acme OAuth' (page 'Connect')");
    expect(refused.body.error.message).toContain("'Internal Key' (page 'Internal')");
    expect(refused.body.error.details.missingValues).toContainEqual({
      configVar: 'Target List',
      page: 'Choose',
      orgOnly: false,
    });
  });

  it('authorizes the connection from the wizard through the provider, and shows it connected', async () => {
    const beforeAuthorization = await asAcme('POST', `${wizardPath()}/data-sources/Target%20List`, {});
    expect(beforeAuthorization.status).toBe(422);
    expect(beforeAuthorization.body.error.code).toBe('DATA_SOURCE_FAILED');

    const elsewhere = await asAcme('POST', `${wizardPath()}/connections/Acme%20OAuth/authorize`, {
      returnTo: 'https://attacker.example/collect',
    });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.error.code).toBe('OAUTH2_RETURN_TO_NOT_ALLOWED');
    expect(elsewhere.body.error.details.allowedOrigins).toEqual([new URL(server.url).origin]);

    // The organization's own app (an embedding origin) may be returned to.
    const embedding = await server.api('PUT', '/api/organization/embedding', {
      body: { allowedOrigins: ['https://app.northwind.example'] },
    });
    expect(embedding.status).toBe(200);
    const toApp = await asAcme('POST', `${wizardPath()}/connections/Acme%20OAuth/authorize`, {
      returnTo: 'https://app.northwind.example/settings/integrations',
    });
    expect(toApp.status, toApp.text).toBe(200);
    expect(toApp.body.returnTo).toBe('https://app.northwind.example/settings/integrations');
    await server.api('PUT', '/api/organization/embedding', { body: { allowedOrigins: [] } });

    // A popup: no returnTo, so the browser lands on the page that tells the wizard's window.
    const started = await asAcme('POST', `${wizardPath()}/connections/Acme%20OAuth/authorize`, {});
    expect(started.status, started.text).toBe(200);
    expect(started.body.returnTo).toBe(`${server.url}/oauth2/complete`);
    expect(variable(await wizard(), 'Acme OAuth').connection.status).toBe('pending_authorization');
    expect(page(await wizard(), 'Connect').problems[0].message).toContain('not authorized yet');

    const callback = await provider.approve(started.body.authorizeUrl);
    const redirected = await fetch(callback, { redirect: 'manual' });
    expect(redirected.status).toBe(302);
    const landing = new URL(redirected.headers.get('location') ?? '');
    expect(`${landing.origin}${landing.pathname}`).toBe(`${server.url}/oauth2/complete`);
    expect(landing.searchParams.get('status')).toBe('connected');
    const page1 = await fetch(landing);
    const html = await page1.text();
    expect(page1.status).toBe(200);
    expect(html).toContain('weft:connection-authorization');
    expect(html).toContain('You can close this window');
    expect(html).toContain(JSON.stringify([new URL(server.url).origin]));
    const nonce = /script-src 'nonce-([^']+)'/.exec(page1.headers.get('content-security-policy') ?? '')?.[1];
    expect(html).toContain(`<script nonce="${nonce}">`);

    const oauth = variable(await wizard(), 'Acme OAuth');
    expect(oauth).toMatchObject({ hasValue: true, value: { configured: true } });
    expect(oauth.connection).toMatchObject({ status: 'connected', statusMessage: null });

    // A wizard that redirects returns to its own page on Weft's origin, with the outcome added.
    const returnTo = `${server.url}/embedded/wizard?instance=${instanceId}`;
    const again = await asAcme('POST', `${wizardPath()}/connections/acme-oauth/authorize`, { returnTo });
    expect(again.status, again.text).toBe(200);
    const back = await fetch(await provider.approve(again.body.authorizeUrl), { redirect: 'manual' });
    const location = new URL(back.headers.get('location') ?? '');
    expect(location.searchParams.get('instance')).toBe(instanceId);
    expect(location.searchParams.get('status')).toBe('connected');
  });

  it("runs the second page's data source with the first page's unsaved choice", async () => {
    const unsaved = await asAcme('POST', `${wizardPath()}/data-sources/Target%20List`, {
      values: { Region: 'us' },
    });
    expect(unsaved.status, unsaved.text).toBe(200);
    expect(unsaved.body.result).toEqual([
      { label: 'us customers', key: 'us-customers' },
      { label: 'us leads', key: 'us-leads' },
    ]);
    const saved = await asAcme('POST', `${wizardPath()}/data-sources/target-list`, {});
    expect(saved.body.result[0]).toEqual({ label: 'eu customers', key: 'eu-customers' });

    const wrong = await asAcme('POST', `${wizardPath()}/data-sources/Target%20List`, {
      values: { Region: 'mars' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('INSTANCE_CONFIG_INVALID');
    const hidden = await asAcme('POST', `${wizardPath()}/data-sources/Target%20List`, {
      values: { 'Internal Key': 'x' },
    });
    expect(hidden.status).toBe(422);
    expect(hidden.body.error.code).toBe('CONFIG_WIZARD_VALUES_INVALID');
    // Nor by its stable key, nor by a near miss: a customer is never pointed at an organization-only variable.
    for (const near of ['internal-key', 'Internal Ke']) {
      const refused = await asAcme('POST', `${wizardPath()}/data-sources/Target%20List`, {
        values: { [near]: 'x' },
      });
      expect(refused.status, refused.text).toBe(422);
      expect(refused.body.error.code).toBe('CONFIG_WIZARD_VALUES_INVALID');
      expect(refused.text).not.toContain('Internal Key');
    }
    const orgOnly = await asAcme('POST', `${wizardPath()}/data-sources/Internal%20Key`, {});
    expect(orgOnly.status).toBe(404);
    expect(orgOnly.body.error.code).toBe('CONFIG_WIZARD_VARIABLE_NOT_FOUND');
    const noSource = await asAcme('POST', `${wizardPath()}/data-sources/Region`, {});
    expect(noSource.status).toBe(422);
    expect(noSource.body.error.code).toBe('DATA_SOURCE_NOT_AVAILABLE');
  });

  it('completes the customer’s pages; deploy waits for the organization’s value, then succeeds', async () => {
    const connect = await asAcme('PUT', `${wizardPath()}/pages/Connect`, {
      values: { Region: 'us', 'Embedded Token': 'tok-embedded-9f' },
    });
    expect(connect.status, connect.text).toBe(200);
    expect(page(connect.body, 'Connect')).toMatchObject({ status: 'complete', problems: [] });
    // Embedded values are the organization's app's to set: the customer's wizard does not answer them.
    expect(variable(connect.body, 'Embedded Token')).toMatchObject({ hasValue: true, value: null });
    expect(connect.text).not.toContain('tok-embedded-9f');

    const choose = await asAcme('PUT', `${wizardPath()}/pages/Choose`, {
      values: { 'Target List': 'us-leads' },
    });
    expect(choose.status, choose.text).toBe(200);
    expect(choose.body).toMatchObject({
      complete: false,
      canDeploy: false,
      organizationOnlyMissing: 1,
      missing: [],
    });
    expect(choose.body.pages.every((p: { status: string }) => p.status === 'complete')).toBe(true);

    const tooEarly = await server.api('POST', `/api/instances/${instanceId}/deploy`, { token: acme });
    expect(tooEarly.status, tooEarly.text).toBe(422);
    expect(tooEarly.body.error.code).toBe('INSTANCE_CONFIG_INCOMPLETE');

    const internal = await server.api('PUT', `${wizardPath()}/pages/Internal`, {
      body: { values: { 'Internal Key': 'org-secret-key-31' } },
    });
    expect(internal.status, internal.text).toBe(200);
    expect(internal.body).toMatchObject({ complete: true, canDeploy: true, missing: [] });
    expect(variable(internal.body, 'Embedded Token').value).toBe('tok-embedded-9f');

    const done = await wizard();
    expect(done).toMatchObject({ complete: true, canDeploy: true, organizationOnlyMissing: 0 });
    expect(JSON.stringify(done)).not.toContain('org-secret-key-31');

    const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`, { token: acme });
    expect(deployed.status, deployed.text).toBe(200);
    expect(deployed.body.deployedVersionNumber).toBe(1);
    const listing = await server.api('GET', '/api/marketplace', { token: acme });
    expect(listing.body.items[0].instances[0]).toMatchObject({
      id: instanceId,
      deployed: true,
      status: 'active',
      needsConfiguration: false,
    });
  });

  it("answers 404 to another customer for this customer's instance, on every wizard route", async () => {
    const calls: Array<[string, string, unknown]> = [
      ['GET', wizardPath(), undefined],
      ['PUT', `${wizardPath()}/pages/Connect`, { values: { Region: 'eu' } }],
      ['POST', `${wizardPath()}/pages/Connect/validate`, { values: {} }],
      ['POST', `${wizardPath()}/data-sources/Target%20List`, {}],
      ['POST', `${wizardPath()}/connections/Acme%20OAuth/authorize`, {}],
    ];
    for (const [method, path, body] of calls) {
      const answer = await server.api(method, path, { token: beta, body });
      expect(answer.status, `${method} ${path}: ${answer.text}`).toBe(404);
      expect(answer.body.error.code).toBe('INSTANCE_NOT_FOUND');
    }
    expect(variable(await wizard(), 'Region').value).toBe('us');
  });

  it('lets a marketplace user neither read nor change the wizard', async () => {
    const user = await signer.token({ customer: 'acme', sub: 'acme-viewer', role: 'user' });
    const read = await server.api('GET', wizardPath(), { token: user });
    expect(read.status).toBe(403);
    const write = await server.api('PUT', `${wizardPath()}/pages/Connect`, {
      token: user,
      body: { values: {} },
    });
    expect(write.status).toBe(403);
  });
});
