// The corpus of exported definitions (packages/definition/test/fixtures/prismatic-exports) imported, validated
// against the real built-in catalog, and run: loops, branches (with the empty second operands exports write),
// http steps against local servers, with and without connections, persisted data and code steps.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { builtinCatalog } from '@weft/components';
import {
  createComponentCatalog,
  exportIntegrationYaml,
  formatProblem,
  type Integration,
  parseIntegrationYaml,
} from '@weft/definition';
import { Egress, egressPolicy } from '@weft/egress';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExecutionResult, runFlow, type StepRecord } from '../src/index.js';
import { ports as flowPorts } from './support/flows.js';

/**
 * The http steps of these flows call local servers on 127.0.0.1, which the egress guard refuses by default: the
 * runs get an HTTP port whose policy opens 127.0.0.1 and nothing else (a server's WEFT_EGRESS_ALLOW=127.0.0.1).
 */
const loopbackHttp = new Egress(egressPolicy('127.0.0.1'));
const ports = () => flowPorts({ http: loopbackHttp });

const corpusDir = fileURLToPath(
  new URL('../../definition/test/fixtures/prismatic-exports/', import.meta.url),
);
const corpus = readdirSync(corpusDir).filter((name) => name.endsWith('.yml'));
const catalog = createComponentCatalog(builtinCatalog);

function load(name: string): Integration {
  const result = parseIntegrationYaml(readFileSync(`${corpusDir}${name}`, 'utf8'), {
    fileName: name,
    catalog,
  });
  if (!result.ok) throw new Error(result.problems.map((problem) => formatProblem(problem)).join('\n'));
  return result.integration;
}

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP server answering from `routes` (by "METHOD /path"), recording every request. */
async function localApi(routes: Record<string, (request: Received) => unknown>) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://localhost');
      const entry: Received = {
        method: request.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(entry);
      const route = routes[`${entry.method} ${url.pathname}`];
      if (!route) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"no route"}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route(entry)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise((r) => server.close(r)) };
}

function records(result: ExecutionResult, key: string): StepRecord[] {
  return result.stepRecords.filter((record) => record.key === key);
}

function expectSucceeded(result: ExecutionResult): void {
  expect(result.error, JSON.stringify(result.error)).toBeUndefined();
  expect(result.status).toBe('succeeded');
}

describe('the corpus against the built-in catalog', () => {
  it.each(corpus)('%s validates with no error, and exports and re-imports to the same model', (name) => {
    const text = readFileSync(`${corpusDir}${name}`, 'utf8');
    const result = parseIntegrationYaml(text, { fileName: name, catalog });
    const problems = result.ok ? result.warnings : result.problems;
    // The only warnings are the fields no Weft version knows, written into the newer export on purpose.
    expect(
      problems.filter((problem) => problem.code !== 'FIELD_UNKNOWN').map((problem) => formatProblem(problem)),
    ).toEqual([]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const again = parseIntegrationYaml(exportIntegrationYaml(result.integration), { catalog });
    expect(again.ok && again.integration).toEqual(result.integration);
  });
});

describe('Acme Order Sync: schedule, loop over items, branches on and/or with unary operators, http', () => {
  let api: Awaited<ReturnType<typeof localApi>>;
  beforeAll(async () => {
    api = await localApi({
      'GET /orders': () => ({
        orders: [
          { id: 'A-1', total: 250, lines: [{ sku: 'X' }, { sku: 'Y' }] },
          { id: 'A-2', total: 40, lines: [] },
          { id: 'A-3', total: 60, lines: [{ sku: 'Z' }] },
        ],
      }),
      'POST /warehouse/orders': (request) => ({ accepted: (JSON.parse(request.body) as { id: string }).id }),
    });
  });
  afterAll(() => api.close());

  it('posts every order, logs the large and the empty ones, and remembers when it ran', async () => {
    const integration = load('acme-order-sync.yml');
    const test = ports();
    const result = await runFlow({
      integration,
      flowName: 'Sync New Orders',
      configVars: {
        'Acme Base URL': api.url,
        'Acme API Key': {
          key: 'apiKey',
          fields: { apiKey: 'acme-key-1', headerName: 'X-Api-Key', location: 'header', prefix: '' },
        },
        'Warehouse Notes': 'fragile',
      },
      ports: test.ports,
    });
    expectSucceeded(result);

    // The list request: the connection's key, the Accept header, the since parameter from the flow's state.
    const [list, ...posts] = api.received;
    expect(list?.path).toBe('/orders?since=1970-01-01T00%3A00%3A00Z');
    expect(list?.headers['x-api-key']).toBe('acme-key-1');
    expect(list?.headers.accept).toBe('application/json');

    // One post per order, with no connection (the empty config variable) and without the header whose value
    // is an empty config variable.
    expect(posts.map((post) => [post.method, post.path, JSON.parse(post.body).id])).toEqual([
      ['POST', '/warehouse/orders', 'A-1'],
      ['POST', '/warehouse/orders', 'A-2'],
      ['POST', '/warehouse/orders', 'A-3'],
    ]);
    for (const post of posts) {
      expect(post.headers['x-api-key']).toBeUndefined();
      expect(post.headers['x-warehouse-notes']).toBe('fragile');
      expect(post.headers['x-trace']).toBeUndefined();
      expect(post.headers['content-type']).toContain('application/json');
    }

    expect(records(result, 'loopOverOrders')[0]?.iterations).toBe(3);
    // isNotEmpty / isEmpty carry the exporter's empty second operand: the branches still follow the lines.
    expect(records(result, 'isOrderLarge').map((record) => record.branch)).toEqual([
      'Large Order',
      'Empty Order',
      'Else',
    ]);
    expect(
      result.logs
        .filter((entry) => entry.stepKey?.startsWith('log'))
        .map((entry) => [entry.level, entry.message]),
    ).toEqual([
      ['warn', 'Order A-1 totals 250'],
      ['info', 'Order A-2 has no lines'],
    ]);
    expect(result.steps.postOrderToWarehouse).toEqual({ accepted: 'A-3' });
    expect(result.steps.summarizeSync).toEqual({ orders: 3, posted: 3, since: '1970-01-01T00:00:00Z' });
    expect(typeof test.state.stores.flow.lastSync).toBe('string');
  });

  it('answers an order webhook synchronously with the stop-execution response', async () => {
    const result = await runFlow({
      integration: load('acme-order-sync.yml'),
      flowName: 'Receive Order Webhook',
      trigger: { body: { data: { id: 'A-9' }, contentType: 'application/json' } },
      ports: ports().ports,
    });
    expectSucceeded(result);
    expect(result.response).toMatchObject({ statusCode: 202, body: '{"received": "A-9"}' });
  });
});

describe('Paged Issue Sync: loop N times with break, nested loop, math on persisted values', () => {
  const issues = Array.from({ length: 5 }, (_, index) => ({
    key: `TRK-${index + 1}`,
    fields: { summary: `Issue ${index + 1}` },
  }));
  let api: Awaited<ReturnType<typeof localApi>>;
  beforeAll(async () => {
    api = await localApi({
      'GET /rest/api/3/search': (request) => {
        const query = new URL(request.path, 'http://x').searchParams;
        const startAt = Number(query.get('startAt'));
        const size = Number(query.get('maxResults'));
        return { total: issues.length, issues: issues.slice(startAt, startAt + size) };
      },
      'POST /acme/tickets': (request) => ({
        stored: (JSON.parse(request.body) as { externalId: string }).externalId,
      }),
    });
  });
  afterAll(() => api.close());

  it('pages through every issue and stops when the last page is in', async () => {
    const result = await runFlow({
      integration: load('paged-issue-sync.yml'),
      flowName: 'Initial Issue Sync',
      configVars: {
        'Tracker Base URL': api.url,
        'Tracker Connection': { key: 'oauth2', fields: {}, token: { access_token: 'tracker-token' } },
        'Page Size': 2,
        'Acme Endpoint': `${api.url}/acme/tickets`,
      },
      ports: ports().ports,
    });
    expectSucceeded(result);
    const searches = api.received.filter((request) => request.path.startsWith('/rest/api/3/search'));
    expect(searches.map((request) => request.path)).toEqual([
      '/rest/api/3/search?startAt=0&maxResults=2',
      '/rest/api/3/search?startAt=2&maxResults=2',
      '/rest/api/3/search?startAt=4&maxResults=2',
    ]);
    expect(searches.every((request) => request.headers.authorization === 'Bearer tracker-token')).toBe(true);
    const posts = api.received.filter((request) => request.method === 'POST');
    expect(posts.map((request) => JSON.parse(request.body))).toEqual(
      issues.map((issue) => ({ externalId: issue.key, title: issue.fields.summary })),
    );
    // The POSTs use the empty connection: no credentials leak to Acme.
    expect(posts.every((request) => request.headers.authorization === undefined)).toBe(true);
    expect(records(result, 'branchOnAfter').map((record) => record.branch)).toEqual(['Else', 'Else', 'Done']);
    expect(records(result, 'stopExecution')).toHaveLength(1);
    expect(records(result, 'addOfJiraIssuesStartatValue').map((record) => record.result)).toEqual([2, 4, 5]);
    expect(result.steps.executionGetAfter).toBe(5);
    expect(result.logs.find((entry) => entry.stepKey === 'logSyncComplete')?.message).toBe('Synced 5 issues');
  });
});

describe('GitHub Issue Router: branch on value, nested branches, in/exists, header paths with dashes', () => {
  const integration = () => load('github-issue-router.yml');
  const event = (action: string, extra: Record<string, unknown> = {}) => ({
    headers: { 'X-GitHub-Event': 'issues' },
    body: {
      data: {
        action,
        issue: { number: 7, title: 'Broken', labels: [{ name: 'external_id:ZD-42' }], ...extra },
        comment: { body: 'Looks fine', user: { login: 'octocat' } },
      },
    },
  });

  it('routes an opened issue to its branch and answers with the ticket id', async () => {
    const result = await runFlow({
      integration: integration(),
      flowName: 'Handle GitHub Updates',
      trigger: event('opened'),
      ports: ports().ports,
    });
    expectSucceeded(result);
    expect(records(result, 'shortCircuitGithubGeneratedEvents')[0]?.branch).toBe('Else');
    expect(result.steps.splitOutExternalId).toEqual(['external_id', 'ZD-42']);
    expect(records(result, 'branchOnIssueAction')[0]?.branch).toBe('Opened');
    expect(result.logs.find((entry) => entry.stepKey === 'logOpenedIssue')?.message).toBe(
      'Issue #7 opened for ticket ZD-42',
    );
    expect(result.response).toMatchObject({
      statusCode: 200,
      body: '{"handled": "opened", "ticket": "ZD-42"}',
    });
  });

  it('takes the nested branch for a closed issue, by whether it has an assignee', async () => {
    const assigned = await runFlow({
      integration: integration(),
      flowName: 'Handle GitHub Updates',
      trigger: event('closed', { assignee: { login: 'hubot' } }),
      ports: ports().ports,
    });
    expectSucceeded(assigned);
    expect(records(assigned, 'ticketOpenedOrClosed')[0]?.branch).toBe('Assigned');
    expect(assigned.logs.find((entry) => entry.stepKey === 'logClosedByAssignee')?.message).toBe(
      'Closed by assignee hubot',
    );
    const unassigned = await runFlow({
      integration: integration(),
      flowName: 'Handle GitHub Updates',
      trigger: event('closed'),
      ports: ports().ports,
    });
    expect(records(unassigned, 'ticketOpenedOrClosed')[0]?.branch).toBe('Else');
  });

  it('stops at once for comments the sync itself wrote', async () => {
    const trigger = event('created');
    (trigger.body.data.comment as { body: string }).body = '[From Zendesk] synced';
    const result = await runFlow({
      integration: integration(),
      flowName: 'Handle GitHub Updates',
      trigger,
      ports: ports().ports,
    });
    expectSucceeded(result);
    expect(records(result, 'shortCircuitGithubGeneratedEvents')[0]?.branch).toBe('From Zendesk');
    expect(result.stepRecords.map((record) => record.key)).toEqual([
      'handleGithubUpdatesTrigger',
      'shortCircuitGithubGeneratedEvents',
      'stopExecution',
    ]);
    expect(result.response?.statusCode).toBe(200);
  });

  it('logs a comment with the event header, read by a path with dashes', async () => {
    const result = await runFlow({
      integration: integration(),
      flowName: 'Handle GitHub Updates',
      trigger: event('created'),
      ports: ports().ports,
    });
    expectSucceeded(result);
    expect(result.logs.find((entry) => entry.stepKey === 'logComment')?.message).toBe('issues by octocat');
  });

  describe('on deploy', () => {
    let api: Awaited<ReturnType<typeof localApi>>;
    beforeAll(async () => {
      api = await localApi({ 'POST /repos/octo-org/hello-world/hooks': () => ({ id: 991 }) });
    });
    afterAll(() => api.close());

    it('registers the flow’s webhook URL (a reference path with spaces) with its OAuth token', async () => {
      const test = ports();
      const result = await runFlow({
        integration: integration(),
        flowName: 'Instance Deploy',
        configVars: {
          'GitHub API URL': api.url,
          'GitHub Connection': { key: 'oauth2', fields: {}, token: { access_token: 'gh-token' } },
        },
        webhookUrls: { 'Handle GitHub Updates': 'https://hooks.weft.example/abc' },
        ports: test.ports,
      });
      expectSucceeded(result);
      const [request] = api.received;
      expect(request?.headers.authorization).toBe('Bearer gh-token');
      expect(JSON.parse(request?.body ?? '{}').config.url).toBe('https://hooks.weft.example/abc');
      expect(test.state.stores.flow.webhookId).toBe(991);
    });
  });
});

describe('Punctuated Step Names: references by Prismatic keys, key/value lists, empty list items', () => {
  let api: Awaited<ReturnType<typeof localApi>>;
  beforeAll(async () => {
    api = await localApi({
      'GET /entities': () => ({ value: [{ id: 'Q-7' }, { id: 'Q-8' }] }),
      'POST /graphql': () => ({ data: { queue: { url: `${api.url}/queues/Q-7.json` } } }),
      'GET /queues/Q-7.json': () => ({ depth: 3 }),
    });
  });
  afterAll(() => api.close());

  it('runs Flow 1 end to end and answers with the built object', async () => {
    const result = await runFlow({
      integration: load('punctuated-step-names.yml'),
      flowName: 'Flow 1',
      trigger: { body: { data: { filter: "status eq 'open'" } } },
      configVars: {
        'CRM API': api.url,
        'CRM Login': { key: 'basic', fields: { username: 'ann', password: 'pw' } },
      },
      ports: ports().ports,
    });
    expectSucceeded(result);
    const [entities, graphql, download] = api.received;
    expect(entities?.path).toBe('/entities?%24filter=status+eq+%27open%27&%24top=2');
    expect(entities?.headers.authorization).toBe(`Basic ${Buffer.from('ann:pw').toString('base64')}`);
    expect(JSON.parse(graphql?.body ?? '{}')).toEqual({ query: '{ queue(id: "Q-7") { url } }' });
    expect(graphql?.headers.authorization).toBeUndefined();
    expect(download?.path).toBe('/queues/Q-7.json');
    const body = JSON.parse(String(result.response?.body)) as Record<string, unknown>;
    // The entry whose value is an empty config variable is left out of the object.
    expect(Object.keys(body)).toEqual(['external_id', 'downloaded', 'expires']);
    expect(body.external_id).toBe('Q-7');
    expect(body.downloaded).toEqual({ depth: 3 });
    expect(result.response?.headers).toMatchObject({ 'X-External-Id': '42' });
  });

  it('runs Flow 2: a key with a digit, and a list whose empty template item is left out', async () => {
    const result = await runFlow({
      integration: load('punctuated-step-names.yml'),
      flowName: 'Flow 2',
      trigger: { body: { data: { page: 4 } } },
      configVars: { 'CRM API': 'https://crm.example' },
      ports: ports().ports,
    });
    expectSucceeded(result);
    expect(result.steps.add1ToCurrentPageValue).toBe(5);
    expect(result.steps.executionBuildNextUrl).toBe('https://crm.example/pages/5');
  });
});

describe('the routing flows and agent tool flows run', () => {
  it('the preprocess flow names the flow that handles a request', async () => {
    const result = await runFlow({
      integration: load('preprocess-router.yml'),
      flowName: 'Route Request',
      trigger: { body: { data: { type: 'ticket.created' } } },
      ports: ports().ports,
    });
    expectSucceeded(result);
    expect(result.steps.determineFlow).toEqual({ flow: 'Ticket Created' });
  });

  it('an agent tool flow with an invoke schema answers synchronously', async () => {
    const result = await runFlow({
      integration: load('batch-polling-agent-tools.yml'),
      flowName: 'Get Incidents',
      ports: ports().ports,
    });
    expectSucceeded(result);
    expect(result.response?.body).toEqual({ incidents: [{ id: 'INC-1', title: 'Checkout latency' }] });
  });
});
