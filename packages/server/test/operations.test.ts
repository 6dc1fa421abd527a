// Issue 2: /healthz, /readyz, /metrics, the OpenAPI document and docs, and --role scale-out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, loadConfig, startWeft, type WeftServer } from '../src/index.js';
import { callApi, sharedKeyEnv, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('health and readiness', () => {
  it('answers /healthz and /readyz without a token', async () => {
    const health = await server.api('GET', '/healthz', { token: null });
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    const ready = await server.api('GET', '/readyz', { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', checks: { database: 'ok', migrations: 'ok' } });
    expect(ready.body.roles).toEqual(['api', 'ingress', 'worker', 'scheduler']);
  });

  it('/readyz turns 503 and names the migration when the schema is behind', async () => {
    const pool = server.weft.database.pool;
    const row = await pool.query("delete from weft_migration where name like '0001%' returning *");
    try {
      const ready = await server.api('GET', '/readyz', { token: null });
      expect(ready.status).toBe(503);
      expect(ready.body.checks.migrations).toContain('0001-organizations-tokens-customers');
    } finally {
      await pool.query('insert into weft_migration (name, timestamp) values ($1, $2)', [
        row.rows[0].name,
        row.rows[0].timestamp,
      ]);
    }
    expect((await server.api('GET', '/readyz', { token: null })).status).toBe(200);
  });
});

describe('metrics', () => {
  it('counts requests per route template and status, with latency histograms', async () => {
    await server.api('GET', '/api/customers');
    await server.api('GET', '/api/customers/00000000-0000-4000-8000-000000000000');
    await server.api('GET', '/api/customers', { token: null });
    const metrics = await server.api('GET', '/metrics', { token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.text).toMatch(
      /weft_http_requests_total\{method="GET",route="\/api\/customers",status_code="200"\} \d+/,
    );
    expect(metrics.text).toMatch(
      /weft_http_requests_total\{method="GET",route="\/api\/customers",status_code="401"\} 1/,
    );
    expect(metrics.text).toContain('route="/api/customers/:id",status_code="404"');
    expect(metrics.text).not.toContain('00000000-0000-4000-8000-000000000000');
    expect(metrics.text).toMatch(
      /weft_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/customers"/,
    );
    expect(metrics.text).toContain('weft_process_resident_memory_bytes');
  });
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3 document, public, describing the routes and their schemas', async () => {
    const doc = await server.api('GET', '/api/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/customers',
        '/api/customers/{id}',
        '/api/customers/by-external-id/{externalId}',
        '/api/tokens',
        '/api/tokens/{id}',
      ]),
    );
    const create = doc.body.paths['/api/customers'].post;
    expect(create.requestBody.content['application/json'].schema).toBeDefined();
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '409']),
    );
    expect(doc.body.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    // The same schema validates requests: its required fields and closed shape are in the document.
    const body = JSON.stringify(create.requestBody.content['application/json'].schema);
    const schemas = JSON.stringify(doc.body.components.schemas);
    expect(`${body}${schemas}`).toContain('"additionalProperties":false');
    expect(doc.body.paths['/metrics']).toBeUndefined();
  });

  it('serves browsable docs at /api/docs without a token', async () => {
    const page = await fetch(`${server.url}/api/docs/`, { redirect: 'follow' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });
});

describe('roles', () => {
  let workerOnly: WeftServer | undefined;
  let secondScheduler: WeftServer | undefined;
  afterAll(async () => {
    await workerOnly?.stop();
    await secondScheduler?.stop();
  });

  it('a worker-only process serves health but not the API', async () => {
    const config = loadConfig(
      { DATABASE_URL: server.databaseUrl, WEFT_PORT: '0', WEFT_LOG_LEVEL: 'silent', ...sharedKeyEnv() },
      { role: ['worker'] },
    );
    workerOnly = await startWeft(config, { log: createLogger('silent') });
    expect((await callApi(workerOnly.url, server.ownerToken, 'GET', '/healthz')).status).toBe(200);
    const ready = await callApi(workerOnly.url, server.ownerToken, 'GET', '/readyz');
    expect(ready.body.roles).toEqual(['worker']);
    const api = await callApi(workerOnly.url, server.ownerToken, 'GET', '/api/customers');
    expect(api.status).toBe(404);
    expect(api.body.error.code).toBe('API_ROUTE_NOT_FOUND');
    // Its start found the organization already there and made no new owner token.
    expect(workerOnly.ownerToken).toBeUndefined();
  });

  it('two processes share one database, and only one of them leads the scheduler', async () => {
    const config = loadConfig(
      { DATABASE_URL: server.databaseUrl, WEFT_PORT: '0', WEFT_LOG_LEVEL: 'silent', ...sharedKeyEnv() },
      { role: ['api', 'scheduler'] },
    );
    secondScheduler = await startWeft(config, { log: createLogger('silent') });
    const created = await callApi(secondScheduler.url, server.ownerToken, 'POST', '/api/customers', {
      body: { name: 'Seen by both' },
    });
    expect(created.status).toBe(201);
    expect((await server.api('GET', `/api/customers/${created.body.id}`)).body.name).toBe('Seen by both');

    const leaders = await server.weft.database.pool.query(
      "select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = 2003133044 and objid = 2 and granted and database = (select oid from pg_database where datname = current_database())",
    );
    expect(leaders.rows[0].n).toBe(1);
  });
});
