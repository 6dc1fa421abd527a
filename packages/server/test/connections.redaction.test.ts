// Issue 6 (redaction): distinctive secret values set on connections (an instance's API key connection, an
// org-activated global basic connection used through useScopedConfigVar) are used by flows that send them, log
// them, return them and throw them; then every API answer, the worker's log output, the stored step results, logs,
// errors and responses, the export and the metrics are searched for them: zero hits. The requests really carried
// them (the echo server saw them), so the masking is not hiding an unused value. And the OpenAPI document (what
// answers are serialized from) describes every connection answer field by field, none of them a credential value.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../src/http-app.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  instanceOf,
  killWorkerProcesses,
  testRun,
  WorkerProcess,
  waitForExecution,
  webhookTrigger,
} from './support/worker-fixtures.js';

const apiKey = 'SECRET-apikey-7f3a9c51d2';
const password = 'SECRET-password-4be81f07';

let server: TestServer;
let worker: WorkerProcess;
let echo: http.Server;
let echoUrl: string;
const seenByEcho: string[] = [];

function yaml(): string {
  const http = '{key: http, version: LATEST, isPublic: true}';
  const code = '{key: runCode, component: {key: code, version: LATEST, isPublic: true}}';
  return `definitionVersion: 7
name: Leaky Flows
description: Uses its secrets every way it can
endpointType: flow_specific
requiredConfigVars:
  - key: Echo Key
    stableKey: echo-key
    dataType: connection
    connection: {key: apiKey, component: ${http}}
    orgOnly: false
  - key: Shared Login
    stableKey: shared-login
    dataType: connection
    useScopedConfigVar: shared-login
    orgOnly: false
configPages: []
flows:
  - name: Leak
    description: Sends, logs, returns and throws its secrets
    isSynchronous: true
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}      - name: Call With Key
        action: {key: httpGet, component: ${http}}
        inputs:
          url: {type: value, value: "${echoUrl}/key"}
          connection: {type: configVar, value: Echo Key}
          debugRequest: {type: value, value: "true"}
          includeFullResponse: {type: value, value: "true"}
      - name: Call With Login
        action: {key: httpGet, component: ${http}}
        inputs:
          url: {type: value, value: "${echoUrl}/login"}
          connection: {type: configVar, value: Shared Login}
      - name: Log Them
        action: ${code}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ logger, configVars }) => {
                logger.info('key is ' + configVars['Echo Key'].fields.apiKey);
                logger.warn('password is ' + configVars['Shared Login'].fields.password);
                return { data: { key: configVars['Echo Key'].fields.apiKey, login: configVars['Shared Login'].fields } };
              };
      - name: Throw Them
        action: ${code}
        inputs:
          code:
            type: value
            value: |
              module.exports = async ({ configVars }) => {
                throw new Error('refused with ' + configVars['Echo Key'].fields.apiKey);
              };
`;
}

describe('secrets stay secret', () => {
  beforeAll(async () => {
    echo = http.createServer((request, response) => {
      seenByEcho.push(JSON.stringify(request.headers));
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url, headers: request.headers }));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    // Executions run in a separate worker process whose log output (debug level) is searched too.
    server = await startTestServer({ WEFT_ROLES: 'api,ingress,scheduler', WEFT_LOG_LEVEL: 'silent' });
    worker = new WorkerProcess(server.databaseUrl, { WEFT_LOG_LEVEL: 'debug' });
    await worker.ready();
  });

  afterAll(async () => {
    await killWorkerProcesses();
    await server?.stop();
    await new Promise((resolve) => echo?.close(resolve));
  });

  it('appear in no API answer, log line, stored record, export or metric', async () => {
    const answers: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const answer = await server.api(method, path, body === undefined ? {} : { body });
      answers.push(answer.text);
      return answer;
    };
    const created = await call('POST', '/api/connections', {
      stableKey: 'shared-login',
      kind: 'org_global',
      name: 'Shared login',
      component: 'http',
      connection: 'basic',
      values: { username: 'acme-bot', password },
    });
    expect(created.status, created.text).toBe(201);

    const instanceId = await instanceOf(server, yaml());
    const configured = await call('PUT', `/api/instances/${instanceId}/config`, {
      values: { 'Echo Key': { apiKey, headerName: 'X-Api-Key' } },
    });
    expect(configured.status, configured.text).toBe(200);
    expect((await call('POST', `/api/instances/${instanceId}/deploy`)).status).toBe(200);

    const executionId = await testRun(server, instanceId, 'Leak');
    const execution = await waitForExecution(server, executionId, { timeoutMs: 30_000 });
    expect(execution.status).toBe('failed');
    expect(execution.error.message).toContain('refused with [REDACTED]');
    // The requests carried the real values: what is masked was really used.
    expect(seenByEcho.join('\n')).toContain(apiKey);
    expect(seenByEcho.join('\n')).toContain(Buffer.from(`acme-bot:${password}`).toString('base64'));

    const flows = await call('GET', `/api/instances/${instanceId}/flows`);
    const webhook = await fetch(flows.body.flows[0].webhookUrl, { method: 'POST', body: '{}' });
    answers.push(await webhook.text());

    for (const path of [
      `/api/instances/${instanceId}`,
      `/api/instances/${instanceId}/connections`,
      '/api/connections',
      '/api/connections/shared-login',
      `/api/executions?instance=${instanceId}`,
      `/api/executions/${executionId}`,
      `/api/logs?instance=${instanceId}`,
      `/api/integrations/${(await call('GET', `/api/instances/${instanceId}`)).body.integration.id}/export`,
      '/api/encryption-keys',
    ]) {
      const answer = await call('GET', path);
      expect(answer.status, `${path}: ${answer.text}`).toBe(200);
    }
    const tested = await call('POST', '/api/connections/shared-login/test', { url: `${echoUrl}/test` });
    expect(tested.body.ok, tested.text).toBe(true);
    answers.push(await (await fetch(`${server.url}/metrics`)).text());

    const stored = await sqlQuery<{ text: string }>(
      server,
      `select coalesce(string_agg(t, E'\\n'), '') as text from (
         select result::text as t from execution_steps
         union all select message from execution_logs
         union all select coalesce(error::text, '') || coalesce(response::text, '') || trigger::text from executions
         union all select content::text from execution_blobs
         union all select fields_secret || coalesce(token_secret, '') from connections
         union all select config_values::text from instances
       ) as everything`,
    );
    const haystacks: Record<string, string> = {
      'API answers': answers.join('\n'),
      'worker log output': worker.output,
      'stored records': stored[0]!.text,
    };
    // The haystacks are not empty: the things searched hold what the flow did.
    expect(haystacks['stored records']).toContain('key is [REDACTED]');
    expect(haystacks['API answers']).toContain('password is [REDACTED]');
    for (const [where, text] of Object.entries(haystacks)) {
      for (const secret of [apiKey, password, Buffer.from(`acme-bot:${password}`).toString('base64')]) {
        const at = text.indexOf(secret);
        expect(at, `${where} contains a secret: …${text.slice(Math.max(0, at - 300), at + 60)}…`).toBe(-1);
      }
    }
  });
});

// Answers are serialized from their response schemas: only declared fields are sent. So what the schemas of the
// connection routes declare is what can ever leave, and none of it may be a credential value.
describe('the OpenAPI document of the connection routes', () => {
  interface Schema {
    $ref?: string;
    type?: string;
    description?: string;
    properties?: Record<string, Schema>;
    additionalProperties?: Schema | boolean;
    patternProperties?: Record<string, Schema>;
    items?: Schema;
    anyOf?: Schema[];
    oneOf?: Schema[];
    allOf?: Schema[];
  }
  interface Operation {
    responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  }

  /** A property named like a credential value: allowed only as a boolean flag or an object of facts about it. */
  const credentialName = /(password|secret|token|privatekey|apikey|codeverifier|wrappedkey)$/;

  it('describes each answer with named properties, none of them a credential value', async () => {
    const document = (await openApiDocument()) as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema> };
    };
    const named = document.components.schemas;
    const resolve = (schema: Schema): Schema => {
      if (!schema.$ref) return schema;
      const target = named[schema.$ref.split('/').pop() ?? ''];
      expect(target, `unresolvable ${schema.$ref}`).toBeDefined();
      return target as Schema;
    };

    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      /^\/api\/(connections|connection-types|encryption-keys|instances\/\{id\}\/connections|customers\/\{customer\}\/connections)(\/|$)/.test(
        path,
      )
        ? Object.entries(item).map(([method, operation]) => ({
            name: `${method.toUpperCase()} ${path}`,
            operation,
          }))
        : [],
    );
    expect(operations.map((o) => o.name).sort()).toEqual([
      'DELETE /api/connections/{id}',
      'DELETE /api/connections/{id}/customers/{customer}',
      'GET /api/connection-types',
      'GET /api/connections',
      'GET /api/connections/{id}',
      'GET /api/connections/{id}/customers',
      'GET /api/connections/{id}/usage',
      'GET /api/customers/{customer}/connections',
      'GET /api/encryption-keys',
      'GET /api/instances/{id}/connections',
      'PATCH /api/connections/{id}',
      'POST /api/connections',
      'POST /api/connections/{id}/authorize',
      'POST /api/connections/{id}/test',
      'POST /api/encryption-keys/rotate',
      'POST /api/instances/{id}/connections/{configVar}/authorize',
      'POST /api/instances/{id}/connections/{configVar}/test',
      'PUT /api/connections/{id}/customers/{customer}',
    ]);

    const problems: string[] = [];
    const openMaps: string[] = [];
    const visiting = new Set<Schema>();
    const walk = (given: Schema, at: string): void => {
      const schema = resolve(given);
      if (visiting.has(schema)) return;
      visiting.add(schema);
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        const shown = resolve(property);
        const kinds = [shown, ...(shown.anyOf ?? []).map(resolve)].map((s) => s.type);
        if (
          credentialName.test(name.toLowerCase()) &&
          !kinds.every((kind) => kind === 'boolean' || kind === 'object')
        )
          problems.push(`${at}.${name} may hold a credential value (${JSON.stringify(kinds)})`);
        walk(property, `${at}.${name}`);
      }
      const values = [
        ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties] : []),
        ...Object.values(schema.patternProperties ?? {}),
      ];
      if (values.length > 0 || schema.additionalProperties === true) {
        openMaps.push(at);
        // The one open map is the input values: scalars, secret ones masked.
        expect(schema.description ?? '', `${at} is free-form`).toContain("'********'");
        for (const value of values) {
          for (const option of (value.anyOf ?? [value]).map(resolve)) {
            expect(['string', 'number', 'boolean'], `${at}: ${JSON.stringify(value)}`).toContain(option.type);
          }
        }
      }
      for (const part of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])])
        walk(part, at);
      if (schema.items) walk(schema.items, `${at}[]`);
      visiting.delete(schema);
    };

    for (const { name, operation } of operations) {
      const success = Object.entries(operation.responses).filter(([status]) => /^2/.test(status));
      expect(success.length, `${name} declares no success answer`).toBeGreaterThan(0);
      for (const [status, response] of success) {
        if (status === '204') {
          expect(response.content, `${name} ${status}`).toBeUndefined();
          continue;
        }
        expect(Object.keys(response.content ?? {}), `${name} ${status}`).toEqual(['application/json']);
        const schema = resolve(response.content?.['application/json']?.schema ?? {});
        expect(schema.type, `${name} ${status}`).toBe('object');
        expect(Object.keys(schema.properties ?? {}).length, `${name} ${status}`).toBeGreaterThan(0);
        walk(schema, `${name} ${status}`);
      }
    }
    expect(problems).toEqual([]);
    // Input values are the only free-form part of an answer, and only where credentials are shown.
    expect([...new Set(openMaps.map((at) => at.split('.').pop()))]).toEqual(['fields']);
    expect(named.ConnectionCredentials?.properties?.token?.properties).toEqual({
      present: expect.objectContaining({ type: 'boolean' }),
      expiresAt: expect.any(Object),
      scope: expect.objectContaining({ type: 'string' }),
      tokenType: expect.objectContaining({ type: 'string' }),
    });
  });
});
