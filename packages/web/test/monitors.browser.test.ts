// Issue 19 in a real browser (Debian's Chromium, playwright-core): an integration engineer adds an alert webhook
// (its generated signing secret shown once), an alert group, and from an instance's page a monitor on failures; a
// failing run triggers it, the webhook receives the signed alert, and the monitor's page shows the event and its
// delivery; clearing it leaves the monitor OK. A viewer sees the alerting screens with no button the server would
// refuse. Every screen passes axe; screenshots at laptop and phone widths.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, publishIntegration } from '../../server/test/executions-fixtures.js';
import {
  accessibilityViolations,
  launchBrowser,
  pageWithErrors,
  screenshot,
} from '../../server/test/support/browser.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

const password = 'monitors-test-password';
const people = {
  engineer: { email: 'iris@weft.example', name: 'Iris Integrator', role: 'integrator' },
  viewer: { email: 'vera@weft.example', name: 'Vera Viewer', role: 'viewer' },
};
const widths = { laptop: { width: 1280, height: 860 }, phone: { width: 390, height: 844 } } as const;

const trigger = `      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;
/** A flow that fails when the request asks it to. */
const yaml = `definitionVersion: 7
name: Alerted Orders
description: Fails on demand
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Sync Orders
    stableKey: sync-orders
    description: Fails when asked to
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${trigger}      - name: Maybe Fail
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, stepResults) => {
                const data = stepResults.integrationTrigger.results.body.data || {};
                if (data.fail) throw new Error('the ERP said no: ' + data.fail);
                return { data: 'ok' };
              };
`;

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: TestServer;
let browser: Browser;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
let instanceId: string;
let flowUrl: string;

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;
  [server, browser] = await Promise.all([
    startTestServer({ WEFT_MONITORING_POLL_MS: '100' }),
    launchBrowser(),
  ]);
  for (const person of Object.values(people)) {
    const created = await server.api('POST', '/api/users', { body: { ...person, password } });
    expect(created.status, created.text).toBe(201);
  }
  const integrationId = await publishIntegration(server, yaml);
  const customerId = await createCustomer(server, 'Acme Rockets', 'acme-1');
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId, integrationId, name: 'Acme Orders' },
  });
  expect(instance.status, instance.text).toBe(201);
  instanceId = instance.body.id;
  expect((await server.api('POST', `/api/instances/${instanceId}/deploy`)).status).toBe(200);
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  flowUrl = new URL(new URL(flows.body.flows[0].webhookUrl).pathname, server.url).toString();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

async function signIn(context: BrowserContext, email: string, path: string) {
  const { page, errors } = await pageWithErrors(context);
  await page.goto(`${server.url}/sign-in?returnTo=${encodeURIComponent(path)}`);
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
  await page.waitForURL(`${server.url}${path}`);
  return { page, errors };
}

async function expectAccessible(page: Page): Promise<void> {
  const { violations, passedNodes } = await accessibilityViolations(page);
  expect(violations).toEqual([]);
  expect(passedNodes).toBeGreaterThan(10);
}

/** Laptop and phone screenshots (look at them: .work/screenshots/monitors-test-*.png); the phone must not scroll sideways. */
async function capture(page: Page, name: string): Promise<void> {
  await page.setViewportSize(widths.phone);
  await screenshot(page, `monitors-test-${name}-phone`);
  const overflow = await page.evaluate(() => {
    // The page's document, in a module compiled without DOM types.
    const root = (globalThis as unknown as { document: { documentElement: Record<string, number> } }).document
      .documentElement;
    return (root.scrollWidth ?? 0) - (root.clientWidth ?? 0);
  });
  expect(overflow, `${name} is wider than a phone`).toBeLessThanOrEqual(0);
  await page.setViewportSize(widths.laptop);
  await screenshot(page, `monitors-test-${name}-laptop`);
}

const unexpected = (errors: string[]) => errors.filter((error) => !/status of 401/.test(error));

describe('the monitors screens', () => {
  it('set up a webhook, a group and a monitor; a failing run triggers it, the alert arrives, clearing ends it', async () => {
    const context = await browser.newContext({ viewport: widths.laptop });
    const { page, errors } = await signIn(context, people.engineer.email, '/monitors');
    await expect.poll(() => page.getByTestId('monitors-table').count()).toBe(0);
    await expect.poll(() => page.getByText('No alert monitors yet.').count()).toBe(1);

    // An alert webhook, signed with a secret Weft generates and shows once.
    await page.getByTestId('monitors-tab-webhooks').click();
    await page.getByTestId('alert-webhooks-new').click();
    await page.getByTestId('alert-webhook-name').fill('DevOps hook');
    await page.getByTestId('alert-webhook-url').fill(receiverUrl);
    await expect.poll(() => page.getByTestId('alert-webhook-template').inputValue()).toContain('$MESSAGE');
    await page.getByTestId('alert-webhook-secret-generate').check();
    await page.getByTestId('alert-webhook-submit').click();
    const secret = (await page.getByTestId('alert-webhook-secret').textContent()) ?? '';
    expect(secret.length).toBeGreaterThan(8);
    await expectAccessible(page);
    await page.getByTestId('alert-webhook-secret-done').click();
    await expect.poll(() => page.getByTestId('alert-webhooks-table').textContent()).toContain('Signed');

    // A group with the engineer and the webhook.
    await page.getByTestId('monitors-tab-groups').click();
    await page.getByTestId('alert-groups-new').click();
    await page.getByTestId('alert-group-name').fill('DevOps');
    await page
      .locator(`[data-testid=alert-group-user-option][data-email="${people.engineer.email}"]`)
      .check();
    await page.locator('[data-testid=alert-group-webhook-option][data-name="DevOps hook"]').check();
    await page.getByTestId('alert-group-submit').click();
    await expect
      .poll(() => page.getByTestId('alert-groups-table').textContent())
      .toContain('Iris Integrator');
    await expectAccessible(page);
    await capture(page, 'groups');

    // From the instance's page: a monitor on failures, the instance chosen already.
    await page.goto(`${server.url}/instances/${instanceId}`);
    await page.getByTestId('instance-add-monitor').click();
    await expect
      .poll(() => page.getByTestId('monitor-instance-picker').textContent())
      .toContain('Acme Orders');
    await page.getByTestId('monitor-name-input').fill('Alert DevOps on failure');
    // A setting out of range is refused at its field, before anything is sent.
    await page.locator('[data-testid=monitor-trigger-option][data-key=execution-overdue]').check();
    await page.getByTestId('monitor-overdue-input').fill('0');
    await page.getByTestId('monitor-form-submit').click();
    await expect.poll(() => page.getByText('At least one minute.').count()).toBe(1);
    await page.locator('[data-testid=monitor-trigger-option][data-key=execution-overdue]').uncheck();
    await page.locator('[data-testid=monitor-group-option][data-name="DevOps"]').check();
    await expectAccessible(page);
    await page.getByTestId('monitor-form-submit').click();
    await page.waitForURL(/\/monitors\/[0-9a-f-]{36}$/);
    const monitorPath = new URL(page.url()).pathname;

    // The run fails: the monitor is triggered, the webhook gets a signed alert.
    const fired = await fetch(flowUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fail: 'order 42 rejected' }),
    });
    expect(fired.status).toBe(200);
    const monitorId = monitorPath.split('/')[2];
    await expect
      .poll(async () => (await server.api('GET', `/api/alert-monitors/${monitorId}`)).body.triggered, {
        timeout: 30_000,
      })
      .toBe(true);
    await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThan(0);
    const alert = received[0] as Received;
    const signature = createHmac('sha256', secret).update(alert.body).digest('hex');
    expect(alert.headers['x-webhook-signature']).toBe(`sha256=${signature}`);
    expect(JSON.parse(alert.body)).toMatchObject({ monitor: 'Alert DevOps on failure', state: 'triggered' });

    await page.reload();
    await expect.poll(() => page.getByTestId('monitor-triggered').textContent()).toContain('1 open');
    const event = page.getByTestId('monitor-event').first();
    expect(await event.textContent()).toContain('order 42 rejected');
    expect(await event.getByTestId('monitor-event-execution').getAttribute('href')).toMatch(
      /^\/executions\/[0-9a-f-]{36}$/,
    );
    await event.getByTestId('monitor-event-deliveries-toggle').click();
    const deliveries = page.getByTestId('monitor-event-deliveries');
    await expect.poll(() => deliveries.textContent()).toContain('DevOps hook');
    await expect
      .poll(() => deliveries.locator('[data-testid=alert-delivery][data-status=delivered]').count())
      .toBeGreaterThan(0);
    await expectAccessible(page);
    await capture(page, 'monitor-triggered');

    await page.goto(`${server.url}/monitors`);
    await expect.poll(() => page.getByTestId('monitors-table').textContent()).toContain('Triggered · 1 open');
    await expectAccessible(page);
    await capture(page, 'list');

    // Someone is on it: clearing leaves the event (cleared, by whom) and the monitor OK.
    await page.goto(`${server.url}${monitorPath}`);
    await page.getByTestId('monitor-clear-all').click();
    await expect
      .poll(() => page.getByTestId('monitor-event').first().getAttribute('data-state'))
      .toBe('cleared');
    expect(await page.getByTestId('monitor-event').first().textContent()).toContain('cleared by');
    expect(await page.getByTestId('monitor-triggered').count()).toBe(0);
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });

  it('shows a viewer every alerting screen without a button the server would refuse', async () => {
    const context = await browser.newContext({ viewport: widths.laptop });
    const { page, errors } = await signIn(context, people.viewer.email, '/monitors');
    await expect
      .poll(() => page.getByTestId('monitors-table').textContent())
      .toContain('Alert DevOps on failure');
    expect(await page.getByTestId('monitors-new').count()).toBe(0);
    await page.getByTestId('monitors-table').getByRole('link').first().click();
    await page.waitForURL(/\/monitors\/[0-9a-f-]{36}$/);
    await expect.poll(() => page.getByTestId('monitor-event').count()).toBeGreaterThan(0);
    for (const testId of ['monitor-edit', 'monitor-delete', 'monitor-disable', 'monitor-clear-all']) {
      expect(await page.getByTestId(testId).count(), testId).toBe(0);
    }
    await page.getByTestId('monitor-event-deliveries-toggle').first().click();
    await expect.poll(() => page.getByTestId('alert-delivery').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('alert-delivery-retry').count()).toBe(0);

    await page.goto(`${server.url}/monitors/groups`);
    await expect.poll(() => page.getByTestId('alert-groups-table').textContent()).toContain('DevOps');
    expect(await page.getByTestId('alert-groups-new').count()).toBe(0);
    expect(await page.getByTestId('alert-group-edit').count()).toBe(0);
    await page.goto(`${server.url}/monitors/webhooks`);
    await expect.poll(() => page.getByTestId('alert-webhooks-table').textContent()).toContain('DevOps hook');
    expect(await page.getByTestId('alert-webhook-test').count()).toBe(0);
    await expectAccessible(page);
    await capture(page, 'webhooks-viewer');
    await page.goto(`${server.url}/instances/${instanceId}`);
    await expect.poll(() => page.getByTestId('instance-monitors').textContent()).toContain('Alert DevOps');
    expect(await page.getByTestId('instance-add-monitor').count()).toBe(0);
    expect(unexpected(errors)).toEqual([]);
    await context.close();
  });
});
