// Issue 18, end to end in a real browser (Debian's Chromium, playwright-core): an integration engineer signs in to
// the console, imports a definition with a mistake and sees it at its line, fixes it, imports and publishes; creates
// a customer and an instance, configures it with the wizard and deploys it; the customer's system calls the
// instance's webhook; the run fails (the warehouse URL is wrong); support finds the failed execution in the list,
// reads the failing step's error and logs, fixes the configuration and replays it; the replay succeeds. A viewer
// sees none of the buttons the server would refuse. Every screen passes axe and is screenshotted at laptop and
// tablet widths.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  pageWithErrors,
  screenshot,
} from '../../server/test/support/browser.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

const password = 'console-test-password';
const people = {
  engineer: { email: 'iris@weft.example', name: 'Iris Integrator', role: 'integrator' },
  viewer: { email: 'vera@weft.example', name: 'Vera Viewer', role: 'viewer' },
};
const widths = { laptop: { width: 1280, height: 860 }, tablet: { width: 768, height: 1024 } } as const;

/** Orders go to the warehouse: `/broken/orders` answers 503 (a wrong URL), `/orders` takes them. */
interface Warehouse {
  url: string;
  received: unknown[];
  close(): Promise<void>;
}

async function startWarehouse(): Promise<Warehouse> {
  const received: unknown[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.method === 'POST' && request.url === '/orders') {
        received.push(JSON.parse(body));
        response.statusCode = 201;
        response.end(JSON.stringify({ accepted: true }));
      } else {
        response.statusCode = 503;
        response.end(JSON.stringify({ error: 'warehouse endpoint unavailable' }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A webhook takes a batch of orders; a loop posts each to the warehouse (URL from the config wizard); then a log. */
function definition(options: { mistake: boolean }): string {
  return `definitionVersion: 7
name: Orders to Warehouse
description: Sends each new storefront order to the warehouse.
category: ERP
labels: [orders]
endpointType: flow_specific
requiredConfigVars:
  - key: Warehouse URL
    description: The warehouse API's base URL
    dataType: string
    orgOnly: false
configPages:
  - name: Warehouse
    tagline: Where orders go
    elements:
      - {type: configVar, value: Warehouse URL}
flows:
  - name: Receive Orders
    description: Called by the storefront for each batch of orders
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Integration Trigger
        isTrigger: true
        action:
          key: webhook
          component: {key: webhook-triggers, version: LATEST, isPublic: true}
      - name: Loop Over Orders
        action:
          key: loopOverItems
          component: {key: loop, version: LATEST, isPublic: true}
        inputs:
          items: {type: reference, value: integrationTrigger.results.body.data.orders}
        steps:
          - name: Post Order
            action:
              key: ${options.mistake ? 'httpPostt' : 'httpPost'}
              component: {key: http, version: LATEST, isPublic: true}
            inputs:
              url: {type: template, value: "{{#Warehouse URL}}/orders"}
              data: {type: reference, value: loopOverOrders.currentItem}
              responseType: {type: value, value: json}
      - name: Log Done
        action:
          key: writeLog
          component: {key: log, version: LATEST, isPublic: true}
        inputs:
          level: {type: value, value: info}
          message: {type: template, value: "Sent {{$integrationTrigger.results.body.data.count}} orders"}
`;
}
/** The line of the mistake in definition({mistake: true}) (1-based): `key: httpPostt`. */
const mistakeLine = definition({ mistake: true }).split('\n').indexOf('              key: httpPostt') + 1;

let server: TestServer;
let warehouse: Warehouse;
let browser: Browser;

beforeAll(async () => {
  [server, warehouse, browser] = await Promise.all([startTestServer(), startWarehouse(), launchBrowser()]);
  for (const person of Object.values(people)) {
    const created = await server.api('POST', '/api/users', { body: { ...person, password } });
    expect(created.status, created.text).toBe(201);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await warehouse?.close();
});

async function signIn(context: BrowserContext, email: string): Promise<{ page: Page; errors: string[] }> {
  const { page, errors } = await pageWithErrors(context);
  await page.goto(`${server.url}/integrations`);
  // Signed out: the console sends the person to sign in, and back where they were going afterwards.
  await page.waitForURL(/\/sign-in\?returnTo=%2Fintegrations$/);
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
  await page.waitForURL(`${server.url}/integrations`);
  return { page, errors };
}

/** No serious or critical accessibility problem on the screen (and something was checked). */
async function expectAccessible(page: Page): Promise<void> {
  const { violations, passedNodes } = await accessibilityViolations(page);
  expect(violations).toEqual([]);
  expect(passedNodes).toBeGreaterThan(10);
}

/** Laptop and tablet screenshots of the current screen (look at them: .work/screenshots/console-*.png). */
async function capture(page: Page, name: string): Promise<void> {
  await page.setViewportSize(widths.tablet);
  await screenshot(page, `console-${name}-tablet`);
  await page.setViewportSize(widths.laptop);
  await screenshot(page, `console-${name}-laptop`);
}

/** Errors the browser reports that are the test's doing, not the console's (a refused call it makes on purpose). */
const expectedErrors = (errors: string[]) =>
  errors.filter((error) => !/status of 401|status of 422/.test(error));

describe('the console', () => {
  it('is served at / and its sections with a strict policy; other paths still answer JSON 404', async () => {
    const page = await fetch(`${server.url}/executions/abc`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const missing = await fetch(`${server.url}/no-such-section`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('API_ROUTE_NOT_FOUND');
    const options = await server.api('GET', '/api/auth/sign-in-options', { token: null });
    expect(options.body).toEqual({ sso: false, organizationRequired: false });
  });

  const engineer = { context: undefined as BrowserContext | undefined, page: undefined as Page | undefined };
  let integrationId = '';
  let instanceId = '';
  let failedExecutionId = '';

  it('signs in, shows a definition’s mistake at its line, imports the fixed one and publishes it', async () => {
    engineer.context = await browser.newContext({ viewport: widths.laptop });
    const { page, errors } = await signIn(engineer.context, people.engineer.email);
    engineer.page = page;
    await expect.poll(() => page.getByTestId('signed-in-role').textContent()).toBe('integrator');

    await page.getByTestId('integrations-import').click();
    await page.getByTestId('import-file-input').setInputFiles({
      name: 'orders.yaml',
      mimeType: 'application/yaml',
      buffer: Buffer.from(definition({ mistake: true })),
    });
    await page.getByTestId('import-submit').click();
    const problems = page.getByTestId('import-problems');
    await expect.poll(() => problems.textContent()).toContain("has no action 'httpPostt'");
    expect(await problems.textContent()).toContain(`${mistakeLine}`);
    // The editor marks the line too.
    const marked = page
      .getByTestId('import-yaml-editor')
      .locator('.cm-lintRange-error, .cm-lint-marker-error');
    await expect.poll(() => marked.count()).toBeGreaterThan(0);
    await expectAccessible(page);
    await capture(page, 'import-problem');

    await page.getByTestId('import-file-input').setInputFiles({
      name: 'orders.yaml',
      mimeType: 'application/yaml',
      buffer: Buffer.from(definition({ mistake: false })),
    });
    await page.getByTestId('import-submit').click();
    await page.waitForURL(/\/integrations\/[0-9a-f-]{36}/);
    integrationId = new URL(page.url()).pathname.split('/')[2] ?? '';

    // The flow drawn from the definition: the loop holds its step.
    const diagram = page.getByTestId('flow-diagram');
    await expect.poll(() => diagram.textContent()).toContain('Loop Over Orders');
    expect(await diagram.textContent()).toContain('Post Order');
    expect(await diagram.textContent()).toContain('Log Done');
    await expectAccessible(page);
    await capture(page, 'integration');

    await page.getByTestId('integration-publish').click();
    await page.getByTestId('publish-comment').fill('First release');
    await page.getByTestId('publish-submit').click();
    await expect.poll(() => page.getByTestId('versions-table').textContent()).toContain('First release');
    const versions = await server.api('GET', `/api/integrations/${integrationId}/versions`);
    expect(JSON.stringify(versions.body)).toContain('First release');
    // Published from a console session: the version names the person.
    expect(JSON.stringify(versions.body)).toContain('"publishedBy":"Iris Integrator"');
    await expect.poll(() => page.getByTestId('versions-table').textContent()).toContain('Iris Integrator');
    expect(expectedErrors(errors)).toEqual([]);
  });

  it('creates a customer and an instance, configures it with the wizard and deploys it', async () => {
    const page = engineer.page as Page;
    await page.getByTestId('nav-customers').click();
    await page.getByTestId('customers-new').click();
    await page.getByTestId('customer-name-input').fill('Acme Corp');
    await page.getByTestId('customer-external-id-input').fill('acme');
    await page.getByTestId('customer-create-submit').click();
    await page.waitForURL(/\/customers\/[0-9a-f-]{36}/);
    await capture(page, 'customer');

    await page.getByTestId('customer-new-instance').click();
    await page.waitForURL(/\/instances\/new\?customer=/);
    await page.getByTestId('instance-create-integration').click();
    await page.getByRole('option', { name: /Orders to Warehouse/ }).click();
    await page.getByTestId('instance-create-submit').click();
    await page.waitForURL(/\/instances\/[0-9a-f-]{36}\/configure/);
    instanceId = new URL(page.url()).pathname.split('/')[2] ?? '';

    // A wrong URL first: the run will fail.
    await page.getByLabel('Warehouse URL').fill(`${warehouse.url}/broken`);
    await capture(page, 'wizard');
    await page.getByRole('button', { name: 'Save and deploy' }).click();
    await page.waitForURL(`${server.url}/instances/${instanceId}`);
    const instance = await server.api('GET', `/api/instances/${instanceId}`);
    expect(instance.body).toMatchObject({ enabled: true, deployedVersionNumber: 1 });
    await expectAccessible(page);
    await capture(page, 'instance');
  });

  it('finds the failed run, reads why, fixes the configuration, replays it and sees it succeed', async () => {
    const page = engineer.page as Page;
    const webhookUrl = await page.getByTestId('instance-webhook-url').first().textContent();
    expect(webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/trigger\//);
    const fired = await fetch(webhookUrl ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 2, orders: [{ id: 'A-1' }, { id: 'A-2' }] }),
    });
    expect(fired.status).toBe(200);

    await page.getByTestId('nav-executions').click();
    const table = page.getByTestId('executions-table');
    // The list follows new runs live: the failed one shows up without a reload.
    const failedRow = table.getByRole('row').filter({ hasText: /failed/i });
    await expect.poll(() => failedRow.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expectAccessible(page);
    await capture(page, 'executions');
    await failedRow.first().getByRole('link').first().click();
    await page.waitForURL(/\/executions\/[0-9a-f-]{36}$/);
    failedExecutionId = new URL(page.url()).pathname.split('/')[2] ?? '';
    await expect.poll(() => page.getByTestId('execution-status').textContent()).toMatch(/failed/i);

    await page.getByTestId('execution-steps').getByText('Post Order').first().click();
    await expect.poll(() => page.getByTestId('step-error').textContent()).toMatch(/503/);
    // The step's own log says it too (the line the live tail and the Logs screen show).
    await expect
      .poll(() => page.getByTestId('step-logs').textContent())
      .toMatch(/'Post Order' failed: .*503/);
    await expectAccessible(page);
    await capture(page, 'execution-failed');

    // Fix the configuration, then replay the same request.
    await page.goto(`${server.url}/instances/${instanceId}/configure`);
    await page.getByLabel('Warehouse URL').fill(warehouse.url);
    await page.getByRole('button', { name: 'Save and deploy' }).click();
    await page.waitForURL(`${server.url}/instances/${instanceId}`);

    await page.goto(`${server.url}/executions/${failedExecutionId}`);
    await page.getByTestId('execution-replay').click();
    await page.getByTestId('execution-replay-confirm').click();
    await page.waitForURL(
      (url) => url.pathname.startsWith('/executions/') && !url.pathname.endsWith(failedExecutionId),
    );
    await expect
      .poll(() => page.getByTestId('execution-status').textContent(), { timeout: 30_000 })
      .toMatch(/succeeded/i);
    expect(await page.getByTestId('execution-chain').textContent()).toContain(failedExecutionId.slice(0, 8));
    expect(warehouse.received).toEqual([{ id: 'A-1' }, { id: 'A-2' }]);
    await capture(page, 'execution-replayed');

    await page.goto(`${server.url}/logs?instance=${instanceId}`);
    await expect.poll(() => page.getByTestId('logs-table').textContent()).toContain('Sent 2 orders');
    expect(await page.getByTestId('logs-table').textContent()).toContain("step 'Post Order' failed");
    await expectAccessible(page);
    await capture(page, 'logs');
  });

  it('explains a single sign-on that sent the browser back, in its own words whatever the link says', async () => {
    const context = await browser.newContext({ viewport: widths.laptop });
    const { page } = await pageWithErrors(context);
    await page.goto(`${server.url}/sign-in?error=SSO_NOT_CONFIGURED`);
    await expect
      .poll(() => page.getByTestId('sign-in-sso-problem').textContent())
      .toContain('Single sign-on is not set up for this organization');
    await page.goto(
      `${server.url}/sign-in?error=${encodeURIComponent('Call +1 555 0100 to unlock your account')}`,
    );
    await expect
      .poll(() => page.getByTestId('sign-in-sso-problem').textContent())
      .toBe('Single sign-on did not complete. Try again, or sign in with your password.');
    await context.close();
  });

  it('shows a viewer no button the server would refuse', async () => {
    const context = await browser.newContext({ viewport: widths.laptop });
    const { page, errors } = await signIn(context, people.viewer.email);
    await page.getByTestId('versions-table').or(page.getByText('Orders to Warehouse')).first().waitFor();
    expect(await page.getByTestId('integrations-import').count()).toBe(0);

    await page.goto(`${server.url}/integrations/${integrationId}`);
    await page.getByTestId('flow-diagram').waitFor();
    expect(await page.getByTestId('integration-publish').count()).toBe(0);

    await page.goto(`${server.url}/instances/${instanceId}`);
    await page.getByTestId('instance-webhook-url').first().waitFor();
    for (const action of [
      'instance-deploy',
      'instance-pause',
      'instance-delete',
      'instance-configure',
      'instance-test-run',
    ]) {
      expect(await page.getByTestId(action).count(), action).toBe(0);
    }

    await page.goto(`${server.url}/executions/${failedExecutionId}`);
    await page.getByTestId('execution-status').waitFor();
    expect(await page.getByTestId('execution-replay').count()).toBe(0);

    await page.goto(`${server.url}/customers`);
    await page.getByTestId('customers-table').waitFor();
    expect(await page.getByTestId('customers-new').count()).toBe(0);

    await page.goto(`${server.url}/settings`);
    await page.getByTestId('settings-nav').waitFor();
    expect(await page.getByTestId('users-invite').count()).toBe(0);
    expect(await page.getByTestId('tokens-create').count()).toBe(0);
    expect(expectedErrors(errors)).toEqual([]);
    await context.close();
  });
});
