// Issue 17, end to end in a real browser (Debian's Chromium, playwright-core): Northwind Books (the example host
// app, examples/embedded-host) signs a customer user in and embeds Weft's marketplace with @weft/embed. The customer
// activates an integration whose wizard has two pages, an OAuth 2.0 connection authorized against a real
// authorization server (oidc-provider on loopback) in a popup, and a picklist fed by a data source that depends on
// the connection and on the first page's choice; deploys it; its webhook runs; the customer sees the run in the
// self-service screen; a user of another customer sees none of it. Screenshots at desktop and phone width.
import type { Browser, BrowserContext, Frame, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedHost, startEmbeddedHost } from '../../../examples/embedded-host/src/host-server.js';
import {
  acmeConnectionAndRegionYaml,
  acmeListsComponent,
} from '../../server/test/support/acme-lists-component.js';
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
import { flowYaml, sqlQuery } from '../../server/test/support/integration-fixtures.js';
import { listedIntegration, serverWithOAuthProvider } from '../../server/test/support/marketplace.js';
import type { OAuthProvider } from '../../server/test/support/oauth-provider.js';
import { bundleSource } from '../../server/test/support/spectral-bundles.js';
import type { TestServer } from '../../server/test/support/test-server.js';

const client = { clientId: 'northwind-acme', clientSecret: 'northwind-acme-secret-5d1f' };

function definition(provider: OAuthProvider): string {
  return `definitionVersion: 7
name: Acme Lists Sync
description: Keeps an Acme list in step with your Northwind ledger.
category: CRM
labels: [crm, sync]
endpointType: flow_specific
requiredConfigVars:
${acmeConnectionAndRegionYaml({ key: 'Acme Account', stableKey: 'acme-account' }, provider, client)}  - key: Target List
    stableKey: target-list
    dataType: picklist
    dataSource: {key: lists, component: {key: acme-lists, version: LATEST, isPublic: false}}
    inputs:
      connection: {type: configVar, value: Acme Account}
      region: {type: configVar, value: Region}
    description: The list new ledger entries go to
    orgOnly: false
configPages:
  - name: Connect
    tagline: Sign in to Acme
    elements:
      - {type: configVar, value: Acme Account}
      - {type: configVar, value: Region}
  - name: Choose
    elements:
      - {type: htmlElement, value: "<h3>Pick a list</h3><p>Entries are <strong>appended</strong>.</p><img src=x onerror=alert(1)>"}
      - {type: configVar, value: Target List}
flows:
${flowYaml('Sync Lists')}`;
}

let server: TestServer;
let provider: OAuthProvider;
let host: EmbeddedHost;
let browser: Browser;
let signing: { id: string; privateKeyPem: string; organizationId: string };

beforeAll(async () => {
  ({ server, provider } = await serverWithOAuthProvider(client, { WEFT_SANDBOX_NETWORK: 'open' }));
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSource(acmeListsComponent) },
  });
  expect(published.status, published.text).toBe(201);
  await listedIntegration(server, definition(provider), {
    overview: '## What it does\n\nCopies each **new ledger entry** to the Acme list you choose.',
  });
  const key = await generatedSigningKey(server);
  const organization = await server.api('GET', '/api/organization');
  signing = { id: key.id, privateKeyPem: key.privateKeyPem, organizationId: organization.body.id };
  host = await startEmbeddedHost({
    weftUrl: server.url,
    organizationId: organization.body.id,
    privateKeyPem: key.privateKeyPem,
    keyId: key.id,
    port: 0,
  });
  const allowed = await server.api('PUT', '/api/organization/embedding', {
    body: { allowedOrigins: [host.url] },
  });
  expect(allowed.status, allowed.text).toBe(200);
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await server?.stop();
  await provider?.stop();
});

async function signIn(
  context: BrowserContext,
  email: string,
): Promise<{ page: Page; errors: string[]; weft: FrameLocator }> {
  const { page, errors } = await pageWithErrors(context);
  await page.goto(`${host.url}/login`);
  await page.getByTestId('login-email').fill(email);
  await page.getByTestId('login-password').fill('northwind');
  await page.getByTestId('login-submit').click();
  await page.waitForURL(`${host.url}/app`);
  return { page, errors, weft: page.frameLocator('#weft iframe') };
}

/** The embedded page's frame, to run checks inside it. */
async function weftFrame(page: Page): Promise<Frame> {
  const frame = await (await page.locator('#weft iframe').elementHandle())?.contentFrame();
  if (!frame) throw new Error('no Weft frame in the host page');
  return frame;
}

/** No serious or critical accessibility problem on the frame's current screen (and something was checked). */
async function expectAccessible(page: Page): Promise<void> {
  const { violations, passedNodes } = await accessibilityViolations(await weftFrame(page));
  expect(violations).toEqual([]);
  expect(passedNodes).toBeGreaterThan(10);
}

/** Plays the person at the provider's development login and consent pages, in the popup. */
async function approveInPopup(popup: Page): Promise<void> {
  await popup.waitForLoadState();
  await popup.locator('input[name="login"]').fill('acme-admin');
  await popup.locator('input[name="password"]').fill('any-password');
  await popup.locator('button[type="submit"]').click();
  await popup.locator('button[type="submit"]').click();
}

describe('the embedded marketplace in a host app', () => {
  it('lets a customer activate, connect, configure and deploy an integration, and watch it run', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    const { page, errors, weft } = await signIn(context, 'ada@acme.example');
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });

    // The marketplace, inside the host's page; no token anywhere in the frame's address.
    const card = weft.getByTestId('integration-card').filter({ hasText: 'Acme Lists Sync' });
    await expect.poll(() => card.count()).toBe(1);
    const frameUrl = await page.locator('#weft iframe').getAttribute('src');
    expect(frameUrl).toMatch(/\/embedded\/marketplace\?/);
    expect(frameUrl).not.toMatch(/eyJ/);
    await screenshot(page, 'embedded-marketplace-desktop');
    await expectAccessible(page);

    await card.click();
    await expect.poll(() => weft.getByRole('heading', { name: 'Acme Lists Sync' }).count()).toBe(1);
    await expect.poll(() => weft.getByText('Copies each').count()).toBe(1);
    await screenshot(page, 'embedded-integration-detail-desktop');
    await weft.getByRole('button', { name: 'Activate' }).click();

    // Page 1: the connection (OAuth in a popup) and the region.
    await expect.poll(() => weft.getByRole('heading', { name: 'Connect' }).count()).toBe(1);
    await screenshot(page, 'embedded-wizard-connect-desktop');
    await expectAccessible(page);
    await weft.getByLabel('Region').selectOption('eu');
    const popupOpened = page.waitForEvent('popup');
    await weft.getByTestId('oauth-connect').click();
    const popup = await popupOpened;
    await approveInPopup(popup);
    // The landing page closes the popup once it told the wizard (it may already have).
    if (!popup.isClosed()) await popup.waitForEvent('close');
    await expect
      .poll(() => weft.getByText('Connected', { exact: true }).count(), { timeout: 20_000 })
      .toBe(1);
    await weft.getByTestId('wizard-next').click();

    // Page 2: the organization's HTML, sanitized, and the data source's choices for the region chosen.
    await expect.poll(() => weft.getByRole('heading', { name: 'Pick a list' }).count()).toBe(1);
    expect(await weft.locator('.html-element img').getAttribute('onerror')).toBeNull();
    const target = weft.getByLabel('Target List');
    await expect
      .poll(() => target.locator('option').allTextContents())
      .toEqual(['Choose…', 'eu customers', 'eu leads']);
    await target.selectOption('eu-leads');
    await screenshot(page, 'embedded-wizard-choose-desktop');
    await weft.getByRole('button', { name: 'Save and deploy' }).click();
    await expect.poll(() => weft.getByText('is configured and running').count(), { timeout: 20_000 }).toBe(1);

    // The host heard about it.
    const events = page.getByTestId('events-log');
    for (const event of [
      'INSTANCE_CREATED',
      'INSTANCE_CONFIGURATION_LOADED',
      'INSTANCE_CONFIGURATION_PAGE_LOADED',
      'INSTANCE_DEPLOYED',
      'INSTANCE_CONFIGURATION_CLOSED',
    ]) {
      await expect.poll(() => events.textContent()).toContain(event);
    }
    // Closed once, when the deploy finished the wizard (not on every re-render).
    expect((await events.textContent())?.match(/INSTANCE_CONFIGURATION_CLOSED/g)).toHaveLength(1);

    // Its webhook runs.
    const instances = await server.api('GET', '/api/instances?search=Acme%20Lists%20Sync');
    const instance = instances.body.items[0];
    expect(instance).toMatchObject({ customer: { externalId: 'acme' }, deployedVersionNumber: 1 });
    const flows = await server.api('GET', `/api/instances/${instance.id}/flows`);
    const webhookUrl: string = flows.body.flows[0].webhookUrl;
    const fired = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"entry": 7}',
    });
    expect(fired.status).toBeLessThan(300);

    // The customer sees the run in the self-service screen.
    await page.getByTestId('nav-activity').click();
    await expect.poll(() => weft.getByText('Sync Lists').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(() => weft.getByText('Succeeded').count(), { timeout: 30_000 }).toBeGreaterThan(0);
    await screenshot(page, 'embedded-dashboard-desktop');
    await expectAccessible(page);

    // The run itself: its steps and what they logged.
    await weft.locator('.row-link').first().click();
    await expect.poll(() => weft.getByRole('heading', { name: 'Steps' }).count()).toBe(1);
    await expect.poll(() => weft.getByText('Got {"entry":7}').count()).toBeGreaterThan(0);
    await screenshot(page, 'embedded-execution-desktop');
    await expectAccessible(page);

    // The customer's log lines, and their (here: no) self-service connections.
    await page.getByTestId('nav-logs').click();
    await expect.poll(() => weft.getByText('Got {"entry":7}').count()).toBeGreaterThan(0);
    await screenshot(page, 'embedded-logs-desktop');
    await expectAccessible(page);
    await page.getByTestId('nav-connections').click();
    await expect.poll(() => weft.getByText('No connections to set up.').count()).toBe(1);

    await page.setViewportSize(viewports.phone);
    await page.getByTestId('nav-integrations').click();
    await expect.poll(() => weft.getByTestId('integration-card').count()).toBeGreaterThan(0);
    await expect.poll(() => weft.getByText('Activated', { exact: true }).count()).toBeGreaterThan(0);
    await screenshot(page, 'embedded-marketplace-phone');
    // The only console errors: Chromium reporting that the page's CSP blocked the onerror handler of the
    // organization's HTML while DOMPurify parsed it (it reports at parse time, even in an inert document).
    expect(errors.filter((error) => !error.startsWith('Executing inline event handler violates'))).toEqual(
      [],
    );
    expect(dialogs).toEqual([]);
    await context.close();
  });

  it('shows another customer none of it', async () => {
    const context = await browser.newContext({ viewport: viewports.desktop });
    const { page, errors, weft } = await signIn(context, 'alan@globex.example');
    const card = weft.getByTestId('integration-card').filter({ hasText: 'Acme Lists Sync' });
    await expect.poll(() => card.count()).toBe(1);
    expect(await card.textContent()).not.toContain('Activated');
    // Keyboard only: from the search box to the card, Enter opens the integration.
    await weft.getByRole('searchbox', { name: 'Search integrations' }).focus();
    for (let step = 0; step < 6; step++) {
      if (
        await card.evaluate(
          (element) =>
            (element as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement ===
            element,
        )
      )
        break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    await expect.poll(() => weft.getByRole('heading', { name: 'Acme Lists Sync' }).count()).toBe(1);
    await expectAccessible(page);
    await page.getByTestId('nav-integrations').click();
    await page.getByTestId('nav-activity').click();
    await expect.poll(() => weft.getByText('Nothing has run yet.').count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => weft.getByText('You have not activated an integration yet.').count()).toBe(1);
    expect(await weft.locator('body').textContent()).not.toContain('Sync Lists');

    // A fresh token from the host's backend reaches the live frame, which takes it and goes on working.
    const renewed = await page.evaluate(async () => {
      const answer = await fetch('/api/weft-token', {
        method: 'POST',
        headers: { 'X-Requested-With': 'fetch' },
      });
      const { token } = (await answer.json()) as { token: string };
      // biome-ignore lint/suspicious/noExplicitAny: the SDK's script-tag global
      await (globalThis as any).weft.authenticate({ token });
      return 'taken';
    });
    expect(renewed).toBe('taken');
    await weft.getByLabel('Status').selectOption('succeeded');
    await expect.poll(() => weft.getByText('Nothing has run yet.').count()).toBe(1);

    // A token for someone else (Acme's Ada) in Alan's live frame: refused, and the frame closes down.
    const someoneElse = await signEmbeddedJwt(
      signing.privateKeyPem,
      { ...embeddedClaims(signing.organizationId, 'acme', 'nw-user-ada'), customer_name: 'Acme Corp' },
      { kid: signing.id },
    );
    const refused = await page.evaluate(async (token) => {
      try {
        // biome-ignore lint/suspicious/noExplicitAny: the SDK's script-tag global
        await (globalThis as any).weft.authenticate({ token });
        return 'taken';
      } catch (error) {
        return `${(error as { code: string }).code}: ${(error as Error).message}`;
      }
    }, someoneElse);
    expect(refused).toMatch(/^EMBED_AUTH_FAILED: .*EMBED_TOKEN_USER_CHANGED/);
    await expect.poll(() => weft.getByText('EMBED_TOKEN_USER_CHANGED').count()).toBe(1);
    expect(await weft.locator('body').textContent()).not.toContain('Acme');
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refuses to talk to a host its own organization did not allow, even when another organization allows it', async () => {
    // Another organization on the same Weft allows the host's origin: the browser lets the page be framed
    // (frame-ancestors lists every organization's origins), so the page itself must refuse.
    await sqlQuery(
      server,
      `insert into organizations (name, embed_allowed_origins) values ('Other Org', array[$1])`,
      [host.url],
    );
    const removed = await server.api('PUT', '/api/organization/embedding', { body: { allowedOrigins: [] } });
    expect(removed.status).toBe(200);
    try {
      const context = await browser.newContext({ viewport: viewports.desktop });
      const { page, weft } = await signIn(context, 'ada@acme.example');
      await expect
        .poll(() => weft.getByText('EMBED_ORIGIN_NOT_ALLOWED').count(), { timeout: 20_000 })
        .toBe(1);
      await expect
        .poll(() => page.getByTestId('embed-status').textContent())
        .toContain('EMBED_ORIGIN_NOT_ALLOWED');
      expect(await weft.getByTestId('integration-card').count()).toBe(0);
      await screenshot(page, 'embedded-origin-refused');
      await context.close();

      // With no organization allowing it, the browser does not even show the page in the host.
      await sqlQuery(server, `update organizations set embed_allowed_origins = '{}'`);
      const answer = await fetch(`${server.url}/embedded/marketplace?frame=x`);
      expect(answer.headers.get('content-security-policy')).toMatch(/frame-ancestors 'self'$/);
    } finally {
      await sqlQuery(server, `delete from organizations where name = 'Other Org'`);
      await server.api('PUT', '/api/organization/embedding', { body: { allowedOrigins: [host.url] } });
    }
  });
});
