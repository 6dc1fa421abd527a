// Issue 14: pathological request bodies (nesting thousands of levels deep, too many values, prototype keys, text
// PostgreSQL cannot store, wrong content types, oversized headers) get a clear 4xx with a code from every API route
// (enumerated from the OpenAPI document) and from webhooks, never a 500; one bad request never fails the good ones
// stored in the same batch; the server stays healthy. Set FC_SEED to explore other seeds.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBodyShapeLimits } from '../src/config.js';
import { parseFormBody, parseJsonBody } from '../src/http/request-body-limits.js';
import { errorCatalog, loadConfig, WeftError } from '../src/index.js';
import { IngestBatcher } from '../src/ingress/ingest-batcher.js';
import {
  codeStep,
  customerWith,
  deployedInstance,
  exportFlow,
  exportIntegration,
  importAndPublish,
  webhookTriggerStep,
} from './support/export-yaml.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { waitForExecution } from './support/worker-fixtures.js';

const SEED = Number(process.env.FC_SEED ?? 20_250_914);
/** The test server counts at most this many values per body, so "too many" bodies stay small here. */
const MAX_VALUES = 10_000;
const MAX_DEPTH = defaultBodyShapeLimits.maxDepth;
const knownCodes = new Set(Object.keys(errorCatalog));
/** Executions run on a busy machine (other test files share its two cores): wait for them generously. */
const patient = { timeoutMs: 60_000 };

const nested = (depth: number, open = '[', close = ']', inner = '') =>
  `${open.repeat(depth)}${inner}${close.repeat(depth)}`;
const manyKeys = (count: number) => `{${Array.from({ length: count }, (_, i) => `"k${i}":${i}`).join(',')}}`;
const manyElements = (count: number) => `[${Array.from({ length: count }, () => '0').join(',')}]`;

interface Shape {
  name: string;
  body: string | Buffer;
  contentType: string;
}

/** Bodies every JSON route must refuse with exactly this status and code. */
const refusedShapes: Array<Shape & { status: number; code: string }> = [
  { name: 'arrays 5,000 deep', body: nested(5000), status: 400, code: 'API_BODY_TOO_DEEP' },
  {
    name: 'objects 5,000 deep',
    body: nested(5000, '{"a":', '}', '1'),
    status: 400,
    code: 'API_BODY_TOO_DEEP',
  },
  { name: 'arrays 100,000 deep', body: nested(100_000), status: 400, code: 'API_BODY_TOO_DEEP' },
  {
    name: 'deep and truncated',
    body: '{"a":'.repeat(3000),
    status: 400,
    code: 'API_BODY_TOO_DEEP',
  },
  {
    name: 'too many keys',
    body: manyKeys(MAX_VALUES + 1),
    status: 413,
    code: 'API_BODY_TOO_MANY_VALUES',
  },
  {
    name: 'too many elements',
    body: manyElements(MAX_VALUES * 3),
    status: 413,
    code: 'API_BODY_TOO_MANY_VALUES',
  },
  {
    name: '__proto__ key',
    body: '{"name":"x","__proto__":{"admin":true}}',
    status: 400,
    code: 'API_BODY_FORBIDDEN_KEY',
  },
  {
    name: 'escaped __proto__ key, nested',
    body: '{"a":[{"\\u005f_proto__":{"admin":true}}]}',
    status: 400,
    code: 'API_BODY_FORBIDDEN_KEY',
  },
  {
    name: 'constructor.prototype',
    body: '{"constructor":{"prototype":{"admin":true}}}',
    status: 400,
    code: 'API_BODY_FORBIDDEN_KEY',
  },
  { name: 'not JSON', body: '{"name": ', status: 400, code: 'API_INVALID_JSON' },
].map((shape) => ({ ...shape, contentType: 'application/json' }));

/** Bodies an API route refuses (it can tell the caller) but a webhook keeps (see docs/webhooks.md). */
const unstorableText: Array<Shape & { echoed: unknown }> = [
  { name: 'NUL character', body: '{"v":"a\\u0000b"}', echoed: { v: 'ab' } },
  { name: 'unpaired surrogate', body: '{"v":"a\\ud800b"}', echoed: { v: 'a\ufffdb' } },
  {
    name: 'invalid UTF-8',
    body: Buffer.concat([Buffer.from('{"v":"a'), Buffer.from([0xff, 0xfe]), Buffer.from('b"}')]),
    echoed: { v: 'a\ufffd\ufffdb' },
  },
].map((shape) => ({ ...shape, contentType: 'application/json' }));

/**
 * Bodies of the wrong kind or content type: refused with some 4xx and a code (validation, 404, 415) wherever a body
 * is expected; a route that takes no body (such as key rotation) may ignore them.
 */
const otherShapes: Shape[] = [
  { name: 'bare string', body: '"hello"', contentType: 'application/json' },
  { name: 'bare number', body: '5', contentType: 'application/json' },
  { name: 'null', body: 'null', contentType: 'application/json' },
  { name: 'empty with JSON type', body: '', contentType: 'application/json' },
  { name: 'text/plain', body: '{"name":"x"}', contentType: 'text/plain' },
  { name: 'form', body: 'name=x', contentType: 'application/x-www-form-urlencoded' },
  { name: 'multipart', body: '--b\r\n\r\nx\r\n--b--', contentType: 'multipart/form-data; boundary=b' },
  { name: 'malformed content type', body: '{}', contentType: ';;; =' },
  { name: 'UTF-16 JSON', body: Buffer.from('{"name":"x"}', 'utf16le'), contentType: 'application/json' },
];

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes
  body: any;
  text: string;
}

async function send(
  url: string,
  shape: { body: string | Buffer; contentType: string },
  options: { method?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const answer = await fetch(url, {
    method: options.method ?? 'POST',
    headers: {
      'content-type': shape.contentType,
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    body: shape.body,
  });
  const text = await answer.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: answer.status, body, text };
}

/** A 4xx in Weft's error shape, with a registered code. */
function expectClientError(answer: Answer, where: string): void {
  expect(answer.status, `${where}: ${answer.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, `${where}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
  expect(knownCodes.has(answer.body?.error?.code), `${where}: ${answer.text.slice(0, 300)}`).toBe(true);
}

describe('the body shape check (unit)', () => {
  const api = { what: 'request body', unstorableText: 'refuse' } as const;

  it('accepts bodies right at the limits, and refuses one level or one value more', () => {
    const limits = { maxDepth: 4, maxValues: 5 };
    expect(parseJsonBody('[[[[]]]]', limits, api)).toEqual([[[[]]]]);
    expect(() => parseJsonBody('[[[[[]]]]]', limits, api)).toThrow(/more than 4 levels/);
    // The body and four elements: five values. Blanks and nested empty containers count right.
    expect(parseJsonBody(' [ 1 , "a,b" , { } , [ ] ] ', limits, api)).toEqual([1, 'a,b', {}, []]);
    expect(() => parseJsonBody('[1,2,3,4,5]', limits, api)).toThrow(/more than 5 values/);
    expect(() => parseJsonBody('{"a":1,"b":{"c":2,"d":3,"e":4}}', limits, api)).toThrow(/more than 5 values/);
    expect(parseFormBody('a=1&b=2&c=3&d=4&e=5', limits, 'webhook body')).toMatchObject({ e: '5' });
    expect(() => parseFormBody('a=1&b=2&c=3&d=4&e=5&f=6', limits, 'webhook body')).toThrow(/more than 5/);
  });

  it('limits are configurable within bounds', () => {
    const env = (extra: Record<string, string>) => loadConfig(extra);
    expect(env({}).bodyShapeLimits).toEqual(defaultBodyShapeLimits);
    expect(env({ WEFT_BODY_MAX_DEPTH: '64', WEFT_BODY_MAX_VALUES: '5000' }).bodyShapeLimits).toEqual({
      maxDepth: 64,
      maxValues: 5000,
    });
    // Past 1024 levels, JSON.stringify itself comes too close to overflowing the stack.
    expect(() => env({ WEFT_BODY_MAX_DEPTH: '5000' })).toThrow(WeftError);
  });

  it('reads brackets inside strings and escapes as text, and pairs of surrogates as one character', () => {
    const limits = { maxDepth: 2, maxValues: 100 };
    const text = '{"a":"[[[[{{{{\\"\\\\","b":"\\ud83d\\ude00"}';
    expect(parseJsonBody(text, limits, api)).toEqual({ a: '[[[[{{{{"\\', b: '😀' });
    expect(parseJsonBody('\ufeff{"bom":true}', limits, api)).toEqual({ bom: true });
  });

  it('refuses prototype keys however they are spelled, and leaves look-alikes alone', () => {
    const limits = defaultBodyShapeLimits;
    for (const text of [
      '{"__proto__":1}',
      '{"\\u005F\\u005fproto__":1}',
      '[{"x":{"constructor":{"prototype":{}}}}]',
      '{"\\u0063onstructor":{"prototype":1}}',
    ]) {
      expect(() => parseJsonBody(text, limits, api), text).toThrow(WeftError);
    }
    expect(parseJsonBody('{"constructor":"Car","proto":"__proto__"}', limits, api)).toEqual({
      constructor: 'Car',
      proto: '__proto__',
    });
    expect(() => parseFormBody('__proto__=1', limits, 'webhook body')).toThrow(/__proto__/);
  });

  it('refuses or repairs text PostgreSQL cannot store, as asked', () => {
    const limits = defaultBodyShapeLimits;
    expect(() => parseJsonBody('["\\ud800"]', limits, api)).toThrow(/unpaired UTF-16 surrogate/);
    expect(() => parseJsonBody('["\\udc00\\ud800"]', limits, api)).toThrow(/unpaired/);
    expect(() => parseJsonBody('{"\\u0000":1}', limits, api)).toThrow(/NUL character/);
    const webhook = { what: 'webhook body', unstorableText: 'repair' } as const;
    expect(parseJsonBody('["a\\ud800b","\\udfff",1]', limits, webhook)).toEqual(['a\ufffdb', '\ufffd', 1]);
    expect(parseJsonBody('["\\u0000"]', limits, webhook)).toEqual(['\u0000']);
  });

  it('refuses any text nested past the limit before parsing it, however it ends', () => {
    const limits = defaultBodyShapeLimits;
    fc.assert(
      fc.property(
        fc.integer({ min: limits.maxDepth + 1, max: 50_000 }),
        fc.constantFrom('[', '{"k":', '[{"k":', ' [ '),
        fc.boolean(),
        (depth, opener, closed) => {
          const text = closed
            ? nested(depth, opener, opener.includes('{') ? '}' : ']')
            : opener.repeat(depth);
          expect(() => parseJsonBody(text, limits, api)).toThrow(/levels deep/);
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('never throws anything but a WeftError, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.stringMatching(/^[[\]{}",:\\u0-9a-f ]*$/)), (text) => {
        try {
          parseJsonBody(text, { maxDepth: 3, maxValues: 8 }, api);
        } catch (error) {
          expect(error).toBeInstanceOf(WeftError);
        }
      }),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

describe('pathological requests against the real server', () => {
  let server: TestServer;
  let instanceId: string;
  let asyncUrl: string;
  let syncUrl: string;

  beforeAll(async () => {
    server = await startTestServer({ WEFT_BODY_MAX_VALUES: String(MAX_VALUES) });
    const yaml = exportIntegration({
      name: 'Bad Input',
      flows: [
        exportFlow({
          name: 'Receive',
          steps: [webhookTriggerStep(), codeStep('Keep', 'return { data: 1 };')],
        }),
        exportFlow({
          name: 'Echo',
          isSynchronous: true,
          steps: [
            webhookTriggerStep(),
            codeStep(
              'Answer',
              'return { data: { echo: stepResults.integrationTrigger.results.body.data } };',
            ),
          ],
        }),
      ],
    });
    const integrationId = await importAndPublish(server, yaml);
    const customerId = await customerWith(server, 'Acme', 'acme');
    instanceId = await deployedInstance(server, integrationId, customerId, 'Acme bad input');
    const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
    const urlOf = (name: string) =>
      flows.body.flows.find((flow: { flow: string }) => flow.flow === name).webhookUrl as string;
    asyncUrl = urlOf('Receive');
    syncUrl = urlOf('Echo');
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function expectHealthy(): Promise<void> {
    const health = await fetch(new URL('/healthz', server.url));
    expect(health.status).toBe(200);
    const good = await send(asyncUrl, { body: '{"ok":true}', contentType: 'application/json' });
    expect(good.status, good.text).toBe(200);
  }

  /** Every route that takes a body, from the OpenAPI document, with its path parameters filled in. */
  async function bodyRoutes(): Promise<Array<{ method: string; path: string; takesJson: boolean }>> {
    const document = await server.api('GET', '/api/openapi.json');
    expect(document.status).toBe(200);
    const routes: Array<{ method: string; path: string; takesJson: boolean }> = [];
    for (const [template, operations] of Object.entries(document.body.paths as Record<string, object>)) {
      // An id no resource has: the body is refused before any handler could look it up.
      const path = template.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
      for (const method of Object.keys(operations)) {
        if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
        // The icon and attachment routes store raw bytes of any type as a file; every other route reads JSON.
        const takesJson = !/\/(icon|attachments)(\/|$)/.test(template);
        routes.push({ method: method.toUpperCase(), path, takesJson });
      }
    }
    return routes;
  }

  it('enumerates the API routes that take a body', async () => {
    const routes = await bodyRoutes();
    const listed = routes.map((route) => `${route.method} ${route.path}`);
    // A sample the enumeration must find, so a broken OpenAPI document cannot make the next test vacuous.
    expect(listed).toContain('POST /api/customers');
    expect(listed).toContain('POST /api/integrations/import');
    expect(listed.some((route) => route.endsWith('/test'))).toBe(true);
    expect(routes.length).toBeGreaterThan(20);
  });

  it('every API route answers each pathological body with a 4xx and a code, never a 500', async () => {
    const routes = await bodyRoutes();
    for (const route of routes) {
      const url = new URL(route.path, server.url).toString();
      const options = { method: route.method, token: server.ownerToken };
      for (const shape of refusedShapes) {
        const answer = await send(url, shape, options);
        const where = `${route.method} ${route.path} with ${shape.name}`;
        expectClientError(answer, where);
        if (route.takesJson) {
          expect([answer.status, answer.body.error.code], where).toEqual([shape.status, shape.code]);
        }
      }
      for (const shape of unstorableText) {
        const answer = await send(url, shape, options);
        const where = `${route.method} ${route.path} with ${shape.name}`;
        expectClientError(answer, where);
        if (route.takesJson) {
          expect([answer.status, answer.body.error.code], where).toEqual([400, 'API_BODY_INVALID_TEXT']);
        }
      }
      for (const shape of otherShapes) {
        const answer = await send(url, shape, options);
        const where = `${route.method} ${route.path} with ${shape.name}`;
        expect(answer.status, `${where}: ${answer.text.slice(0, 300)}`).toBeLessThan(500);
        if (answer.status >= 400) expectClientError(answer, where);
      }
    }
    await expectHealthy();
    // Every body route times every shape: it grows with the API (about 20 s alone on 2 cores with ~150 routes).
  }, 180_000);

  it('says what is wrong and what to do', async () => {
    const deep = await server.api('POST', '/api/customers', { rawBody: nested(5000) });
    expect(deep.body.error.message).toMatch(/more than 256 levels deep.*WEFT_BODY_MAX_DEPTH/);
    expect(deep.body.error.details).toEqual({ maxDepth: 256 });
    const many = await server.api('POST', '/api/customers', { rawBody: manyKeys(MAX_VALUES + 1) });
    expect(many.body.error.details).toEqual({ maxValues: MAX_VALUES });
    const proto = await server.api('POST', `/api/instances/${instanceId}/flows/Receive/test`, {
      body: { payload: JSON.parse('{"list":[{"__proto__":{"admin":true}}]}') },
    });
    expect(proto.body.error).toMatchObject({
      code: 'API_BODY_FORBIDDEN_KEY',
      details: { key: 'payload.list[0].__proto__' },
    });
    const nul = await server.api('POST', '/api/customers', { rawBody: '{"name":"a\\u0000b"}' });
    expect(nul.body.error.details).toEqual({ position: 10, escape: '\\u0000' });
    // Nothing of it was stored.
    const customers = await server.api('GET', '/api/customers');
    expect(customers.body.items.map((customer: { name: string }) => customer.name)).toEqual(['Acme']);
  });

  it('a test run takes a payload right at the limits, and its flow runs', async () => {
    // The payload sits one level down in the request body: depth limit - 1 for it.
    const payload = `{"payload":${nested(MAX_DEPTH - 1)}}`;
    const answer = await server.api('POST', `/api/instances/${instanceId}/flows/Receive/test`, {
      rawBody: payload,
    });
    expect(answer.status, answer.text).toBe(202);
    const execution = await waitForExecution(server, answer.body.executionId, patient);
    expect(execution.status).toBe('succeeded');
  });

  for (const flow of ['async', 'sync'] as const) {
    it(`a ${flow} webhook answers each pathological body with a 4xx and a code, storing nothing`, async () => {
      const url = flow === 'async' ? asyncUrl : syncUrl;
      const before = await executionCount(server);
      for (const shape of refusedShapes) {
        const answer = await send(url, shape);
        expect([answer.status, answer.body?.error?.code], `${flow} webhook with ${shape.name}`).toEqual([
          shape.status,
          shape.code,
        ]);
      }
      const forms = [
        {
          body: Array.from({ length: MAX_VALUES + 1 }, (_, i) => `f${i}=1`).join('&'),
          code: 'API_BODY_TOO_MANY_VALUES',
        },
        { body: 'a=1&__proto__=2', code: 'API_BODY_FORBIDDEN_KEY' },
      ];
      for (const form of forms) {
        const answer = await send(url, { body: form.body, contentType: 'application/x-www-form-urlencoded' });
        expect(answer.body?.error?.code, answer.text.slice(0, 300)).toBe(form.code);
      }
      // +json media types are JSON too.
      const vendor = await send(url, { body: nested(5000), contentType: 'application/vnd.acme+json' });
      expect(vendor.body?.error?.code).toBe('API_BODY_TOO_DEEP');
      expect(await executionCount(server)).toBe(before);
      await expectHealthy();
    });
  }

  it('a webhook keeps text it cannot store as sent: NUL dropped, broken characters as U+FFFD', async () => {
    for (const shape of unstorableText) {
      const answer = await send(syncUrl, shape);
      expect(answer.status, `${shape.name}: ${answer.text}`).toBe(200);
      expect(answer.body, shape.name).toEqual({ echo: shape.echoed });
    }
    const bare = await send(syncUrl, { body: '"hello"', contentType: 'application/json' });
    expect(bare.body).toEqual({ echo: 'hello' });
    const empty = await send(syncUrl, { body: '', contentType: 'application/json' });
    expect(empty.body).toEqual({ echo: null });
  });

  it('a webhook takes a body right at the limits, and its flow runs', async () => {
    const deep = await send(syncUrl, { body: nested(MAX_DEPTH), contentType: 'application/json' });
    expect(deep.status, deep.text.slice(0, 300)).toBe(200);
    expect(JSON.stringify(deep.body)).toBe(`{"echo":${nested(MAX_DEPTH)}}`);
    // The body and its elements: exactly the limit.
    const many = await send(asyncUrl, {
      body: manyElements(MAX_VALUES - 1),
      contentType: 'application/json',
    });
    expect(many.status).toBe(200);
    expect((await waitForExecution(server, many.body.executionId, patient)).status).toBe('succeeded');
  });

  it('oversized headers and query strings get 431 with a code; odd query strings are taken', async () => {
    const oversized: Array<Record<string, string>> = [
      { 'x-big': 'a'.repeat(20_000) },
      Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`x-h${i}`, 'a'.repeat(50)])),
    ];
    for (const headers of oversized) {
      const answer = await send(asyncUrl, { body: '{}', contentType: 'application/json' }, { headers });
      expect([answer.status, answer.body?.error?.code]).toEqual([431, 'API_HEADERS_TOO_LARGE']);
    }
    const longQuery = await send(`${asyncUrl}?q=${'a'.repeat(20_000)}`, {
      body: '{}',
      contentType: 'application/json',
    });
    expect([longQuery.status, longQuery.body?.error?.code]).toEqual([431, 'API_HEADERS_TOO_LARGE']);
    const apiLong = await send(new URL(`/api/customers?${'a'.repeat(20_000)}`, server.url).toString(), {
      body: '{}',
      contentType: 'application/json',
    });
    expect(apiLong.body?.error?.code).toBe('API_HEADERS_TOO_LARGE');
    for (const query of [
      '?a=%ED%A0%80',
      '?a=%ZZ&b=%00',
      `?${Array.from({ length: 1500 }, (_, i) => `q${i}=1`).join('&')}`,
      '?__proto__=1&constructor=2',
    ]) {
      const answer = await send(`${asyncUrl}${query}`, { body: '{}', contentType: 'application/json' });
      expect(answer.status, `${query.slice(0, 40)}: ${answer.text}`).toBe(200);
    }
    await expectHealthy();
  });

  it('fuzzed pathological bodies all get a 4xx from API routes and webhooks', async () => {
    const pathological = fc.oneof(
      // Deep: any mix of openers, closed or not.
      fc
        .tuple(
          fc.integer({ min: MAX_DEPTH + 1, max: 20_000 }),
          fc.constantFrom('[', '{"k":', '[{"a":[', ' [\n'),
          fc.boolean(),
        )
        .map(([depth, opener, closed]) =>
          closed ? `${opener.repeat(depth)}0${'}'.repeat(depth)}` : opener.repeat(depth),
        ),
      // Too many values, of random small JSON.
      fc
        .tuple(
          fc.integer({ min: MAX_VALUES + 1, max: MAX_VALUES * 3 }),
          fc.constantFrom('0', 'null', '""', '{}', '[]'),
          fc.boolean(),
        )
        .map(([count, item, object]) =>
          object
            ? `{${Array.from({ length: count }, (_, i) => `"${i}":${item}`).join(',')}}`
            : `[${Array.from({ length: count }, () => item).join(',')}]`,
        ),
      // A prototype key somewhere in a random document, spelled with random escapes.
      fc
        .tuple(
          fc.json({ maxDepth: 3 }),
          fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
          fc.integer({ min: 0, max: 4 }),
        )
        .map(([filler, escapes, depth]) => {
          const key = [...'__proto__']
            .map((ch, i) => (escapes[i] ? `\\u00${ch.charCodeAt(0).toString(16)}` : ch))
            .join('');
          return `${'[{"x":'.repeat(depth)}{"f":${filler},"${key}":{"polluted":true}}${'}]'.repeat(depth)}`;
        }),
    );
    const targets = [
      { url: new URL('/api/customers', server.url).toString(), token: server.ownerToken },
      {
        url: new URL(`/api/instances/${instanceId}/flows/Receive/test`, server.url).toString(),
        token: server.ownerToken,
      },
      { url: asyncUrl },
      { url: syncUrl },
    ];
    const before = await executionCount(server);
    await fc.assert(
      fc.asyncProperty(pathological, fc.constantFrom(...targets), async (body, target) => {
        const answer = await send(
          target.url,
          { body, contentType: 'application/json' },
          target.token ? { token: target.token } : {},
        );
        expectClientError(answer, `${target.url} with ${body.slice(0, 60)}`);
        expect(answer.body.error.code).toMatch(/^API_BODY_(TOO_DEEP|TOO_MANY_VALUES|FORBIDDEN_KEY)$/);
      }),
      { seed: SEED, numRuns: 60 },
    );
    expect(await executionCount(server)).toBe(before);
    // Random bytes as JSON: whatever they are, never a 5xx.
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom(...targets),
        async (bytes, target) => {
          const answer = await send(
            target.url,
            { body: Buffer.from(bytes), contentType: 'application/json' },
            target.token ? { token: target.token } : {},
          );
          expect(answer.status, answer.text.slice(0, 300)).toBeLessThan(500);
          if (answer.status >= 400) expectClientError(answer, target.url);
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
    await expectHealthy();
  });

  it('a bad request sent with good ones to the same webhook fails alone; the good ones are stored', async () => {
    const bad = [nested(5000), '{"__proto__":{}}', manyKeys(MAX_VALUES + 1), '{"broken":'];
    const good = Array.from({ length: 24 }, (_, i) => JSON.stringify({ order: i }));
    const bodies = [...good.slice(0, 12), ...bad, ...good.slice(12)];
    const answers = await Promise.all(
      bodies.map((body) => send(asyncUrl, { body, contentType: 'application/json' })),
    );
    const goodAnswers = answers.filter((_, index) => good.includes(bodies[index] as string));
    const badAnswers = answers.filter((_, index) => bad.includes(bodies[index] as string));
    for (const answer of badAnswers) expectClientError(answer, 'bad request');
    expect(goodAnswers.map((answer) => answer.status)).toEqual(good.map(() => 200));
    for (const answer of goodAnswers) {
      const execution = await waitForExecution(server, answer.body.executionId, patient);
      expect(execution.status).toBe('succeeded');
    }
    const orders = await sqlQuery<{ order: number }>(
      server,
      `select (trigger->'body'->'data'->>'order')::int as order from executions
        where (trigger->'body'->'data') ? 'order' order by 1`,
    );
    expect(orders.map((row) => row.order)).toEqual(good.map((_, i) => i));
  });

  it('the ingest batcher refuses a payload it cannot serialize alone, and stores the rest of its batch', async () => {
    const [row] = await sqlQuery<{ version: string }>(
      server,
      'select deployed_version_id as version from instances where id = $1',
      [instanceId],
    );
    // Built in memory, past any parser: a payload JSON.stringify cannot serialize (it overflows the stack).
    let tooDeep: unknown = {};
    for (let i = 0; i < 20_000; i++) tooDeep = { a: tooDeep };
    const batcher = new IngestBatcher(server.weft.database.db);
    const item = (data: unknown) => ({
      instanceId,
      versionId: row?.version as string,
      flowName: 'Receive',
      flowStableKey: 'receive',
      isSynchronous: false,
      trigger: { headers: {}, queryParameters: {}, body: { data, contentType: 'application/json' } },
      queueName: null,
      runAt: null,
    });
    // Stored in one tick, so they share batches.
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 5 }, (_, i) => batcher.store(item({ batched: i }))),
      batcher.store(item(tooDeep)),
      ...Array.from({ length: 5 }, (_, i) => batcher.store(item({ batched: 5 + i, nul: 'a\u0000b' }))),
    ]);
    const refused = outcomes[5] as PromiseRejectedResult;
    expect(refused.status).toBe('rejected');
    expect(refused.reason).toBeInstanceOf(WeftError);
    expect(refused.reason).toMatchObject({ code: 'API_BODY_TOO_DEEP', status: 400 });
    const stored = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    expect(stored).toHaveLength(10);
    for (const outcome of stored) {
      const executionId = (outcome as PromiseFulfilledResult<{ executionId: string }>).value.executionId;
      const execution = await server.api('GET', `/api/executions/${executionId}`);
      expect(execution.status).toBe(200);
    }
  });
});

async function executionCount(server: TestServer): Promise<number> {
  const [row] = await sqlQuery<{ count: string }>(server, 'select count(*) from executions');
  return Number(row?.count);
}
