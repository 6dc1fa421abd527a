// Issue 2: API conventions: JSON errors with stable codes and the field at fault, 400/404/413/415, request ids,
// no stack traces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function expectErrorShape(body: unknown, code: string): void {
  expect(body).toMatchObject({ error: { code, message: expect.any(String), details: expect.any(Object) } });
  expect(JSON.stringify(body)).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack frames
}

describe('bad input', () => {
  it('broken JSON is a 400 API_INVALID_JSON and creates nothing', async () => {
    const answer = await server.api('POST', '/api/customers', { rawBody: '{"name": "Half' });
    expect(answer.status).toBe(400);
    expectErrorShape(answer.body, 'API_INVALID_JSON');
    expect((await server.api('GET', '/api/customers?search=Half')).body.items).toEqual([]);
  });

  it('a wrong type names the field, the expectation and the value sent', async () => {
    const answer = await server.api('POST', '/api/customers', { body: { name: 42 } });
    expect(answer.status).toBe(400);
    expectErrorShape(answer.body, 'API_VALIDATION_FAILED');
    expect(answer.body.error.details).toMatchObject({ part: 'body', field: 'name' });
    expect(answer.body.error.message).toContain("'name' must be string (got 42)");
  });

  it('does not coerce: a label sent as a number is refused, not stored as text', async () => {
    const answer = await server.api('POST', '/api/customers', { body: { name: 'Coerce', labels: [7] } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe('labels.0');
  });

  it('an unknown field is refused, named, and the allowed fields listed', async () => {
    const answer = await server.api('POST', '/api/customers', { body: { name: 'Typo', extrnalId: 'x' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe('extrnalId');
    expect(answer.body.error.message).toContain("unknown field 'extrnalId'");
    expect(answer.body.error.message).toContain('externalId');
    expect((await server.api('GET', '/api/customers?search=Typo')).body.items).toEqual([]);
  });

  it('a missing required field is named', async () => {
    const answer = await server.api('POST', '/api/customers', { body: { externalId: 'nameless' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.details.field).toBe('name');
    expect(answer.body.error.message).toContain("missing the required field 'name'");
  });

  it('an empty PATCH and a blank name are refused', async () => {
    const created = await server.api('POST', '/api/customers', { body: { name: 'Patch Target' } });
    expect((await server.api('PATCH', `/api/customers/${created.body.id}`, { body: {} })).status).toBe(400);
    const blank = await server.api('PATCH', `/api/customers/${created.body.id}`, { body: { name: '   ' } });
    expect(blank.status).toBe(400);
    expect(blank.body.error.details.field).toBe('name');
  });

  it('an oversized body is a 413 with the limit, and the server keeps serving', async () => {
    const big = JSON.stringify({ name: 'Big', description: 'x'.repeat(2 * 1024 * 1024) });
    const answer = await server.api('POST', '/api/customers', { rawBody: big });
    expect(answer.status).toBe(413);
    expectErrorShape(answer.body, 'API_PAYLOAD_TOO_LARGE');
    expect(answer.body.error.details.limitBytes).toBe(1024 * 1024);
    expect((await server.api('GET', '/api/customers')).status).toBe(200);
  });

  it('a non-JSON content type is a 415', async () => {
    const answer = await server.api('POST', '/api/customers', {
      rawBody: 'name=Form',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(answer.status).toBe(415);
    expectErrorShape(answer.body, 'API_UNSUPPORTED_MEDIA_TYPE');
  });

  it('a query parameter of the wrong type is named', async () => {
    const answer = await server.api('GET', '/api/customers?limit=lots');
    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toMatchObject({ part: 'querystring', field: 'limit' });
    expect((await server.api('GET', '/api/customers?limit=100000')).status).toBe(400);
    expect((await server.api('GET', '/api/customers?colour=red')).body.error.details.field).toBe('colour');
  });

  it('a NUL character in a query or path parameter is a 400 naming it, never a database error', async () => {
    for (const path of [
      '/api/customers?search=a%00b',
      '/api/customers/x%00y',
      '/api/audit-events?customer=%00',
      '/api/marketplace?label=a&label=b%00',
      '/api/customers/ext%00/users',
    ]) {
      const answer = await server.api('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.body.error.code, path).toBe('API_PARAMETER_INVALID_TEXT');
    }
  });

  it('an unknown route is a JSON 404, for authenticated and anonymous callers alike', async () => {
    for (const token of [undefined, null]) {
      const answer = await server.api('GET', '/api/nothing-here', { token });
      expect(answer.status).toBe(404);
      expectErrorShape(answer.body, 'API_ROUTE_NOT_FOUND');
    }
  });
});

describe('request ids', () => {
  it('echoes a caller-supplied request id, and makes one otherwise', async () => {
    const given = await server.api('GET', '/api/customers', { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-abc.123');
    const made = await server.api('GET', '/api/customers');
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await server.api('GET', '/api/customers', {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(unsafe.headers.get('x-request-id')).not.toBe('bad id with spaces');
  });
});

describe('review fixes', () => {
  it('a text/plain body is a 415, like any other non-JSON body', async () => {
    const answer = await server.api('POST', '/api/customers', {
      rawBody: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expect(answer.status).toBe(415);
    expect(answer.body.error.code).toBe('API_UNSUPPORTED_MEDIA_TYPE');
  });

  it('a cursor that decodes to a non-UUID is a 400, not a 500', async () => {
    const forged = Buffer.from(JSON.stringify([new Date().toISOString(), '-'.repeat(36)])).toString(
      'base64url',
    );
    const answer = await server.api('GET', `/api/customers?cursor=${forged}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('API_INVALID_CURSOR');
  });

  it('a cursor whose date PostgreSQL cannot hold (or no page could have) is a 400, not a 500', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const date of [
      '+200000-01-01T00:00:00.000Z',
      '-100000-01-01T00:00:00.000Z',
      '-001000-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.000Z',
    ]) {
      const forged = Buffer.from(JSON.stringify([date, id])).toString('base64url');
      for (const path of ['/api/customers', '/api/users']) {
        const answer = await server.api('GET', `${path}?cursor=${forged}`);
        expect(answer.status, `${path} ${date}: ${answer.text}`).toBe(400);
        expect(answer.body.error.code).toBe('API_INVALID_CURSOR');
      }
    }
    // The last year it accepts.
    const late = Buffer.from(JSON.stringify(['9999-12-31T23:59:59.999Z', id])).toString('base64url');
    expect((await server.api('GET', `/api/customers?cursor=${late}`)).status).toBe(200);
  });

  it('a customer with a 200-character externalId can be fetched by it', async () => {
    const externalId = `ext-${'x'.repeat(196)}`;
    expect(
      (await server.api('POST', '/api/customers', { body: { name: 'Long ext', externalId } })).status,
    ).toBe(201);
    const answer = await server.api('GET', `/api/customers/by-external-id/${encodeURIComponent(externalId)}`);
    expect(answer.status).toBe(200);
    expect(answer.body.name).toBe('Long ext');
  });

  it('blank labels and externalIds with surrounding spaces are refused, naming the field', async () => {
    const blankLabel = await server.api('POST', '/api/customers', {
      body: { name: 'Blank label', labels: ['ok', '   '] },
    });
    expect(blankLabel.status).toBe(400);
    expect(blankLabel.body.error.details.field).toBe('labels.1');
    const spaced = await server.api('POST', '/api/customers', {
      body: { name: 'Spaced', externalId: ' abc ' },
    });
    expect(spaced.status).toBe(400);
    expect(spaced.body.error.details.field).toBe('externalId');
  });

  it('a malformed URL gets the same error shape', async () => {
    const answer = await server.api('GET', '/api/customers/%E0%A4%A');
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('API_VALIDATION_FAILED');
  });
});
