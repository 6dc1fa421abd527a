// The console's weight and speed (issue 18). Prints, and says MET / NOT MET:
// - the JavaScript the console loads first (console.html's entry and its preloads, then the chunks the browser
//   fetched to show the executions screen after sign-in), gzipped (budget: 150 KB);
// - with 10,000 executions in the database, the time from a click on "Executions" in the navigation to the first
//   page of the list painted, on loopback, in Debian's Chromium: first visit of the screen (its chunk not yet loaded)
//   and a later visit, median of 5 each (target: under 300 ms).
// Starts its own Weft (embedded PostgreSQL on a scratch data dir); the executions are written straight into the
// database (the list reads them like any other; running 10,000 real flows would time the worker, not the console).
// Usage: node bench/console.js      (after npm run build; needs /usr/bin/chromium)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { startWeft } from './support/weft-process.js';

const executionCount = 10_000;
const listBudgetMs = 300;
const jsBudget = 150 * 1024;
const rounds = 5;
const ownerToken = 'weft_bench_console_owner_0123456789abcdef';
const email = 'bench@weft.example';
const password = 'bench-console-password';
const webDist = new URL('../packages/web/dist/', import.meta.url).pathname;
const verdict = (ok) => (ok ? 'MET' : 'NOT MET');
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

if (!fs.existsSync(path.join(webDist, 'console.html'))) {
  console.error('The console is not built: run npm run build first.');
  process.exit(1);
}

const definition = `definitionVersion: 7
name: Bench Orders Sync
description: The console benchmark's integration.
flows:
  - name: Receive Order
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;

async function api(url, method, route, body) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** 10,000 finished executions over 30 days, one in eight failed, spread over 5 customers' instances. */
async function seedExecutions(databaseUrl, instances) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const ids = instances.map((instance) => instance.id);
    await client.query(
      `insert into executions (org_id, instance_id, customer_id, integration_id, integration_version_id, flow_name,
         flow_stable_key, status, trigger, attempt, queued_at, started_at, finished_at, duration_ms, trigger_kind)
       select i.org_id, i.id, i.customer_id, i.integration_id, i.integration_version_id, 'Receive Order',
         'Receive Order', case when n % 8 = 0 then 'failed' else 'succeeded' end,
         '{"headers":{},"queryParameters":{},"body":{"data":{}}}'::jsonb, 1,
         now() - (n * interval '259 seconds'), now() - (n * interval '259 seconds'),
         now() - (n * interval '259 seconds') + interval '120 milliseconds', 120, 'webhook'
       from generate_series(1, $1::int) as n
       join instances i on i.id = ($2::uuid[])[1 + n % array_length($2::uuid[], 1)]`,
      [executionCount, ids],
    );
    const { rows } = await client.query('select count(*)::int as count from executions');
    return rows[0].count;
  } finally {
    await client.end();
  }
}

async function setUp(url, dataDir) {
  await api(url, 'POST', '/api/users', { email, name: 'Bench Owner', role: 'owner', password });
  const integration = await api(url, 'POST', '/api/integrations/import', { definition });
  const integrationId = integration.integration?.id ?? integration.id;
  await api(url, 'POST', `/api/integrations/${integrationId}/publish`, { comment: 'bench' });
  const instances = [];
  for (let index = 0; index < 5; index++) {
    const customer = await api(url, 'POST', '/api/customers', {
      name: `Bench Customer ${index}`,
      externalId: `bench-${index}`,
    });
    const instance = await api(url, 'POST', '/api/instances', {
      customerId: customer.id,
      integrationId,
      name: `Bench Orders Sync for ${index}`,
    });
    instances.push(instance);
  }
  const secrets = JSON.parse(fs.readFileSync(path.join(dataDir, 'embedded-postgres.json'), 'utf8'));
  return { instances, secrets };
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-console-'));
fs.chmodSync(dataDir, 0o755);
const weft = await startWeft(dataDir, { WEFT_ADMIN_TOKEN: ownerToken });
let browser;
try {
  const { instances, secrets } = await setUp(weft.url, dataDir);
  const port = weft.banner.match(/embedded PostgreSQL on 127\.0\.0\.1:(\d+)/)?.[1];
  const databaseUrl = `postgres://${secrets.user}:${encodeURIComponent(secrets.password)}@127.0.0.1:${port}/weft`;
  const seeded = await seedExecutions(databaseUrl, instances);

  browser = await chromium.launch({
    executablePath: process.env.WEFT_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  // Every script the browser asked for until the executions list first showed (sized from the build's files).
  const scripts = new Set();
  const recordScript = (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/assets/') && url.pathname.endsWith('.js')) scripts.add(url.pathname);
  };
  page.on('request', recordScript);

  await page.goto(`${weft.url}/sign-in`);
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
  await page.waitForURL((where) => !where.pathname.startsWith('/sign-in'));

  /** Click → the list's first row on screen, timed inside the page (no test-runner round trips counted). */
  async function timeListAfterClick() {
    await page.goto(`${weft.url}/customers`);
    await page.getByTestId('nav-executions').waitFor();
    // A person clicks once the screen they are on has loaded, not in the same millisecond.
    await page.waitForLoadState('networkidle');
    const elapsed = await page.evaluate(
      () =>
        new Promise((resolve, reject) => {
          const start = performance.now();
          const timer = setTimeout(() => reject(new Error('no execution row within 10 s')), 10_000);
          const check = () => {
            const row = document.querySelector(
              '[data-testid="executions-table"] [role="rowgroup"] + [role="rowgroup"] [role="row"], [data-testid="executions-table"] .virtual-table-body [role="row"]',
            );
            if (row) {
              clearTimeout(timer);
              requestAnimationFrame(() => resolve(performance.now() - start));
            } else requestAnimationFrame(check);
          };
          document.querySelector('[data-testid="nav-executions"]').click();
          requestAnimationFrame(check);
        }),
    );
    return elapsed;
  }

  const cold = [];
  const warm = [];
  for (let round = 0; round < rounds; round++) {
    // A fresh page load each round: the executions chunk is fetched on the first click (cold), cached after.
    cold.push(await timeListAfterClick());
    if (round === 0) page.off('request', recordScript);
    warm.push(await timeListAfterClick());
  }
  const firstLoadScripts = [...scripts].map(
    (file) => gzipSync(fs.readFileSync(path.join(webDist, file)), { level: 9 }).length,
  );
  const firstLoadGzip = firstLoadScripts.reduce((sum, bytes) => sum + bytes, 0);

  const entryHtml = fs.readFileSync(path.join(webDist, 'console.html'), 'utf8');
  const entryFiles = [...entryHtml.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map(
    (match) => match[1],
  );
  const entryGzip = entryFiles
    .map((file) => gzipSync(fs.readFileSync(path.join(webDist, file)), { level: 9 }).length)
    .reduce((sum, bytes) => sum + bytes, 0);

  console.log(`Console benchmark (${seeded} executions in the database, Chromium on loopback)`);
  console.log(`  console.html entry + preloads (gzip)             ${kb(entryGzip)}`);
  console.log(
    `  JavaScript to sign in and show executions (gzip) ${kb(firstLoadGzip)} in ${firstLoadScripts.length} files   budget ${kb(jsBudget)}  ${verdict(firstLoadGzip <= jsBudget)}`,
  );
  console.log(
    `  click → first executions page, first visit       median ${median(cold).toFixed(0)} ms (${cold.map((v) => v.toFixed(0)).join(', ')})   target < ${listBudgetMs} ms  ${verdict(median(cold) < listBudgetMs)}`,
  );
  console.log(
    `  click → first executions page, later visits      median ${median(warm).toFixed(0)} ms (${warm.map((v) => v.toFixed(0)).join(', ')})   target < ${listBudgetMs} ms  ${verdict(median(warm) < listBudgetMs)}`,
  );
} finally {
  await browser?.close();
  await weft.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
