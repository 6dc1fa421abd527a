// The SDK in a real browser, as a host app uses it: a HOST origin serves a page that loads the built bundle, a
// FAKE WEFT origin serves a stub of the embedded pages that plays the frame side of the protocol, and an EVIL
// origin serves the same stub posing as Weft. What the stub receives is read from inside it (`stub.log`).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type * as Embed from '@weft/embed';
import type { Browser, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, pageWithErrors, screenshot, viewports } from '../../server/test/support/browser.js';

const packageRoot = new URL('../', import.meta.url);
const sdkVersion: string = JSON.parse(readFileSync(new URL('package.json', packageRoot), 'utf8')).version;

/** What the host page's harness (below) exposes; the SDK's types come from the built package. */
interface HostGlobals {
  weft: typeof Embed;
  seen: { event: string; data: unknown; frameId: string; fromIframe: boolean }[];
  raw: { event: string; origin: string; enveloped: boolean; fromOurIframe: boolean }[];
  handles: Record<string, Embed.WeftFrame>;
  outcome: Record<string, { ok?: Embed.ReadyPayload; error?: CaughtError }>;
  track(name: string, handle: Embed.WeftFrame): string;
  listen(event: string): void;
  activeLabel(): string | null;
  caught(call: () => unknown): CaughtError | null;
  fetchCalls: number;
}
interface CaughtError {
  name: string;
  code: string;
  message: string;
  details?: { code: string; message: string };
}
interface StubGlobals {
  stub?: {
    log: { type: string; origin: string; fromParent: boolean; payload: Record<string, unknown> }[];
    send(type: string, extra?: Record<string, unknown>): void;
    forged?: boolean;
  };
}

const harness = `
window.seen = []; window.raw = []; window.handles = {}; window.outcome = {}; window.fetchCalls = 0;
// A Prismatic-style listener: host code that reads window messages itself.
addEventListener('message', (e) => {
  if (e.data && typeof e.data.event === 'string') raw.push({ event: e.data.event, origin: e.origin,
    enveloped: e.data.ns === 'weft-embed', fromOurIframe: Boolean(window.weft && weft.getMessageIframe(e)) });
});
window.track = (name, handle) => {
  handles[name] = handle;
  handle.ready.then((ok) => { outcome[name] = { ok }; },
    (e) => { outcome[name] = { error: { name: e.name, code: e.code, message: e.message, details: e.details } }; });
  return handle.frameId;
};
window.listen = (event) => weft.on(event, (data, context) => seen.push({ event, data, frameId: context.frameId,
  fromIframe: context.iframe instanceof HTMLIFrameElement }));
window.activeLabel = () => { const a = document.activeElement; return a && (a.id || a.getAttribute('aria-label') || a.tagName); };
window.caught = (call) => { try { call(); return null; } catch (e) { return { name: e.name, code: e.code, message: e.message }; } };
`;

function hostPage(loader: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>Host app</title></head>
<body><h1>Host app</h1><button id="opener">Open integrations</button>
<div id="slot" style="height:400px"></div><div id="slot2" style="height:300px"></div>
<script>${harness}</script>${loader}</body></html>`;
}

/** The frame side of the protocol, as small as a test needs: it answers `ready` unless the token's `sub` is
 *  `revoked`, and records every message it receives. `mode` `silent` never says hello; `forge` (the EVIL origin)
 *  posts a forged event and `ready` to its parent right after its hello. */
function stubPage(mode: 'normal' | 'silent' | 'forge', appVersion: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stub</title></head><body>
<p>Stub embedded page</p><script>
const frameId = new URLSearchParams(location.search).get('frame');
let hostOrigin = null;
const log = [];
function send(type, extra, target) {
  parent.postMessage(Object.assign({ ns: 'weft-embed', v: 1, type, frameId }, extra), target || hostOrigin);
}
window.stub = { log, send };
function claims(token) {
  try { return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))); } catch { return {}; }
}
function answer(token) {
  const sub = claims(token).sub;
  if (sub === 'revoked') send('auth_failed', { payload: { code: 'TOKEN_REVOKED', message: 'The token was revoked' } });
  else send('ready', { payload: { appVersion: '${appVersion}', customer: { id: 'c1', externalId: 'acme', name: 'Acme' },
    user: { id: 'u1', externalId: sub, name: null, role: 'marketplace_admin' }, expiresAt: null } });
}
addEventListener('message', (e) => {
  const d = e.data;
  log.push({ type: d && d.type, origin: e.origin, fromParent: e.source === parent, payload: d && d.payload });
  if (e.source !== parent || !d || d.ns !== 'weft-embed' || d.frameId !== frameId) return;
  if (d.type === 'init') hostOrigin = e.origin;
  if (e.origin === hostOrigin && (d.type === 'init' || d.type === 'token')) answer(d.payload.token);
});
if (${JSON.stringify(mode)} !== 'silent') send('hello', { appVersion: '${appVersion}', protocolVersions: [1] }, '*');
if (${JSON.stringify(mode)} === 'forge') {
  send('event', { event: 'INSTANCE_DELETED', data: { instanceId: 'forged' } }, '*');
  send('ready', { payload: { appVersion: '${appVersion}', user: { externalId: 'forged' } } }, '*');
  window.stub.forged = true;
}
</script></body></html>`;
}

function token(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

async function serve(handler: (path: string) => { type: string; body: string } | undefined): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (path === '/favicon.ico') return void response.writeHead(204).end();
    const found = handler(path);
    response.writeHead(found ? 200 : 404, {
      'content-type': found?.type ?? 'text/plain',
      'cache-control': 'no-store',
    });
    response.end(found?.body ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const originOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const html = (body: string) => ({ type: 'text/html; charset=utf-8', body });

let browser: Browser;
let servers: Server[];
let HOST: string;
let WEFT: string;
let EVIL: string;
let page: Page;
let errors: string[];
const warnings: string[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, [fileURLToPath(new URL('scripts/build.js', packageRoot))]);
  const bundle = (name: string) => ({
    type: 'text/javascript',
    body: readFileSync(new URL(`dist/${name}`, packageRoot), 'utf8'),
  });
  const host = await serve((path) => {
    if (path === '/host.html') return html(hostPage('<script src="/dist/weft-embed.min.js"></script>'));
    if (path === '/esm.html') {
      return html(
        hostPage(
          `<script type="module">import * as weft from '/dist/weft-embed.esm.min.js'; window.weft = weft;</script>`,
        ),
      );
    }
    if (path === '/dist/weft-embed.min.js' || path === '/dist/weft-embed.esm.min.js')
      return bundle(path.slice(6));
    return undefined;
  });
  const stub = (mode: 'normal' | 'forge') => (path: string) => {
    const match = /^(\/silent|\/v9)?\/embedded\/(marketplace|configure|connections|dashboard|logs)$/.exec(
      path,
    );
    if (!match) return undefined;
    return html(
      stubPage(match[1] === '/silent' ? 'silent' : mode, match[1] === '/v9' ? '9.0.0' : sdkVersion),
    );
  };
  servers = [host, await serve(stub('normal')), await serve(stub('forge'))];
  [HOST, WEFT, EVIL] = servers.map(originOf) as [string, string, string];
  browser = await launchBrowser();
  ({ page, errors } = await pageWithErrors(await browser.newContext()));
  page.on('console', (message) => {
    if (message.type() === 'warning') warnings.push(message.text());
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all((servers ?? []).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Loads a host page in the file's one tab (a new tab costs more than a whole test), with fresh error lists. */
async function openHost(file = 'host.html', viewport: { width: number; height: number } = viewports.desktop) {
  await page.goto('about:blank');
  errors.length = 0;
  warnings.length = 0;
  await page.setViewportSize(viewport);
  await page.goto(`${HOST}/${file}`);
  await page.waitForFunction('window.weft && typeof window.weft.init === "function"');
  return { page, errors, warnings };
}

/** init + authenticate + one screen, tracked as `name`; returns the frame id. */
async function start(
  page: Page,
  options: {
    init?: Record<string, unknown>;
    token?: string;
    name?: string;
    show?: Record<string, unknown>;
  } = {},
): Promise<string> {
  return page.evaluate(
    ({ url, init, jwt, name, show }) => {
      const w = globalThis as unknown as HostGlobals;
      w.weft.init({ url, ...init });
      void w.weft.authenticate({ token: jwt });
      w.listen('INSTANCE_CREATED');
      w.listen('INSTANCE_DELETED');
      w.listen('POPOVER_CLOSED');
      return w.track(name, w.weft.showMarketplace({ selector: '#slot', ...show }));
    },
    {
      url: WEFT,
      init: options.init ?? {},
      jwt: options.token ?? token({ sub: 'user-1' }),
      name: options.name ?? 'main',
      show: options.show ?? {},
    },
  );
}

async function outcome(page: Page, name = 'main') {
  await page.waitForFunction((key) => key in (globalThis as unknown as HostGlobals).outcome, name);
  return page.evaluate((key) => (globalThis as unknown as HostGlobals).outcome[key]!, name);
}

/** The stub page of this frame id (on whatever origin it is now). */
async function stubFrame(page: Page, frameId: string): Promise<Frame> {
  const matches = (frame: Frame) => frame.url().includes(`frame=${frameId}`);
  return page.frames().find(matches) ?? page.waitForEvent('framenavigated', { predicate: matches });
}

/** Runs `trigger` and resolves with the frame it made navigate to a URL starting with `prefix`. */
async function navigation(page: Page, prefix: string, trigger: () => Promise<unknown>): Promise<Frame> {
  const navigated = page.waitForEvent('framenavigated', {
    predicate: (frame) => frame.url().startsWith(prefix),
  });
  await trigger();
  return navigated;
}

/** Waits until the stub got at least `count` messages of this type; returns them. */
async function received(frame: Frame, type: string, count = 1) {
  await frame.waitForFunction(
    ({ type, count }) =>
      ((globalThis as unknown as StubGlobals).stub?.log.filter((entry) => entry.type === type).length ?? 0) >=
      count,
    { type, count },
  );
  return frame.evaluate(
    (type) => (globalThis as unknown as StubGlobals).stub!.log.filter((entry) => entry.type === type),
    type,
  );
}

async function stubSend(frame: Frame, type: string, extra: Record<string, unknown> = {}) {
  await frame.evaluate(({ type, extra }) => (globalThis as unknown as StubGlobals).stub!.send(type, extra), {
    type,
    extra,
  });
}

const created = { event: 'INSTANCE_CREATED', data: { instanceId: 'i-1', integrationName: 'Slack' } };

describe('@weft/embed in a browser', () => {
  it('mounts the screen, hands the token over by message to the exact origin, and resolves ready', async () => {
    const { page, errors, warnings } = await openHost();
    const jwt = token({ sub: 'user-1' });
    const frameId = await start(page, { token: jwt });

    const ready = await outcome(page);
    expect(ready.ok?.user.externalId).toBe('user-1');

    const iframe = page.locator('#slot iframe');
    const src = new URL((await iframe.getAttribute('src')) ?? '');
    expect(src.origin + src.pathname).toBe(`${WEFT}/embedded/marketplace`);
    expect([...src.searchParams.keys()].sort()).toEqual(['frame', 'sdk', 'theme']);
    expect(Object.fromEntries(src.searchParams)).toEqual({ frame: frameId, sdk: sdkVersion, theme: 'light' });
    expect(src.href).not.toContain(jwt.split('.')[1]);
    expect(await iframe.getAttribute('title')).toBe('Marketplace');
    expect(await iframe.getAttribute('allow')).toBe('clipboard-write');

    const stub = await stubFrame(page, frameId);
    const [init] = await received(stub, 'init');
    expect(init).toMatchObject({ origin: HOST, fromParent: true });
    expect(init?.payload).toMatchObject({ sdkVersion, token: jwt, inPopover: false, autoHeight: false });
    expect(await page.locator('style').count()).toBe(1);
    expect(errors).toEqual([]);
    expect(warnings).toEqual([]);
    await screenshot(page, 'embed-sdk-handshake');
  });

  it('ignores messages from windows and origins that are not its frame', async () => {
    const { page, errors, warnings } = await openHost();
    const frameId = await start(page, { init: { handshakeTimeoutMs: 2_000 } });
    expect((await outcome(page)).ok).toBeDefined();
    const stub = await stubFrame(page, frameId);

    // The host page itself forges an event with the frame's id...
    await page.evaluate((frameId) => {
      const w = globalThis as unknown as { postMessage(message: unknown, origin: string): void };
      w.postMessage(
        { ns: 'weft-embed', v: 1, type: 'event', frameId, event: 'INSTANCE_DELETED', data: {} },
        '*',
      );
    }, frameId);
    // ...and so does a third iframe, on another origin, that knows the id (it says hello and `ready` too).
    const intruder = await navigation(page, `${EVIL}/embedded/logs`, () =>
      page.evaluate(`(() => { const f = document.createElement('iframe');
        f.src = ${JSON.stringify(`${EVIL}/embedded/logs?frame=${frameId}`)}; document.body.append(f); })()`),
    );
    // Our own frame navigates to the EVIL origin (a redirect, say): the same window, another origin.
    const moved = await navigation(page, `${EVIL}/embedded/marketplace`, () =>
      stub.evaluate((url) => {
        (globalThis as unknown as { location: { href: string } }).location.href = url;
      }, `${EVIL}/embedded/marketplace?frame=${frameId}`),
    );
    for (const frame of [intruder, moved]) {
      await frame.waitForFunction(() => (globalThis as unknown as StubGlobals).stub?.forged === true);
    }
    // A new token goes to Weft's exact origin, so the page now in that frame does not get it.
    await page.evaluate(
      (jwt) => {
        (globalThis as unknown as HostGlobals).weft.authenticate({ token: jwt }).catch(() => {});
      },
      token({ sub: 'user-1', n: 2 }),
    );

    // A genuine event from a second, genuine frame is the marker that everything before it was handled.
    const secondId = await page.evaluate(() => {
      const w = globalThis as unknown as HostGlobals;
      return w.track('second', w.weft.showMarketplace({ selector: '#slot2' }));
    });
    expect((await outcome(page, 'second')).ok).toBeDefined();
    await stubSend(await stubFrame(page, secondId), 'event', created);
    await page.waitForFunction(() => (globalThis as unknown as HostGlobals).seen.length > 0);

    const seen = await page.evaluate(() => (globalThis as unknown as HostGlobals).seen);
    expect(seen).toEqual([
      { event: 'INSTANCE_CREATED', data: created.data, frameId: secondId, fromIframe: true },
    ]);
    expect((await outcome(page)).ok?.user.externalId).toBe('user-1');
    for (const frame of [intruder, moved]) {
      const types = await frame.evaluate(() =>
        (globalThis as unknown as StubGlobals).stub!.log.map((entry) => entry.type),
      );
      expect(types).not.toContain('init');
      expect(types).not.toContain('token');
    }
    const raw = await page.evaluate(() => (globalThis as unknown as HostGlobals).raw);
    expect(raw.filter((entry) => entry.fromOurIframe)).toEqual([
      { event: 'INSTANCE_CREATED', origin: WEFT, enveloped: true, fromOurIframe: true },
    ]);
    // Chromium's warning about the token message it did not deliver to the page now in our frame: the SDK
    // addressed it to Weft's exact origin.
    await expect
      .poll(() => warnings)
      .toEqual([expect.stringContaining(`target origin provided ('${WEFT}') does not match the recipient`)]);
    expect(errors).toEqual([]);
  });

  it('pushes a new token into the live frame, and asks fetchToken for one when the frame says it expires', async () => {
    const { page, errors, warnings } = await openHost();
    const tokens = { first: token({ sub: 'user-1' }), second: token({ sub: 'user-1', n: 2 }) };
    const fetched = token({ sub: 'user-1', n: 3 });
    const frameId = await page.evaluate(
      ({ url, first, fetched }) => {
        const w = globalThis as unknown as HostGlobals;
        w.weft.init({
          url,
          fetchToken: async () => {
            w.fetchCalls += 1;
            if (w.fetchCalls === 2) throw new Error('backend down');
            return fetched;
          },
        });
        void w.weft.authenticate({ token: first });
        return w.track('main', w.weft.showMarketplace({ selector: '#slot' }));
      },
      { url: WEFT, first: tokens.first, fetched },
    );
    expect((await outcome(page)).ok).toBeDefined();
    const stub = await stubFrame(page, frameId);

    // authenticate resolves once the frame has taken the token (it answers `ready`).
    await page.evaluate(
      (jwt) => (globalThis as unknown as HostGlobals).weft.authenticate({ token: jwt }),
      tokens.second,
    );
    expect((await received(stub, 'token'))[0]?.payload).toEqual({ token: tokens.second });

    await stubSend(stub, 'token_expiring', { payload: { expiresAt: new Date().toISOString() } });
    const pushed = await received(stub, 'token', 2);
    expect(pushed[1]?.payload).toEqual({ token: fetched });

    // A token expiring in 2 s is refreshed before that, unprompted; this time fetchToken fails: a warning only.
    await page.evaluate(
      (jwt) => (globalThis as unknown as HostGlobals).weft.authenticate({ token: jwt }),
      token({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 2 }),
    );
    await page.waitForFunction(() => (globalThis as unknown as HostGlobals).fetchCalls === 2);
    await expect.poll(() => warnings.length).toBe(1);
    expect(warnings[0]).toContain('backend down');
    expect(warnings.join()).not.toContain(tokens.first.split('.')[1]);
    expect(errors).toEqual([]);
  });

  it('rejects ready with EMBED_AUTH_FAILED when Weft refuses the token, and EMBED_HANDSHAKE_TIMEOUT when the frame never answers', async () => {
    const { page, errors } = await openHost();
    await start(page, { token: token({ sub: 'revoked' }) });
    const refused = await outcome(page);
    expect(refused.error).toMatchObject({
      name: 'WeftEmbedError',
      code: 'EMBED_AUTH_FAILED',
      details: { code: 'TOKEN_REVOKED', message: 'The token was revoked' },
    });

    await start(page, { init: { url: `${WEFT}/silent`, handshakeTimeoutMs: 300 }, name: 'silent' });
    const silent = await outcome(page, 'silent');
    expect(silent.error).toMatchObject({ name: 'WeftEmbedError', code: 'EMBED_HANDSHAKE_TIMEOUT' });
    expect(silent.error?.message).toContain(HOST);
    // Nobody awaited these promises: still no "uncaught (in promise)" in the console.
    expect(errors).toEqual([]);
  });

  for (const [size, viewport] of Object.entries(viewports)) {
    it(`opens a modal popover that Esc closes, returning focus (${size})`, async () => {
      const { page, errors } = await openHost('host.html', viewport);
      await page.focus('#opener');
      const frameId = await start(page, { show: { selector: undefined, usePopover: true } });
      expect((await outcome(page)).ok).toBeDefined();

      const dialog = page.getByRole('dialog', { name: 'Marketplace' });
      await dialog.waitFor();
      expect(await dialog.getAttribute('aria-modal')).toBe('true');
      expect(await page.evaluate(() => (globalThis as unknown as HostGlobals).activeLabel())).toBe('Close');
      const [init] = await received(await stubFrame(page, frameId), 'init');
      expect(init?.payload.inPopover).toBe(true);
      const box = await dialog.boundingBox();
      if (size === 'phone') expect(box).toEqual({ x: 0, y: 0, ...viewport });
      else expect(box!.width).toBeLessThan(viewport.width);
      await screenshot(page, `embed-sdk-popover-${size}`);

      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      expect(await page.locator('iframe').count()).toBe(0);
      await page.waitForFunction(() =>
        (globalThis as unknown as HostGlobals).raw.some((entry) => entry.event === 'POPOVER_CLOSED'),
      );
      const host = await page.evaluate(() => {
        const w = globalThis as unknown as HostGlobals;
        return { seen: w.seen, raw: w.raw, focus: w.activeLabel() };
      });
      expect(host.seen).toEqual([{ event: 'POPOVER_CLOSED', data: {}, frameId, fromIframe: true }]);
      expect(host.raw).toContainEqual({
        event: 'POPOVER_CLOSED',
        origin: HOST,
        enveloped: false,
        fromOurIframe: false,
      });
      expect(host.focus).toBe('opener');

      // The close button does the same; the frame's own `close` message too.
      const again = await page.evaluate(() => {
        const w = globalThis as unknown as HostGlobals;
        return w.track('again', w.weft.showMarketplace({ usePopover: true }));
      });
      expect((await outcome(page, 'again')).ok).toBeDefined();
      await page.getByRole('button', { name: 'Close' }).click();
      await dialog.waitFor({ state: 'hidden' });
      const third = await page.evaluate(() => {
        const w = globalThis as unknown as HostGlobals;
        return w.track('third', w.weft.showMarketplace({}));
      });
      expect((await outcome(page, 'third')).ok).toBeDefined();
      await stubSend(await stubFrame(page, third), 'close', { payload: {} });
      await dialog.waitFor({ state: 'hidden' });
      const closes = await page.evaluate(() =>
        (globalThis as unknown as HostGlobals).seen.filter((entry) => entry.event === 'POPOVER_CLOSED'),
      );
      expect(closes.map((entry) => entry.frameId)).toEqual([frameId, again, third]);
      expect(errors).toEqual([]);
    });
  }

  it('sizes the iframe to the page with autoHeight, and sends config variables to the wizard', async () => {
    const { page, errors } = await openHost();
    const frameId = await start(page, { init: { autoHeight: true } });
    expect((await outcome(page)).ok).toBeDefined();
    const stub = await stubFrame(page, frameId);
    expect((await received(stub, 'init'))[0]?.payload.autoHeight).toBe(true);
    await stubSend(stub, 'resize', { payload: { height: 432.2 } });
    await page.waitForFunction(`document.querySelector('#slot iframe').style.height === '433px'`);
    await stubSend(stub, 'resize', { payload: { height: 1e9 } });
    await stubSend(stub, 'event', created);
    await page.waitForFunction(() => (globalThis as unknown as HostGlobals).seen.length === 1);
    expect(await page.evaluate(`document.querySelector('#slot iframe').style.height`)).toBe('433px');

    // Values given before the wizard is ready travel with `init`; later ones in `set_config_vars`.
    const wizardId = await page.evaluate(() => {
      const w = globalThis as unknown as HostGlobals;
      const id = w.track(
        'wizard',
        w.weft.configureInstance({ integrationName: 'Slack', selector: '#slot2' }),
      );
      w.weft.setConfigVars({ configVars: { channel: { value: '#general' } } });
      return id;
    });
    expect((await outcome(page, 'wizard')).ok).toBeDefined();
    const src = new URL((await page.locator('#slot2 iframe').getAttribute('src')) ?? '');
    expect(src.pathname).toBe('/embedded/configure');
    expect(src.searchParams.get('integration')).toBe('Slack');
    const wizard = await stubFrame(page, wizardId);
    expect((await received(wizard, 'init'))[0]?.payload.configVars).toEqual({
      channel: { value: '#general' },
    });
    await page.evaluate(() =>
      (globalThis as unknown as HostGlobals).weft.setConfigVars({
        selector: '#slot2',
        configVars: { retries: { value: 3 } },
      }),
    );
    expect((await received(wizard, 'set_config_vars'))[0]?.payload).toEqual({
      configVars: { retries: { value: 3 } },
    });
    expect(errors).toEqual([]);
  });

  it('dispose removes everything it added, and nothing reaches an old listener', async () => {
    const { page, errors } = await openHost();
    await start(page, { init: { url: `${WEFT}/silent` } });
    await page.evaluate(() => {
      const w = globalThis as unknown as HostGlobals;
      w.track('popover', w.weft.showDashboard({ usePopover: true }));
    });
    expect(await page.locator('iframe').count()).toBe(2);
    await page.evaluate(() => (globalThis as unknown as HostGlobals).weft.dispose());

    expect(await page.locator('iframe').count()).toBe(0);
    expect(await page.locator('style').count()).toBe(0);
    expect(await page.locator('.weft-embed__overlay').count()).toBe(0);
    expect((await outcome(page, 'main')).error?.code).toBe('EMBED_FRAME_CLOSED');
    expect((await outcome(page, 'popover')).error?.code).toBe('EMBED_FRAME_CLOSED');
    const afterDispose = await page.evaluate(() => {
      const w = globalThis as unknown as HostGlobals;
      return [
        w.caught(() => w.weft.showMarketplace({ selector: '#slot' })),
        w.caught(() => w.weft.on('INSTANCE_CREATED', () => {})),
        w.caught(() => w.weft.setConfigVars({ configVars: {} })),
      ].map((error) => error?.code);
    });
    expect(afterDispose).toEqual(['EMBED_NOT_INITIALIZED', 'EMBED_NOT_INITIALIZED', 'EMBED_NOT_INITIALIZED']);

    // init again: the listeners registered before dispose hear nothing; the new one does.
    const frameId = await page.evaluate((url) => {
      const w = globalThis as unknown as HostGlobals;
      w.weft.init({ url });
      void w.weft.authenticate({ token: 'a.b.c' });
      w.weft.on('INSTANCE_CREATED', (data) =>
        w.seen.push({ event: 'new listener', data, frameId: '', fromIframe: true }),
      );
      return w.track('fresh', w.weft.showMarketplace({ selector: '#slot' }));
    }, WEFT);
    expect((await outcome(page, 'fresh')).ok).toBeDefined();
    await stubSend(await stubFrame(page, frameId), 'event', created);
    await page.waitForFunction(() => (globalThis as unknown as HostGlobals).seen.length > 0);
    expect(
      await page.evaluate(() => (globalThis as unknown as HostGlobals).seen.map((entry) => entry.event)),
    ).toEqual(['new listener']);

    // The host removing the iframe itself (a React unmount) releases it too.
    const pending = await page.evaluate((url) => {
      const w = globalThis as unknown as HostGlobals;
      w.weft.init({ url: `${url}/silent` });
      void w.weft.authenticate({ token: 'a.b.c' });
      return w.track('unmounted', w.weft.showLogs({ selector: '#slot' }));
    }, WEFT);
    expect(pending).toMatch(/^[0-9a-f]{24}$/);
    await page.evaluate(`document.querySelector('#slot').replaceChildren()`);
    expect((await outcome(page, 'unmounted')).error?.code).toBe('EMBED_FRAME_CLOSED');
    expect(errors).toEqual([]);
  });

  it('validates its input with stable error codes', async () => {
    const { page } = await openHost();
    const codes = await page.evaluate(() => {
      const w = globalThis as unknown as HostGlobals;
      const { weft } = w;
      const call = (run: () => unknown) => w.caught(run)?.code ?? 'no error';
      const before = [call(() => weft.authenticate({ token: 'a.b.c' })), call(() => weft.showLogs())];
      const init = [
        call(() => weft.init({})),
        call(() => weft.init({ url: 'not a url' })),
        call(() => weft.init({ url: 'ftp://weft.example.com' })),
        call(() => weft.init({ url: 'https://user:secret@weft.example.com' })),
        call(() => weft.init({ url: 'https://weft.example.com?token=x' })),
        call(() =>
          weft.init({ url: 'https://weft.example.com', allowedOrigins: ['https://a.example.com/path'] }),
        ),
        call(() => weft.init({ url: 'https://weft.example.com', handshakeTimeoutMs: -1 })),
        call(() => weft.init({ url: 'https://weft.example.com', theme: 'PINK' as 'DARK' })),
        call(() => weft.init({ prismaticUrl: 'https://weft.example.com/' })),
      ];
      const after = [
        call(() => weft.showMarketplace({ selector: '#slot' })),
        call(() => weft.authenticate({ token: 'not-a-jwt' })),
        call(() => weft.authenticate({ token: 'a.b.c' })),
        call(() => weft.showMarketplace({ selector: '#nowhere' })),
        call(() => weft.showMarketplace({ selector: '##' })),
        call(() => weft.configureInstance({ integrationName: 'A', instanceId: 'b' })),
        call(() => weft.configureInstance({})),
        call(() => weft.setConfigVars({ configVars: { a: { value: 1 } } })),
      ];
      weft.dispose();
      return { before, init, after };
    });
    expect(codes).toEqual({
      before: ['EMBED_NOT_INITIALIZED', 'EMBED_NOT_INITIALIZED'],
      init: [
        'EMBED_INVALID_URL',
        'EMBED_INVALID_URL',
        'EMBED_INVALID_URL',
        'EMBED_INVALID_URL',
        'EMBED_INVALID_URL',
        'EMBED_INVALID_OPTIONS',
        'EMBED_INVALID_OPTIONS',
        'EMBED_INVALID_OPTIONS',
        'no error',
      ],
      after: [
        'EMBED_NOT_AUTHENTICATED',
        'EMBED_INVALID_TOKEN',
        'no error',
        'EMBED_SELECTOR_NOT_FOUND',
        'EMBED_SELECTOR_NOT_FOUND',
        'EMBED_INVALID_OPTIONS',
        'EMBED_INVALID_OPTIONS',
        'EMBED_FRAME_NOT_FOUND',
      ],
    });
  });

  it('the script tag exposes window.weft; the ES module build works too, and warns on a Weft of another major', async () => {
    const iife = await openHost();
    const api = await iife.page.evaluate(() => {
      const { weft } = globalThis as unknown as HostGlobals;
      return {
        functions: Object.keys(weft)
          .filter((key) => typeof weft[key as keyof typeof weft] === 'function')
          .sort(),
        defaultInit: weft.default.init === weft.init,
        version: weft.SDK_VERSION,
        alias: weft.PrismaticMessageEvent === weft.WeftMessageEvent,
      };
    });
    expect(api.functions).toEqual(
      expect.arrayContaining([
        'authenticate',
        'configureInstance',
        'dispose',
        'getMessageIframe',
        'init',
        'off',
        'on',
        'setConfigVars',
        'showConnections',
        'showDashboard',
        'showLogs',
        'showMarketplace',
        'WeftEmbedError',
      ]),
    );
    expect(api).toMatchObject({ defaultInit: true, version: sdkVersion, alias: true });

    const { page, errors, warnings } = await openHost('esm.html');
    await start(page, { init: { url: `${WEFT}/v9`, theme: 'DARK' } });
    expect((await outcome(page)).ok?.appVersion).toBe('9.0.0');
    expect(
      new URL((await page.locator('#slot iframe').getAttribute('src')) ?? '').searchParams.get('theme'),
    ).toBe('dark');
    await expect.poll(() => warnings).toEqual([expect.stringContaining('differ in major version')]);
    expect(errors).toEqual([]);
  });
});
