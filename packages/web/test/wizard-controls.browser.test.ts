// The config wizard's controls, end to end in a real browser (Debian's Chromium, playwright-core): an integration
// whose wizard has a variable of every data type — string with helper text, JSON code, number, boolean, picklist,
// date, timestamp, schedule with a time zone, value and key/value lists, a connection of plain inputs, a data-source
// picklist that depends on the connection and on an earlier page, and data sources answering an object selection,
// an object field map and a JSON Forms form. A customer admin fills each control with the keyboard and the mouse in
// the example host app (examples/embedded-host), meets inline validation messages (the server's, the JSON code's,
// JSON Forms'), walks the pages with Next, Previous and the step buttons, saves and deploys; the API then answers
// every value in its data type's format. Then the SDK on a page of the test's own opens the wizard dark with a
// phrase overridden, and a customer member sees it read-only. axe-core finds no serious problem
// (labels, names, contrast) on any page, light or dark; no console errors. Screenshots at desktop and phone width.
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, FrameLocator, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedHost, startEmbeddedHost } from '../../../examples/embedded-host/src/host-server.js';
import {
  accessibilityViolations,
  launchBrowser,
  pageWithErrors,
  screenshot,
  viewports,
} from '../../server/test/support/browser.js';
import {
  embeddedClaims,
  generatedSigningKey,
  signEmbeddedJwt,
} from '../../server/test/support/embedded-jwt.js';
import { flowYaml } from '../../server/test/support/integration-fixtures.js';
import { listedIntegration } from '../../server/test/support/marketplace.js';
import { bundleSource } from '../../server/test/support/spectral-bundles.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

const widgetsComponent = `
import { action, component, connection, dataSource, input } from '@weft/sdk';
export default component({
  key: 'acme-widgets',
  display: { label: 'Acme Widgets', description: 'Objects, fields and settings of an Acme account' },
  connections: [
    connection({
      key: 'apiKey',
      display: { label: 'Acme API key', description: 'A subdomain and an API key' },
      inputs: {
        subdomain: { label: 'Subdomain', type: 'string', required: true, comments: 'Your Acme subdomain' },
        apiKey: { label: 'API Key', type: 'password', required: true, comments: 'Settings → API in Acme' },
      },
    }),
  ],
  dataSources: {
    lists: dataSource({
      display: { label: 'Lists', description: 'The lists of the account in a region' },
      inputs: {
        connection: input({ label: 'Connection', type: 'connection', required: true }),
        region: input({ label: 'Region', type: 'string', required: true }),
      },
      dataSourceType: 'picklist',
      perform: async (context, { connection, region }) => {
        if (!connection || !connection.fields || !connection.fields.apiKey) throw new Error('Acme is not connected');
        const account = connection.fields.subdomain + ' ' + region.toUpperCase();
        return { result: [
          { label: account + ' customers', key: region + '-customers' },
          { label: account + ' leads', key: region + '-leads' },
        ] };
      },
    }),
    objects: dataSource({
      display: { label: 'Objects', description: 'The objects to sync' },
      inputs: {},
      dataSourceType: 'objectSelection',
      perform: async () => ({ result: [
        { object: { key: 'contacts', label: 'Contacts' }, fields: [{ key: 'email', label: 'Email' }, { key: 'phone', label: 'Phone' }] },
        { object: { key: 'invoices', label: 'Invoices' }, defaultSelected: true },
        { object: { key: 'payments', label: 'Payments' } },
      ] }),
    }),
    fieldMap: dataSource({
      display: { label: 'Field map', description: 'Ledger fields to Acme fields' },
      inputs: {},
      dataSourceType: 'objectFieldMap',
      perform: async () => ({ result: {
        fields: [
          { field: { key: 'email', label: 'Email' } },
          { field: { key: 'name', label: 'Name' }, defaultObject: { key: 'contact', label: 'Contact' }, defaultField: { key: 'full_name', label: 'Full name' } },
        ],
        options: [
          { object: { key: 'contact', label: 'Contact' }, fields: [{ key: 'email_address', label: 'Email address' }, { key: 'full_name', label: 'Full name' }] },
          { object: { key: 'company', label: 'Company' }, fields: [{ key: 'domain', label: 'Domain' }] },
        ],
      } }),
    }),
    form: dataSource({
      display: { label: 'Form', description: 'Sync settings' },
      inputs: {},
      dataSourceType: 'jsonForm',
      perform: async () => ({ result: {
        schema: {
          type: 'object',
          properties: {
            greeting: { type: 'string', title: 'Greeting' },
            retries: { type: 'integer', title: 'Retries', minimum: 0 },
            archive: { type: 'boolean', title: 'Archive old entries' },
            mode: { type: 'string', title: 'Mode', enum: ['append', 'replace'] },
          },
          required: ['greeting'],
        },
        uiSchema: {
          type: 'VerticalLayout',
          elements: [
            { type: 'Control', scope: '#/properties/greeting' },
            { type: 'HorizontalLayout', elements: [
              { type: 'Control', scope: '#/properties/retries' },
              { type: 'Control', scope: '#/properties/mode' },
            ] },
            // A rule with a schema condition: JSON Forms checks it with its validator (no eval under the CSP).
            { type: 'Control', scope: '#/properties/archive',
              rule: { effect: 'SHOW', condition: { scope: '#/properties/mode', schema: { const: 'replace' } } } },
          ],
        },
        data: { greeting: 'Hello', retries: 3, mode: 'append' },
      } }),
    }),
  },
  actions: {
    noop: action({ display: { label: 'Noop', description: 'Does nothing' }, inputs: {}, perform: async () => ({ data: null }) }),
  },
});
`;

const widgetsRef = '{key: acme-widgets, version: LATEST, isPublic: false}';
const definition = `definitionVersion: 7
name: Acme Everything
description: Every kind of setting, for the controls test.
category: CRM
labels: [crm]
endpointType: flow_specific
requiredConfigVars:
  - {key: Account Name, stableKey: account-name, dataType: string, description: Shown on your Acme invoices, orgOnly: false}
  - {key: Payload Template, stableKey: payload-template, dataType: code, codeLanguage: json, defaultValue: '{"entry": 1}', orgOnly: false}
  - {key: Batch Size, stableKey: batch-size, dataType: number, orgOnly: false}
  - {key: Notify on Failure, stableKey: notify, dataType: boolean, defaultValue: "false", description: Email the account owner when a sync fails, orgOnly: false}
  - {key: Region, stableKey: region, dataType: picklist, pickList: [eu, us], orgOnly: false}
  - {key: Start Date, stableKey: start-date, dataType: date, orgOnly: false}
  - {key: Go Live, stableKey: go-live, dataType: timestamp, description: When the first sync runs, orgOnly: false}
  - {key: Sync Schedule, stableKey: sync-schedule, dataType: schedule, scheduleType: custom, timeZone: America/Chicago, orgOnly: false}
  - {key: Tags, stableKey: tags, dataType: string, collectionType: valuelist, orgOnly: false}
  - {key: Extra Headers, stableKey: extra-headers, dataType: string, collectionType: keyvaluelist, orgOnly: false}
  - key: Acme Key
    stableKey: acme-key
    dataType: connection
    connection: {key: apiKey, component: ${widgetsRef}}
    description: Find the key under Settings → API in Acme
    orgOnly: false
  - key: Target List
    stableKey: target-list
    dataType: picklist
    dataSource: {key: lists, component: ${widgetsRef}}
    inputs:
      connection: {type: configVar, value: Acme Key}
      region: {type: configVar, value: Region}
    description: New ledger entries go to this list
    orgOnly: false
  - {key: Objects, stableKey: objects, dataType: objectSelection, dataSource: {key: objects, component: ${widgetsRef}}, orgOnly: false}
  - {key: Field Map, stableKey: field-map, dataType: objectFieldMap, dataSource: {key: fieldMap, component: ${widgetsRef}}, orgOnly: false}
  - {key: Sync Settings, stableKey: sync-settings, dataType: jsonForm, dataSource: {key: form, component: ${widgetsRef}}, orgOnly: false}
configPages:
  - name: Basics
    tagline: About your account
    elements:
      - {type: htmlElement, value: "<h3>Welcome</h3><p>Tell us about your <strong>Acme</strong> account.</p>"}
      - {type: configVar, value: Account Name}
      - {type: configVar, value: Payload Template}
  - name: Behaviour
    elements:
      - {type: configVar, value: Batch Size}
      - {type: configVar, value: Notify on Failure}
      - {type: configVar, value: Region}
      - {type: configVar, value: Start Date}
      - {type: configVar, value: Go Live}
      - {type: configVar, value: Sync Schedule}
  - name: Lists
    elements:
      - {type: configVar, value: Tags}
      - {type: configVar, value: Extra Headers}
  - name: Acme
    tagline: Connect your Acme account
    elements:
      - {type: configVar, value: Acme Key}
      - {type: configVar, value: Target List}
  - name: Mapping
    elements:
      - {type: configVar, value: Objects}
      - {type: configVar, value: Field Map}
      - {type: configVar, value: Sync Settings}
flows:
${flowYaml('Sync Everything')}`;

/** A host page of the test's own: loads the SDK's script-tag build; the test drives `weft` from outside. */
async function startSdkPage(): Promise<{ url: string; close(): Promise<void> }> {
  const script = await readFile(new URL('../../embed/dist/weft-embed.min.js', import.meta.url));
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Wizard host</title><link rel="icon" href="data:,">
<style>body{margin:0;font-family:system-ui;background:#0b0b12}#slot{min-height:200px}</style></head>
<body><div id="slot"></div><script src="/weft-embed.min.js"></script></body></html>`;
  const server: Server = createServer((request, response) => {
    if (request.url === '/weft-embed.min.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: TestServer;
let host: EmbeddedHost;
let sdkPage: { url: string; close(): Promise<void> };
let browser: Browser;
let signingKey: { id: string; privateKeyPem: string };
let organization: string;
let instanceId: string;

beforeAll(async () => {
  server = await startTestServer({ WEFT_SANDBOX_NETWORK: 'open' });
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSource(widgetsComponent) },
  });
  expect(published.status, published.text).toBe(201);
  await listedIntegration(server, definition);
  signingKey = await generatedSigningKey(server);
  organization = (await server.api('GET', '/api/organization')).body.id;
  [host, sdkPage, browser] = await Promise.all([
    startEmbeddedHost({
      weftUrl: server.url,
      organizationId: organization,
      privateKeyPem: signingKey.privateKeyPem,
      keyId: signingKey.id,
      port: 0,
    }),
    startSdkPage(),
    launchBrowser(),
  ]);
  const allowed = await server.api('PUT', '/api/organization/embedding', {
    body: { allowedOrigins: [host.url, sdkPage.url] },
  });
  expect(allowed.status, allowed.text).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await sdkPage?.close();
  await server?.stop();
});

/** The text of the elements a control's aria-describedby names (its helper text and error). */
function description(control: Locator): Promise<string> {
  return control.evaluate((element) =>
    (element.getAttribute('aria-describedby') ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((id: string) => element.ownerDocument.getElementById(id)?.textContent ?? '')
      .join(' | '),
  );
}

/** axe-core's serious and critical findings in Weft's frame (labels, names, ARIA, contrast): none. */
async function expectAccessible(page: Page, where: string): Promise<void> {
  const frame = page.frames().find((candidate) => candidate.url().includes('/embedded/'));
  if (!frame) throw new Error('no embedded frame');
  const { violations, passedNodes } = await accessibilityViolations(frame);
  expect(violations, where).toEqual([]);
  expect(passedNodes, where).toBeGreaterThan(20);
}

/** Waits for the page of the wizard named `name` to be the open one. */
async function onPage(weft: FrameLocator, name: string): Promise<void> {
  await expect
    .poll(() => weft.getByRole('heading', { level: 2, name, exact: true }).count(), { timeout: 10_000 })
    .toBe(1);
}

/** Opens the wizard of the instance with the SDK, on the test's own page, signed in as a customer user of Acme. */
async function openWithSdk(
  page: Page,
  claims: { sub: string; role: 'admin' | 'user' },
  show: Record<string, unknown>,
): Promise<FrameLocator> {
  const token = await signEmbeddedJwt(
    signingKey.privateKeyPem,
    { ...embeddedClaims(organization, 'acme', claims.sub), customer_name: 'Acme Corp', role: claims.role },
    { kid: signingKey.id },
  );
  await page.goto(sdkPage.url);
  await page.waitForFunction('window.weft && typeof window.weft.init === "function"');
  await page.evaluate(
    async ({ url, token, show }) => {
      // biome-ignore lint/suspicious/noExplicitAny: the script-tag build's global
      const weft = (globalThis as any).weft;
      weft.init({ url });
      await weft.authenticate({ token });
      await weft.configureInstance({ selector: '#slot', autoHeight: true, ...show }).ready;
    },
    { url: server.url, token, show: { instanceId, ...show } },
  );
  return page.frameLocator('#slot iframe');
}

describe('the config wizard controls', () => {
  it('lets a customer fill every kind of setting, and saves each in its format', async () => {
    const context = await browser.newContext({
      viewport: { ...viewports.desktop, height: 1500 },
      timezoneId: 'America/Chicago',
    });
    context.setDefaultTimeout(10_000);
    const { page, errors } = await pageWithErrors(context);
    await page.goto(`${host.url}/login`);
    await page.getByTestId('login-email').fill('ada@acme.example');
    await page.getByTestId('login-password').fill('northwind');
    await page.getByTestId('login-submit').click();
    await page.waitForURL(`${host.url}/app`);
    const weft = page.frameLocator('#weft iframe');
    await weft.getByTestId('integration-card').filter({ hasText: 'Acme Everything' }).click();
    await weft.getByRole('button', { name: 'Activate' }).click();

    // Page 1: a string with helper text, JSON code; Next with the string empty shows its problem inline.
    await onPage(weft, 'Basics');
    const instances = await server.api('GET', '/api/instances?search=Acme%20Everything');
    instanceId = instances.body.items[0].id;
    const accountName = weft.getByLabel('Account Name');
    expect(await description(accountName)).toBe('Shown on your Acme invoices');
    const template = weft.getByLabel('Payload Template');
    expect(await template.inputValue()).toBe('{"entry": 1}');
    await template.fill('{"entry": ');
    await expect.poll(() => weft.getByText('Not valid JSON').count()).toBe(1);
    expect(await template.getAttribute('aria-invalid')).toBe('true');
    await template.fill('{"entry": "{{id}}", "source": "northwind"}');
    await expect.poll(() => weft.getByText('Not valid JSON').count()).toBe(0);
    await weft.getByRole('button', { name: 'Next' }).click();
    await expect
      .poll(() => weft.getByRole('alert').filter({ hasText: "'Account Name' needs a value" }).count())
      .toBe(1);
    expect(await accountName.getAttribute('aria-invalid')).toBe('true');
    expect(await description(accountName)).toContain("'Account Name' needs a value");
    await expect.poll(() => weft.getByText('Fix the highlighted fields to continue.').count()).toBe(1);
    await screenshot(page, 'wizard-controls-problem-desktop');
    await expectAccessible(page, 'basics');
    await accountName.fill('Northwind Books');
    expect(await accountName.getAttribute('aria-invalid')).toBeNull();
    await weft.getByRole('button', { name: 'Next' }).click();

    // Page 2: number, boolean, picklist, date, timestamp, schedule (in the integration's time zone).
    await onPage(weft, 'Behaviour');
    await weft.getByLabel('Batch Size').fill('250');
    const notify = weft.getByRole('switch', { name: 'Notify on Failure' });
    expect(await notify.isChecked()).toBe(false);
    await notify.press('Space');
    expect(await notify.isChecked()).toBe(true);
    expect(await description(notify)).toBe('Email the account owner when a sync fails');
    await weft.getByLabel('Region').selectOption('eu');
    await weft.getByLabel('Start Date').fill('2025-04-01');
    const goLive = weft.getByLabel('Go Live');
    await goLive.fill('2025-03-14T09:30');
    expect(await description(goLive)).toContain('When the first sync runs');
    const schedule = weft.getByRole('textbox', { name: 'Sync Schedule', exact: true });
    expect(await description(schedule)).toContain('America/Chicago');
    await weft.getByLabel('Sync Schedule: how often').selectOption({ label: 'Every day at midnight' });
    expect(await schedule.inputValue()).toBe('0 0 * * *');
    await schedule.fill('30 6 * * 1-5');
    expect(await weft.getByLabel('Sync Schedule: how often').inputValue()).toBe('custom');
    await screenshot(page, 'wizard-controls-behaviour-desktop');
    await expectAccessible(page, 'behaviour');
    await weft.getByRole('button', { name: 'Next' }).click();

    // Page 3: a list of values and a list of key/value pairs; Previous keeps page 2's values.
    await onPage(weft, 'Lists');
    await weft.getByRole('button', { name: 'Previous' }).click();
    await onPage(weft, 'Behaviour');
    expect(await weft.getByLabel('Batch Size').inputValue()).toBe('250');
    expect(await weft.getByRole('switch', { name: 'Notify on Failure' }).isChecked()).toBe(true);
    expect(await weft.getByLabel('Go Live').inputValue()).toBe('2025-03-14T09:30');
    expect(await weft.getByRole('textbox', { name: 'Sync Schedule', exact: true }).inputValue()).toBe(
      '30 6 * * 1-5',
    );
    await weft.getByRole('button', { name: 'Next' }).click();
    await onPage(weft, 'Lists');
    const tags = weft.getByRole('group', { name: 'Tags' });
    await tags.getByRole('button', { name: 'Add item' }).click();
    await weft.getByRole('textbox', { name: 'Tags 1', exact: true }).fill('vip');
    await tags.getByRole('button', { name: 'Add item' }).click();
    await weft.getByRole('textbox', { name: 'Tags 2', exact: true }).fill('wholesale');
    await tags.getByRole('button', { name: 'Add item' }).click();
    await weft.getByRole('textbox', { name: 'Tags 3', exact: true }).fill('oops');
    await tags.getByRole('button', { name: 'Remove Tags 3' }).click();
    expect(await weft.getByRole('textbox', { name: 'Tags 3', exact: true }).count()).toBe(0);
    const headers = weft.getByRole('group', { name: 'Extra Headers' });
    await headers.getByRole('button', { name: 'Add item' }).click();
    await weft.getByRole('textbox', { name: 'Extra Headers 1 key', exact: true }).fill('X-Team');
    await weft.getByRole('textbox', { name: 'Extra Headers 1 value', exact: true }).fill('books');
    await screenshot(page, 'wizard-controls-lists-desktop');
    await expectAccessible(page, 'lists');
    await weft.getByRole('button', { name: 'Next' }).click();

    // Page 4: a connection of plain inputs, and a list its data source fills, for the region of page 2.
    await onPage(weft, 'Acme');
    const connection = weft.getByRole('group', { name: 'Acme Key' });
    await expect.poll(() => connection.getByText('Not set up').count()).toBe(1);
    await expect.poll(() => weft.getByText('Fill in Acme Key first.').count()).toBe(1);
    await weft.getByLabel('Subdomain').fill('northwind');
    await weft.getByLabel('API Key').fill('sk-test-5e1f');
    // The connection is used as saved: the page is saved before its choices load.
    await expect.poll(() => weft.getByText('Save Acme Key to load the choices.').count()).toBe(1);
    await weft.getByRole('button', { name: 'Load choices' }).click();
    const target = weft.getByLabel('Target List');
    await expect
      .poll(() => target.locator('option').allTextContents())
      .toEqual(['Choose…', 'northwind EU customers', 'northwind EU leads']);
    await expect.poll(() => connection.getByText('Set up', { exact: true }).count()).toBe(1);
    expect(await weft.getByLabel('API Key').getAttribute('placeholder')).toBe('Saved. Type to replace it.');
    await target.selectOption('eu-leads');
    await screenshot(page, 'wizard-controls-acme-desktop');
    await expectAccessible(page, 'acme');
    await weft.getByRole('button', { name: 'Next' }).click();

    // Page 5: an object selection, an object field map and a JSON Forms form, each from a data source.
    await onPage(weft, 'Mapping');
    const objects = weft.getByRole('group', { name: 'Objects' });
    await expect.poll(() => objects.getByRole('checkbox', { name: 'Invoices' }).isChecked()).toBe(true);
    await objects.getByRole('checkbox', { name: 'Contacts' }).check();
    await objects.getByRole('checkbox', { name: 'Phone' }).uncheck();
    const email = weft.getByRole('combobox', { name: 'Maps to, for Email' });
    await expect.poll(() => email.count()).toBe(1);
    // The data source's default mapping, and the choices grouped by object.
    const name = weft.getByRole('combobox', { name: 'Maps to, for Name' });
    expect(await name.locator('option:checked').textContent()).toBe('Full name');
    expect(
      await email
        .locator('optgroup')
        .evaluateAll((groups) => groups.map((group) => group.getAttribute('label'))),
    ).toEqual(['Contact', 'Company']);
    await email.selectOption({ label: 'Email address' });
    const greeting = weft.getByLabel('Greeting');
    await expect.poll(() => greeting.inputValue()).toBe('Hello');
    // JSON Forms' own inline messages (its schema checked without eval), and the page refusing to go on.
    const retries = weft.getByLabel('Retries');
    await greeting.fill('');
    await retries.fill('-1');
    await expect.poll(() => weft.getByText('is a required property').count()).toBe(1);
    await expect.poll(() => weft.getByText('must be >= 0').count()).toBe(1);
    await weft.getByRole('button', { name: 'Save and deploy' }).click();
    const formProblem = weft.getByRole('alert').filter({ hasText: 'Some answers in this form need fixing.' });
    await expect.poll(() => formProblem.count()).toBe(1);
    await expect.poll(() => weft.getByText('Fix the highlighted fields to continue.').count()).toBe(1);
    await screenshot(page, 'wizard-controls-form-problems-desktop');
    await greeting.fill('Hi from Northwind');
    await retries.fill('5');
    await expect.poll(() => formProblem.count()).toBe(0);
    expect(await weft.getByText('must be >= 0').count()).toBe(0);
    expect(await weft.getByLabel('Archive old entries').isVisible()).toBe(false);
    await weft.getByLabel('Mode').selectOption('replace');
    await weft.getByLabel('Archive old entries').check();
    await screenshot(page, 'wizard-controls-mapping-desktop');
    await expectAccessible(page, 'mapping');

    // The step buttons: back to page 1 (its value kept), then to the last page, and deploy.
    await weft.getByRole('button', { name: /Basics/ }).click();
    await onPage(weft, 'Basics');
    expect(await weft.getByLabel('Account Name').inputValue()).toBe('Northwind Books');
    await weft.getByRole('button', { name: /Mapping/ }).click();
    await onPage(weft, 'Mapping');
    await expect.poll(() => weft.getByLabel('Greeting').inputValue()).toBe('Hi from Northwind');
    expect(await weft.getByRole('checkbox', { name: 'Contacts' }).isChecked()).toBe(true);
    await weft.getByRole('button', { name: 'Save and deploy' }).click();
    await expect.poll(() => weft.getByText('is configured and running').count(), { timeout: 20_000 }).toBe(1);

    // Each value arrived in its data type's format.
    const wizard = await server.api('GET', `/api/instances/${instanceId}/config-wizard`);
    expect(wizard.status, wizard.text).toBe(200);
    const values: Record<string, unknown> = {};
    for (const wizardPage of wizard.body.pages) {
      for (const element of wizardPage.elements) {
        if (element.variable) values[element.variable.key] = element.variable.value;
      }
    }
    expect(values).toEqual({
      'Account Name': 'Northwind Books',
      'Payload Template': '{"entry": "{{id}}", "source": "northwind"}',
      'Batch Size': 250,
      'Notify on Failure': true,
      Region: 'eu',
      'Start Date': '2025-04-01',
      // 09:30 in Chicago (CDT, UTC−5), as an instant.
      'Go Live': '2025-03-14T14:30:00.000Z',
      'Sync Schedule': '30 6 * * 1-5',
      Tags: ['vip', 'wholesale'],
      'Extra Headers': [{ key: 'X-Team', value: 'books' }],
      'Acme Key': { configured: true },
      'Target List': 'eu-leads',
      Objects: [
        { object: { key: 'contacts', label: 'Contacts' }, fields: [{ key: 'email', label: 'Email' }] },
        { object: { key: 'invoices', label: 'Invoices' } },
      ],
      'Field Map': {
        fields: [
          {
            field: { key: 'email', label: 'Email' },
            mappedObject: { key: 'contact', label: 'Contact' },
            mappedField: { key: 'email_address', label: 'Email address' },
          },
          {
            field: { key: 'name', label: 'Name' },
            mappedObject: { key: 'contact', label: 'Contact' },
            mappedField: { key: 'full_name', label: 'Full name' },
          },
        ],
      },
      'Sync Settings': { greeting: 'Hi from Northwind', retries: 5, mode: 'replace', archive: true },
    });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('follows the host: dark, with its own words for a button', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop, timezoneId: 'America/Chicago' });
    context.setDefaultTimeout(10_000);
    const { page, errors } = await pageWithErrors(context);
    const weft = await openWithSdk(
      page,
      { sub: 'nw-user-ada', role: 'admin' },
      {
        theme: 'DARK',
        translation: { phrases: { 'configurationWizardDialog.finishButton': 'Finish and go live' } },
      },
    );
    await onPage(weft, 'Basics');
    expect(await weft.locator('html').getAttribute('data-theme')).toBe('dark');
    await screenshot(page, 'wizard-controls-dark-basics-desktop');
    await expectAccessible(page, 'dark basics');
    await weft.getByRole('button', { name: /Behaviour/ }).click();
    await onPage(weft, 'Behaviour');
    expect(await weft.getByLabel('Go Live').inputValue()).toBe('2025-03-14T09:30');
    await screenshot(page, 'wizard-controls-dark-behaviour-desktop');
    await expectAccessible(page, 'dark behaviour');
    await weft.getByRole('button', { name: /Mapping/ }).click();
    await onPage(weft, 'Mapping');
    await expect.poll(() => weft.getByLabel('Greeting').inputValue()).toBe('Hi from Northwind');
    expect(await weft.getByRole('button', { name: 'Finish and go live' }).count()).toBe(1);
    expect(await weft.getByRole('button', { name: 'Save and deploy' }).count()).toBe(0);
    await screenshot(page, 'wizard-controls-dark-mapping-desktop');
    await expectAccessible(page, 'dark mapping');
    await page.setViewportSize(viewports.phone);
    await screenshot(page, 'wizard-controls-dark-mapping-phone');
    await weft.getByRole('button', { name: /Lists/ }).click();
    await onPage(weft, 'Lists');
    await screenshot(page, 'wizard-controls-dark-lists-phone');
    await expectAccessible(page, 'dark lists phone');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('shows a customer member the wizard read-only', async () => {
    // A member (seed 003: reads the customer's instances, changes nothing), made by the organization; signing in
    // with the app's JWT keeps that role.
    const member = await server.api('POST', '/api/customers/acme/users', {
      body: { name: 'Grace Lindqvist', externalId: 'nw-user-grace', role: 'member' },
    });
    expect(member.status, member.text).toBe(201);
    const context = await browser.newContext({ viewport: viewports.phone, timezoneId: 'America/Chicago' });
    context.setDefaultTimeout(10_000);
    const { page, errors } = await pageWithErrors(context);
    const weft = await openWithSdk(page, { sub: 'nw-user-grace', role: 'user' }, {});
    // The wizard, or the notice of why it could not be read (the API's answer is then in `errors`).
    const basics = weft.getByRole('heading', { level: 2, name: 'Basics', exact: true });
    await expect
      .poll(async () => (await basics.count()) + (await weft.getByRole('alert').count()), { timeout: 10_000 })
      .toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await onPage(weft, 'Basics');
    await expect.poll(() => weft.getByText('an administrator', { exact: false }).count()).toBeGreaterThan(0);
    expect(await weft.getByLabel('Account Name').isDisabled()).toBe(true);
    expect(await weft.getByLabel('Account Name').inputValue()).toBe('Northwind Books');
    expect(await weft.getByLabel('Payload Template').isDisabled()).toBe(true);
    await screenshot(page, 'wizard-controls-readonly-basics-phone');
    await weft.getByRole('button', { name: 'Next' }).click();
    await onPage(weft, 'Behaviour');
    for (const label of ['Batch Size', 'Region', 'Start Date', 'Go Live']) {
      expect(await weft.getByLabel(label).isDisabled(), label).toBe(true);
    }
    expect(await weft.getByRole('switch', { name: 'Notify on Failure' }).isDisabled()).toBe(true);
    expect(await weft.getByRole('textbox', { name: 'Sync Schedule', exact: true }).isDisabled()).toBe(true);
    await weft.getByRole('button', { name: /Lists/ }).click();
    await onPage(weft, 'Lists');
    expect(await weft.getByRole('textbox', { name: 'Tags 1', exact: true }).isDisabled()).toBe(true);
    expect(await weft.getByRole('button', { name: 'Add item' }).count()).toBe(0);
    await weft.getByRole('button', { name: /Acme/ }).click();
    await onPage(weft, 'Acme');
    expect(await weft.getByLabel('Subdomain').isDisabled()).toBe(true);
    await weft.getByRole('button', { name: /Mapping/ }).click();
    await onPage(weft, 'Mapping');
    await expect.poll(() => weft.getByLabel('Greeting').inputValue()).toBe('Hi from Northwind');
    expect(await weft.getByLabel('Greeting').isDisabled()).toBe(true);
    expect(await weft.getByRole('checkbox', { name: 'Contacts' }).isDisabled()).toBe(true);
    expect(await weft.getByRole('combobox', { name: 'Maps to, for Email' }).isDisabled()).toBe(true);
    expect(await weft.getByRole('button', { name: 'Save and deploy' }).count()).toBe(0);
    expect(await weft.getByRole('button', { name: 'Next' }).count()).toBe(0);
    await screenshot(page, 'wizard-controls-readonly-mapping-phone');
    expect(errors).toEqual([]);
    await context.close();
  });
});
