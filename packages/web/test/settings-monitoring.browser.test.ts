// Issue 19 in a real browser (Debian's Chromium, playwright-core): an owner adds an event webhook in the console's
// settings, is shown its generated signing secret once, sends a test event that arrives signed with it, and reads
// the delivery in the webhook's log; then adds a log stream from the New Relic preset, pointed at a local receiver
// with its key header, sees a template mistake at the field, and sends a test payload that arrives with the header.
// A viewer sees both tabs and none of their buttons. Screens pass axe.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessibilityViolations,
  launchBrowser,
  pageWithErrors,
  screenshot,
} from '../../server/test/support/browser.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

const password = 'monitoring-test-password';
const people = {
  owner: { email: 'olga@weft.example', name: 'Olga Owner', role: 'owner' },
  viewer: { email: 'vic@weft.example', name: 'Vic Viewer', role: 'viewer' },
};

interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** The organization's app and its log collector: takes every POST, answers 200. */
async function startReceiver() {
  const received: Received[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.setHeader('content-type', 'application/json');
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let server: TestServer;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let browser: Browser;

beforeAll(async () => {
  [server, receiver, browser] = await Promise.all([startTestServer(), startReceiver(), launchBrowser()]);
  for (const person of Object.values(people)) {
    const created = await server.api('POST', '/api/users', { body: { ...person, password } });
    expect(created.status, created.text).toBe(201);
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await receiver?.close();
});

async function signIn(email: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const { page, errors } = await pageWithErrors(context);
  await page.goto(`${server.url}/settings/event-webhooks`);
  await page.waitForURL(/\/sign-in\?returnTo=/);
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
  await page.waitForURL(`${server.url}/settings/event-webhooks`);
  return { page, errors };
}

async function expectAccessible(page: Page): Promise<void> {
  const { violations, passedNodes } = await accessibilityViolations(page);
  expect(violations).toEqual([]);
  expect(passedNodes).toBeGreaterThan(10);
}

/** Errors that are the test's doing: the sign-in page's first session check, a field error it provokes. */
const unexpected = (errors: string[]) => errors.filter((error) => !/status of (401|422|400)/.test(error));

describe('settings: event webhooks and log streams', () => {
  it('an owner sets both up and tests them; a viewer sees them without buttons', async () => {
    const { page, errors } = await signIn(people.owner.email);
    await expect.poll(() => page.getByTestId('event-webhooks-empty').textContent()).toContain('Add one');
    await expectAccessible(page);

    // Create: name, URL, a whole group and one more type, a secret Weft generates.
    await page.getByTestId('event-webhooks-create').click();
    await page.getByTestId('event-webhook-name').fill('Billing app');
    await page.getByTestId('event-webhook-url').fill(`${receiver.url}/weft-events`);
    await page.getByTestId('event-webhook-save').click();
    // No event chosen: said at the field, nothing sent.
    await expect.poll(() => page.getByText('Choose at least one event type').count()).toBe(1);
    await page.getByTestId('event-group-toggle-instance').check();
    await page.getByTestId('event-type-customer.created').check();
    await expect.poll(() => page.getByTestId('event-webhook-selected-count').textContent()).toMatch(/^7 of/);
    await expect.poll(() => page.getByTestId('event-webhook-secret-generate').isChecked()).toBe(true);
    await expectAccessible(page);
    await page.getByTestId('event-webhook-save').click();
    const secretBox = page.getByTestId('event-webhook-secret-shown');
    await secretBox.waitFor();
    const secret = await secretBox.inputValue();
    expect(secret).toMatch(/^whsec_/);
    expect(await page.getByRole('dialog').textContent()).toContain("won't be shown again");
    await page.getByTestId('event-webhook-secret-done').click();
    await page.waitForURL(/\/settings\/event-webhooks\/[0-9a-f-]{36}$/);
    const webhookId = new URL(page.url()).pathname.split('/').at(-1) ?? '';
    const saved = await server.api('GET', `/api/event-webhooks/${webhookId}`);
    expect(saved.body).toMatchObject({ name: 'Billing app', hasSecret: true });
    expect(saved.body.eventTypes).toEqual(expect.arrayContaining(['instance.deployed', 'customer.created']));
    expect(saved.body.eventTypes).toHaveLength(7);

    // Test event: delivered, signed with the secret shown, and listed in the delivery log with its body.
    await page.getByTestId('event-webhook-test').click();
    await page.getByTestId('event-webhook-test-delivered').waitFor();
    const test = receiver.received.find((request) => request.path === '/weft-events');
    expect(test).toBeDefined();
    expect(JSON.parse(test?.body ?? '{}').event_type).toBe('webhook.test');
    const expected = `sha256=${createHmac('sha256', secret)
      .update(test?.body ?? '')
      .digest('hex')}`;
    expect(test?.headers['x-webhook-signature']).toBe(expected);
    await expect
      .poll(() => page.getByTestId('event-webhook-deliveries').textContent())
      .toContain('webhook.test');
    await page.getByTestId('event-webhook-delivery-open').first().click();
    await expect
      .poll(() => page.getByTestId('event-webhook-delivery-body').textContent())
      .toContain('"event_type": "webhook.test"');
    await expectAccessible(page);
    await screenshot(page, 'settings-events-test-delivery');
    await page.keyboard.press('Escape');

    // Log stream: the New Relic preset fills its intake URL and key header; then pointed at the local collector.
    await page.getByTestId('settings-tab-log-streams').click();
    await expect.poll(() => page.getByTestId('log-streams-empty').textContent()).toContain('Add one');
    await page.getByTestId('log-streams-create').click();
    await page.getByTestId('log-stream-name').fill('Collector');
    await page.getByTestId('log-stream-preset-new-relic').check();
    await expect
      .poll(() => page.getByTestId('log-stream-url').inputValue())
      .toBe('https://log-api.newrelic.com/log/v1');
    await expect.poll(() => page.getByTestId('log-stream-header-name').inputValue()).toBe('X-License-Key');
    // A key typed in stays when the service changes; an empty key row of the old service goes.
    await page.getByTestId('log-stream-header-value').fill('license-key-123');
    await page.getByTestId('log-stream-preset-custom').check();
    await expect.poll(() => page.getByTestId('log-stream-header-name').count()).toBe(1);
    await page.getByTestId('log-stream-url').fill(`${receiver.url}/logs`);
    const template = page.getByTestId('log-stream-template');
    const good = await template.inputValue();
    await template.fill('{ "message": {{ message }, "level": {{ severity }} }');
    await expectAccessible(page);
    await page.getByTestId('log-stream-save').click();
    // The template's mistake, at the template.
    await expect.poll(() => template.getAttribute('aria-invalid'), { timeout: 10_000 }).toBe('true');
    await template.fill(good);
    await page.getByTestId('log-stream-save').click();
    await page.waitForURL(/\/settings\/log-streams\/[0-9a-f-]{36}$/);
    await page.getByTestId('log-stream-test').click();
    await page.getByTestId('log-stream-test-delivered').waitFor();
    const batch = receiver.received.find((request) => request.path === '/logs');
    expect(batch?.headers['x-license-key']).toBe('license-key-123');
    expect(JSON.parse(batch?.body ?? '[]')[0].message).toBe('Test message');
    await expectAccessible(page);
    await screenshot(page, 'settings-logstreams-test-payload');
    expect(unexpected(errors)).toEqual([]);

    // A viewer: both tabs, the data, no button the server would refuse.
    const viewer = await signIn(people.viewer.email);
    await expect
      .poll(() => viewer.page.getByTestId('event-webhooks-table').textContent())
      .toContain('Billing app');
    expect(await viewer.page.getByTestId('event-webhooks-create').count()).toBe(0);
    await viewer.page.getByRole('link', { name: 'Billing app' }).click();
    await expect
      .poll(() => viewer.page.getByTestId('event-webhook-deliveries').textContent())
      .toContain('webhook.test');
    for (const action of ['event-webhook-test', 'event-webhook-edit', 'event-webhook-delete']) {
      expect(await viewer.page.getByTestId(action).count()).toBe(0);
    }
    await viewer.page.getByTestId('settings-tab-log-streams').click();
    await expect
      .poll(() => viewer.page.getByTestId('log-streams-table').textContent())
      .toContain('Collector');
    expect(await viewer.page.getByTestId('log-streams-create').count()).toBe(0);
    await viewer.page.getByRole('link', { name: 'Collector' }).click();
    await expect.poll(() => viewer.page.getByTestId('log-stream-summary').count()).toBe(1);
    for (const action of ['log-stream-test', 'log-stream-edit', 'log-stream-delete']) {
      expect(await viewer.page.getByTestId(action).count()).toBe(0);
    }
    await expectAccessible(viewer.page);
    expect(unexpected(viewer.errors)).toEqual([]);
  });
});
