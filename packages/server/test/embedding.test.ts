// Issue 17: which origins of the organization's app may embed Weft's pages, and their theme
// (`/api/organization/embedding`), what an embedded page reads once signed in (`/api/embedded/context`), and how
// Weft serves the pages: `frame-ancestors` from every organization's list, assets cached, the SDK script.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EmbeddedSigner, embeddedSigner } from './support/customer-callers.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let signer: EmbeddedSigner;
let acme: string;

beforeAll(async () => {
  server = await startTestServer({ WEFT_ALLOWED_ORIGINS: 'https://partner.example' });
  signer = await embeddedSigner(server);
  acme = await signer.token({ customer: 'acme', customerName: 'Acme Corp', name: 'Ada' });
});
afterAll(async () => {
  await server?.stop();
});

const embedding = '/api/organization/embedding';

describe('embedding settings', () => {
  it('start with no origin of the organization and the default theme', async () => {
    const answer = await server.api('GET', embedding);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({
      allowedOrigins: [],
      effectiveAllowedOrigins: ['https://partner.example'],
      theme: {},
    });
  });

  it('keep the origins and theme an owner sets, and record the change in the audit log', async () => {
    const answer = await server.api('PUT', embedding, {
      body: {
        allowedOrigins: ['https://app.northwind.example', 'http://127.0.0.1:3400'],
        theme: {
          mode: 'dark',
          primary: '#0f766e',
          fontFamily: "Inter, 'Helvetica Neue', sans-serif",
          radius: '6px',
        },
      },
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({
      allowedOrigins: ['https://app.northwind.example', 'http://127.0.0.1:3400'],
      effectiveAllowedOrigins: [
        'https://app.northwind.example',
        'http://127.0.0.1:3400',
        'https://partner.example',
      ],
      theme: {
        mode: 'dark',
        primary: '#0f766e',
        fontFamily: "Inter, 'Helvetica Neue', sans-serif",
        radius: '6px',
      },
    });
    // A field left out keeps its value.
    const originsOnly = await server.api('PUT', embedding, {
      body: { allowedOrigins: ['https://app.northwind.example'] },
    });
    expect(originsOnly.body.theme).toMatchObject({ mode: 'dark', primary: '#0f766e' });
    const audit = await server.api('GET', '/api/audit-events?action=organization.set-embedding');
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.items[0]).toMatchObject({
      action: 'organization.set-embedding',
      details: { allowedOrigins: ['https://app.northwind.example'], changed: ['allowedOrigins'] },
    });
  });

  it('refuse an origin with a path, a non-http scheme, or a theme value that is not a plain colour, font or length', async () => {
    const refusals: Array<[unknown, RegExp]> = [
      [
        { allowedOrigins: ['https://app.example.com/embed'] },
        /'allowedOrigins.0' is not valid .*: it must be an origin: scheme:\/\/host/,
      ],
      [{ allowedOrigins: ['javascript:alert(1)'] }, /'allowedOrigins.0'/],
      [{ allowedOrigins: ['https://a.example', 'https://a.example'] }, /allowedOrigins/],
      [
        { theme: { primary: 'red; background: url(https://evil.example)' } },
        /'theme.primary' is not valid .*: it must be a CSS colour/,
      ],
      [{ theme: { fontFamily: 'x}body{display:none' } }, /'theme.fontFamily'/],
      [{ theme: { radius: '1e9px' } }, /'theme.radius'/],
      [{ theme: { shadow: '0 0 1px red' } }, /shadow/],
      [{ theme: { mode: 'sepia' } }, /'theme.mode'/],
    ];
    for (const [body, where] of refusals) {
      const answer = await server.api('PUT', embedding, { body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.message, JSON.stringify(answer.body.error)).toMatch(where);
    }
    const kept = await server.api('GET', embedding);
    expect(kept.body.allowedOrigins).toEqual(['https://app.northwind.example']);
  });

  it('are the organization’s: a customer user may neither read nor change them', async () => {
    expect((await server.api('GET', embedding, { token: acme })).status).toBe(403);
    const put = await server.api('PUT', embedding, {
      token: acme,
      body: { allowedOrigins: ['https://evil.example'] },
    });
    expect(put.status).toBe(403);
  });
});

describe('the embedded context', () => {
  it('tells a customer user who they are, the theme and the origins their pages may talk to', async () => {
    const answer = await server.api('GET', '/api/embedded/context', { token: acme });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({
      organization: { id: signer.orgId },
      customer: { externalId: 'acme', name: 'Acme Corp' },
      user: { externalId: 'user-of-acme', name: 'Ada', role: 'marketplace-admin', kind: 'customer' },
      allowedOrigins: ['https://app.northwind.example', 'https://partner.example'],
      theme: { mode: 'dark', primary: '#0f766e' },
    });
  });

  it('answers an organization caller without a customer, and refuses a missing or bad token', async () => {
    const owner = await server.api('GET', '/api/embedded/context');
    expect(owner.status, owner.text).toBe(200);
    expect(owner.body).toMatchObject({ customer: null, user: { kind: 'organization', role: 'owner' } });
    const expired = await signer.token({ customer: 'acme', expiresInSeconds: -120 });
    for (const token of ['not-a-token', expired]) {
      const answer = await server.api('GET', '/api/embedded/context', { token });
      expect(answer.status).toBe(401);
    }
  });
});

describe('the embedded pages', () => {
  it('are framed only by the origins organizations allow (and Weft itself)', async () => {
    const page = await fetch(`${server.url}/embedded/marketplace?frame=f1`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const policy = page.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("frame-ancestors 'self' https://partner.example https://app.northwind.example");
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toContain('unsafe-eval');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    expect(html).toMatch(/<script type="module" crossorigin src="\/assets\/embedded-[\w-]+\.js"><\/script>/);

    // Every screen is the same document: the app routes inside it.
    const wizard = await fetch(
      `${server.url}/embedded/instances/00000000-0000-4000-8000-000000000000/configure`,
    );
    expect(await wizard.text()).toBe(html);
  });

  it('load their scripts from content-hashed assets cached for a year; unknown assets are 404', async () => {
    const html = await (await fetch(`${server.url}/embedded/marketplace`)).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] ?? '';
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // The entry of the embedded pages: it signs the frame in through the embedded context route.
    expect(await asset.text()).toContain('/api/embedded/context');
    expect((await fetch(`${server.url}/assets/nope-123.js`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
  });

  it('serve the SDK for hosts that load it from Weft', async () => {
    const sdk = await fetch(`${server.url}/sdk/weft-embed.min.js`);
    expect(sdk.status).toBe(200);
    expect(sdk.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(sdk.headers.get('access-control-allow-origin')).toBe('*');
    expect(await sdk.text()).toMatch(/weft-embed/);
  });
});
