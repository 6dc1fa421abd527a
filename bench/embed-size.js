// The embedded marketplace's weight and speed (issue 17). Prints, and says MET / NOT MET:
// - the @weft/embed SDK, raw and gzipped (budget: 10 KB gzipped for the script-tag build);
// - the JavaScript and CSS the marketplace loads first (the entry chunk, its preloads and styles), gzipped;
// - the time from the host page's navigation to the first integration card painted inside the frame, on loopback,
//   in Debian's Chromium: cold (empty cache) and warm (reload), median of 5 (target: under 1 s).
// Starts its own Weft (embedded PostgreSQL on a scratch data dir) and a host page on another origin.
// Usage: node bench/embed-size.js      (after npm run build; needs /usr/bin/chromium)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { importPKCS8, SignJWT } from 'jose';
import { chromium } from 'playwright-core';
import { sdkSizes } from './embed-size-sdk.js';
import { startWeft } from './support/weft-process.js';

const sdkBudget = 10 * 1024;
const paintBudgetMs = 1000;
const rounds = 5;
const webDist = new URL('../packages/web/dist/', import.meta.url).pathname;
const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** What embedded.html makes the browser fetch before the marketplace can render: entry, preloads, styles. */
function firstLoad() {
  const html = fs.readFileSync(path.join(webDist, 'embedded.html'), 'utf8');
  const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((match) => match[1]);
  return files.map((file) => {
    const content = fs.readFileSync(path.join(webDist, file));
    return { file, bytes: content.length, gzipBytes: gzipSync(content, { level: 9 }).length };
  });
}

function definition(index) {
  return `definitionVersion: 7
name: Bench Integration ${String(index).padStart(2, '0')}
description: Integration number ${index} of the marketplace benchmark, with a description long enough to wrap.
category: ${['CRM', 'ERP', 'Support'][index % 3]}
labels: [bench]
flows:
  - name: Receive
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;
}

async function api(weft, token, method, route, body) {
  const response = await fetch(`${weft}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const answer = await response.json().catch(() => undefined);
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** A host page on its own origin that shows the marketplace with the SDK Weft serves. */
function startHost(weftUrl, tokenFor) {
  const server = http.createServer(async (request, response) => {
    if (request.url === '/token') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ token: await tokenFor() }));
      return;
    }
    response.setHeader('content-type', 'text/html');
    response.end(`<!doctype html><html><body style="margin:0"><div id="weft" style="height:800px"></div>
<script src="${weftUrl}/sdk/weft-embed.min.js"></script>
<script>
(async () => {
  const { token } = await (await fetch('/token')).json();
  weft.init({ url: ${JSON.stringify(weftUrl)} });
  await weft.authenticate({ token });
  weft.showMarketplace({ selector: '#weft' });
})();
</script></body></html>`);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const sdk = await sdkSizes();
const first = firstLoad();
const firstGzip = first.reduce((sum, file) => sum + file.gzipBytes, 0);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-embed-'));
fs.chmodSync(dataDir, 0o755); // embedded PostgreSQL runs as another user when Weft runs as root
const ownerToken = randomBytes(24).toString('hex');
const weft = await startWeft(dataDir, { WEFT_ADMIN_TOKEN: ownerToken });
let host;
let browser;
try {
  const organization = await api(weft.url, ownerToken, 'GET', '/api/organization');
  const key = await api(weft.url, ownerToken, 'POST', '/api/signing-keys', { bits: 2048 });
  const privateKey = await importPKCS8(key.privateKey, 'RS256');
  const tokenFor = () => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      organization: organization.id,
      customer: 'bench',
      customer_name: 'Bench Corp',
      role: 'admin',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.key.id })
      .setSubject('bench-user')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
  };
  for (let index = 1; index <= 12; index++) {
    const imported = await api(weft.url, ownerToken, 'POST', '/api/integrations/import', {
      definition: definition(index),
    });
    await api(weft.url, ownerToken, 'POST', `/api/integrations/${imported.id}/publish`, { comment: 'bench' });
    await api(weft.url, ownerToken, 'PUT', `/api/integrations/${imported.id}/marketplace`, { listed: true });
  }
  host = await startHost(weft.url, tokenFor);
  const hostUrl = `http://127.0.0.1:${host.address().port}`;
  await api(weft.url, ownerToken, 'PUT', '/api/organization/embedding', { allowedOrigins: [hostUrl] });

  browser = await chromium.launch({
    executablePath: process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  /** From the host page's navigation to the first card in the frame, in the frames' shared clock. */
  async function paint(page, load) {
    await load();
    const frame = page.frameLocator('#weft iframe');
    await frame.locator('[data-testid="integration-card"]').first().waitFor();
    const frameHandle = await page.locator('#weft iframe').elementHandle();
    const inner = await frameHandle.contentFrame();
    const [cardAt, frameStart] = await inner.evaluate(() => [
      performance.timeOrigin + performance.now(),
      performance.timeOrigin,
    ]);
    const hostStart = await page.evaluate(() => performance.timeOrigin);
    if (process.env.BENCH_TRACE) {
      const frameTimeline = await inner.evaluate(() => ({
        origin: performance.timeOrigin,
        dcl: performance.getEntriesByType('navigation')[0]?.domContentLoadedEventEnd,
        resources: performance
          .getEntriesByType('resource')
          .map((r) => [r.name.replace(location.origin, ''), Math.round(r.startTime), Math.round(r.duration)]),
      }));
      const hostTimeline = await page.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((r) => [r.name, Math.round(r.startTime), Math.round(r.duration)]),
      );
      console.log(
        JSON.stringify({
          frameStart: Math.round(frameTimeline.origin - hostStart),
          dcl: frameTimeline.dcl,
          frame: frameTimeline.resources,
          host: hostTimeline,
        }),
      );
    }
    return { fromHost: cardAt - hostStart, fromFrame: cardAt - frameStart };
  }
  const cold = [];
  const warm = [];
  // One round first to warm Weft itself (its first requests compile route schemas, open files, fill caches).
  for (let round = 0; round <= rounds; round++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const coldPaint = await paint(page, () => page.goto(hostUrl));
    const warmPaint = await paint(page, () => page.reload());
    if (round > 0) {
      cold.push(coldPaint);
      warm.push(warmPaint);
    }
    await context.close();
  }
  const line = (label, paints) => {
    const host = paints.map((p) => p.fromHost);
    const frame = paints.map((p) => p.fromFrame);
    console.log(
      `  ${label}: median ${median(frame).toFixed(0)} ms from the frame's navigation [${frame.map((ms) => ms.toFixed(0)).join(', ')}], ` +
        `${median(host).toFixed(0)} ms from the host page's [${host.map((ms) => ms.toFixed(0)).join(', ')}]`,
    );
  };

  const iife = sdk.find((file) => file.file.endsWith('weft-embed.min.js'));
  console.log('\n@weft/embed SDK');
  console.table(sdk.map((file) => ({ file: file.file, raw: kb(file.bytes), gzipped: kb(file.gzipBytes) })));
  console.log(
    `script-tag build ${kb(iife.gzipBytes)} gzipped; budget ${kb(sdkBudget)}: ${verdict(iife.gzipBytes <= sdkBudget)}`,
  );
  console.log('\nMarketplace first load (embedded.html and what it loads before rendering)');
  console.table(first.map((file) => ({ file: file.file, raw: kb(file.bytes), gzipped: kb(file.gzipBytes) })));
  console.log(`total ${kb(firstGzip)} gzipped`);
  console.log(
    `\nFirst integration card painted in the frame (${rounds} rounds after one warm-up, 12 integrations):`,
  );
  line('cold (empty browser cache)', cold);
  line('warm (reload)', warm);
  const coldFrame = median(cold.map((p) => p.fromFrame));
  const coldHost = median(cold.map((p) => p.fromHost));
  console.log(
    `  marketplace painted under ${paintBudgetMs} ms from the frame's navigation, cold: ${verdict(coldFrame < paintBudgetMs)}`,
  );
  console.log(
    `  and from the host page's navigation (its own page, the SDK and its token included), cold: ${verdict(coldHost < paintBudgetMs)}`,
  );
} finally {
  await browser?.close();
  host?.close();
  await weft.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
