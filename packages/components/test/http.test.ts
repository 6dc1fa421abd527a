import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Egress, egressPolicy } from '@weft/egress';
import { type ActionContext, componentManifest, invokeAction } from '@weft/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpComponent } from '../src/components/http.js';
import { builtinCatalog } from '../src/index.js';
import { http as catalogEntry } from './fixtures/catalog/http.js';
import { manifestShape } from './support/component-checks.js';

// A self-signed certificate for 127.0.0.1 (valid for 100 years), for the Ignore SSL Errors test only.
const tlsKey = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC8hV7CwRtnsqbN
xTVA9NS1EGM76uF+tKy2b6gEAcSO3KVH68M088Lf4QcKYFQ8s7/FHbpJ0EKVkrhi
kSFGhGpKVnca0MtfJbeDLZH/Ir7PPzpZJH1fwXVf5m+4A8+cP8JL8u22sRjkGYCx
5sPHap79q8HKlELLHeVgnb8t5ov++EbVKs0cNhOZRAfP3065nvnxDnsCvVBkmGTU
k0Ke//1I6PWI48TvIKFPvOvq8s06uLG6vZT4E9nO86VwuA2Qx4WsTmM1kGurx2Qp
WtmTXokE2bO/ZDlV6l13qm2Qrs36ArA0baCZct2B6fYkQfQ+MVcCNzn6TZpuafXY
S9mY+WbxAgMBAAECggEACpcNYzBY20LoZt/ApZT7S+6PPILtxuHcX+U20X7N7V6M
tFUUoqlc1Zm8/QK7SKuqRqbsW5Ak5WUYEYVokp8Gn4Vq7Gk1O3ORcv+A1426nUbG
ftJzbokeEFSQCwy/wV29iumrG9un88xQ8+1sKwwcwVBAMyKP+/wCciJ6ZlgwnhJ4
fi8ArOSGxRYlU3e21Kvflj8xExjA95Q2Xg9b/hZG1DSh4ctess2HG8H2Ye431j2x
SfwA8Sjzxzw2BJFgSlVNzNNecVIVHkW44811FlnWDUUYTAYEZ160glVYSxl1W7wu
VkIrsyafgsWq67Pb3oi4990InmMuo6USimMTyjl17wKBgQD4UJUnMOysDe3mMCYC
1UOhFI1cRP53RXc+9tntaeTE0kr+OGsTaDmgNShTYUjcddRrhIAlKqtGWUyZjT7L
GJD+HOKp2MFWb7MFCkeP13+L9mlwNdnG8sKwOEq5fIFEZM4fbw3spFLSXVcbSpvK
6uHf2xbN88mDUJjeh4hcr4YMowKBgQDCWwleBnYsxxv4Rr+jaYF4WmqRWkjxpR1T
vdNWAscWN7lA0eWWtV89X1j1TrCHJTulL9tlFRLXYlJv7sfhhUeFo5MiAJntHzud
JYSkCnP6XzIGDvXRGrmJ646qsflsJ8BmLxHBSUbwK3rruM7nsKhDjO2yMZK52EPi
MS+JMu8DWwKBgCSuOqo0ZvGviRH00NigSkI0OAGGS5Sw1UGe02hnuRx9+Af/q4mN
Xt3UnGVcvJecbEmJpChZWj2lGVShccIsmdZ/y9fNJhovm+FFuHZ+HeA+AStLOSVT
XQEM/7TQuIOy5GPuUr8/MuDSWvi0F7ls4vrfcUnxFjZopHxSxwjyALpDAoGAeM5d
ZDRgADVDDW/sboaGE2kgFHkqHgmj0QmM80mGtiis3b2aF7NlH6DEirX+xAJAsMyu
coZGz9oto6WoWGWfr1GdguUcyGdBhsxrRgu5S0cgsONbqD4UVcY1R6SYhMGwtdNM
FfiWP3LHVP3qndkQvew7Uye9LAdhKpeoFH+0UUECgYEAiQzKDkdnHI1Nip6M1uRA
/uqdw8YyBkylqo8PjPOCwA3p9pSbNpwp5Xm17HJmPsqwK7ais1mBd5dbkuBMg49G
FGDWQNI/LBUXw7MpEPy60fn0Mm8J4jBM7oXHTPwNLvlwXnT9yinfRCj+dd54jqmK
8YUF1HVBEThz1/+0/Xot+YQ=
-----END PRIVATE KEY-----`;
const tlsCert = `-----BEGIN CERTIFICATE-----
MIIDHDCCAgSgAwIBAgIUEzZcqEWzjCpkRZ6Luv14Z5s1XZAwDQYJKoZIhvcNAQEL
BQAwFDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyMjEyNTA1NFoYDzIxMjYx
MDI5MTI1MDU0WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwggEiMA0GCSqGSIb3DQEB
AQUAA4IBDwAwggEKAoIBAQC8hV7CwRtnsqbNxTVA9NS1EGM76uF+tKy2b6gEAcSO
3KVH68M088Lf4QcKYFQ8s7/FHbpJ0EKVkrhikSFGhGpKVnca0MtfJbeDLZH/Ir7P
PzpZJH1fwXVf5m+4A8+cP8JL8u22sRjkGYCx5sPHap79q8HKlELLHeVgnb8t5ov+
+EbVKs0cNhOZRAfP3065nvnxDnsCvVBkmGTUk0Ke//1I6PWI48TvIKFPvOvq8s06
uLG6vZT4E9nO86VwuA2Qx4WsTmM1kGurx2QpWtmTXokE2bO/ZDlV6l13qm2Qrs36
ArA0baCZct2B6fYkQfQ+MVcCNzn6TZpuafXYS9mY+WbxAgMBAAGjZDBiMB0GA1Ud
DgQWBBSw9YZOps7bguTRX9m2MibSyzQzfzAfBgNVHSMEGDAWgBSw9YZOps7bguTR
X9m2MibSyzQzfzAPBgNVHRMBAf8EBTADAQH/MA8GA1UdEQQIMAaHBH8AAAEwDQYJ
KoZIhvcNAQELBQADggEBAJrv6qQ82vImZpH99DcAbs3xltSljEGcPsqGcdRSIg0U
mwJ4xe8NLJwbKlK+F5DrusXpFpsgDKadqJy1xxgAyQwQG8k0stIyD/P4OwleYIuU
WBCRj2Bma7T/ZzjoKylV9UFu5E5qwAEhbecsiZbGRKurGboZhtWuK4gHTYIT/Yur
aaWFYe0yVeGt/phgLugc17SEhPb5V6ATh3LIUxQrHH26LKa4U1WejUZUwLxUh32r
KPbSa372Z/zAUkGs4U4efndWqbk++iq7+yWMMWWNlgoBQk2yVrHM0n5oDLU2ZvwD
AgMiRBLM6GGR35ZCUd4p6CGufBicx8TmQEW9VvFS2JU=
-----END CERTIFICATE-----`;

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  at: number;
}

let recorded: Recorded[] = [];
const attemptsByKey = new Map<string, number>();

function handler(request: IncomingMessage, response: ServerResponse) {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    recorded.push({
      method: request.method ?? '',
      url: request.url ?? '',
      headers: request.headers,
      body,
      at: Date.now(),
    });
    const url = new URL(request.url ?? '/', 'http://localhost');
    const json = (status: number, value: unknown, headers: Record<string, string | string[]> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(value));
    };
    switch (url.pathname) {
      case '/echo':
        return json(
          200,
          {
            method: request.method,
            path: url.pathname,
            query: [...url.searchParams],
            contentType: request.headers['content-type'] ?? null,
            authorization: request.headers.authorization ?? null,
            body: body.toString('utf8'),
          },
          { 'set-cookie': ['a=1; Path=/', 'b=2; Path=/'], 'x-request-id': 'req-7' },
        );
      case '/text':
        response.writeHead(200, { 'content-type': 'text/plain' });
        return response.end('{"looks":"like json"}');
      case '/binary':
        response.writeHead(200, { 'content-type': 'image/png' });
        return response.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]));
      case '/not-json':
        response.writeHead(200, { 'content-type': 'application/json' });
        return response.end('plain words');
      case '/empty':
        response.writeHead(204);
        return response.end();
      case '/status': {
        const code = Number(url.searchParams.get('code'));
        return json(code, { error: `failure ${code}`, detail: 'x'.repeat(500) });
      }
      case '/flaky': {
        const key = url.searchParams.get('key') ?? '';
        const count = (attemptsByKey.get(key) ?? 0) + 1;
        attemptsByKey.set(key, count);
        const failures = Number(url.searchParams.get('fail'));
        if (count <= failures) return json(Number(url.searchParams.get('status') ?? 503), { attempt: count });
        return json(200, { attempt: count });
      }
      case '/slow': {
        const timer = setTimeout(() => json(200, { slow: true }), Number(url.searchParams.get('ms')));
        response.on('close', () => clearTimeout(timer));
        return;
      }
      case '/redirect': {
        response.writeHead(Number(url.searchParams.get('code') ?? 302), {
          location: url.searchParams.get('to') ?? '/echo',
        });
        return response.end();
      }
      case '/leak':
        // A server that echoes the credentials it received in an error body.
        return json(400, {
          received: request.headers.authorization,
          apiKey: request.headers['x-api-key'],
          query: url.search,
        });
      default:
        return json(404, { error: 'no such route' });
    }
  });
}

let server: Server;
let otherServer: Server;
let tlsServer: Server;
let base = '';
let otherBase = '';

function listen(target: Server): Promise<string> {
  return new Promise((resolve) => {
    target.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(target.address() as AddressInfo).port}`));
  });
}

beforeAll(async () => {
  server = createHttpServer(handler);
  otherServer = createHttpServer(handler);
  tlsServer = createHttpsServer({ key: tlsKey, cert: tlsCert }, handler);
  base = `http://${await listen(server)}`;
  otherBase = `http://${await listen(otherServer)}`;
  tlsBase = `https://${await listen(tlsServer)}`;
});
let tlsBase = '';

afterAll(async () => {
  await loopbackEgress.close();
  for (const target of [server, otherServer, tlsServer]) {
    target.closeAllConnections();
    await new Promise((resolve) => target.close(resolve));
  }
});

beforeEach(() => {
  recorded = [];
});

/**
 * The servers of these tests listen on 127.0.0.1, which the egress guard refuses by default: every call below
 * gets an HTTP port (the engine's `context.http`) whose policy opens 127.0.0.1 and nothing else, as a server with
 * WEFT_EGRESS_ALLOW=127.0.0.1 would. The guard's own tests ('http component: the egress guard') call without it.
 */
const loopbackEgress = new Egress(egressPolicy('127.0.0.1'));
const call = (action: string, params: Record<string, unknown>, context: Partial<ActionContext> = {}) =>
  invokeAction(httpComponent, action, params, { http: loopbackEgress, ...context } as Partial<ActionContext>);
const data = async (action: string, params: Record<string, unknown>) =>
  (await call(action, params)).result?.data;

describe('http component: manifest', () => {
  it('has the catalog entry as its manifest, and documents every action and input', () => {
    expect(manifestShape(componentManifest(httpComponent))).toEqual(manifestShape(catalogEntry));
    for (const operation of Object.values(httpComponent.actions)) {
      expect(operation.display.description.length).toBeGreaterThan(10);
      for (const input of operation.inputs)
        expect(input.comments, `${operation.key}.${input.key}`).toBeTruthy();
    }
  });
});

describe('http component: connections', () => {
  /** Connections without labels and descriptions, to compare keys, grants, input types and defaults. */
  const connectionShapes = (connections: Record<string, unknown> | undefined) =>
    Object.fromEntries(
      Object.entries(connections ?? {}).map(([key, connection]) => {
        const {
          label: _label,
          description: _description,
          inputs,
          ...rest
        } = connection as { label?: string; description?: string; inputs: Array<Record<string, unknown>> };
        return [key, { ...rest, inputs: inputs.map(({ label: _inputLabel, ...input }) => input) }];
      }),
    );

  it('declares the same connections as the catalog entry, each input documented', () => {
    const manifest = componentManifest(httpComponent);
    expect(connectionShapes(manifest.connections)).toEqual(connectionShapes(catalogEntry.connections));
    for (const connection of httpComponent.connections) {
      expect(connection.comments, connection.key).toBeTruthy();
      for (const input of connection.inputs)
        expect(input.comments, `${connection.key}.${input.key}`).toBeTruthy();
    }
  });

  it('gives the server generic connections: secrets as passwords, the OAuth 2.0 grants and well-known keys', () => {
    const connections = builtinCatalog.find((component) => component.key === 'http')?.connections ?? {};
    expect(Object.keys(connections)).toEqual([
      'basic',
      'apiKey',
      'bearerToken',
      'oauth2',
      'oauth2ClientCredentials',
    ]);
    const inputs = (key: string) =>
      Object.fromEntries(
        (connections[key]?.inputs ?? []).map((input) => [
          input.key,
          [input.type, input.required ?? false, input.default ?? null],
        ]),
      );
    expect(inputs('basic')).toEqual({ username: ['string', true, null], password: ['password', true, null] });
    expect(inputs('apiKey')).toEqual({
      apiKey: ['password', true, null],
      location: ['picklist', false, 'header'],
      headerName: ['string', false, 'Authorization'],
      prefix: ['string', false, null],
      queryParamName: ['string', false, 'api_key'],
    });
    expect(connections.apiKey?.inputs[1]?.model?.map((choice) => choice.value)).toEqual(['header', 'query']);
    expect(inputs('bearerToken')).toEqual({ token: ['password', true, null] });
    expect(connections.oauth2).toMatchObject({ oauth2Type: 'authorization_code', oauth2PkceMethod: 'S256' });
    expect(inputs('oauth2')).toEqual({
      authorizeUrl: ['string', true, null],
      tokenUrl: ['string', true, null],
      refreshUrl: ['string', false, null],
      revokeUrl: ['string', false, null],
      scopes: ['string', false, null],
      clientId: ['string', true, null],
      clientSecret: ['password', false, null],
    });
    expect(connections.oauth2ClientCredentials).toMatchObject({ oauth2Type: 'client_credentials' });
    expect(connections.oauth2ClientCredentials).not.toHaveProperty('oauth2PkceMethod');
    expect(inputs('oauth2ClientCredentials')).toEqual({
      tokenUrl: ['string', true, null],
      scopes: ['string', false, null],
      clientId: ['string', true, null],
      clientSecret: ['password', true, null],
    });
  });
});

describe('http component: requests', () => {
  it('GET sends query parameters (encoded, repeated) and parses the JSON response', async () => {
    const result = (await data('httpGet', {
      url: `${base}/echo?fixed=1`,
      queryParams: [
        { key: 'q', value: 'a b&c' },
        { key: 'tag', value: 'x' },
        { key: 'tag', value: 'y' },
      ],
      headers: [{ key: 'X-Custom', value: 'hello' }],
    })) as Record<string, unknown>;
    expect(result.method).toBe('GET');
    expect(result.query).toEqual([
      ['fixed', '1'],
      ['q', 'a b&c'],
      ['tag', 'x'],
      ['tag', 'y'],
    ]);
    expect(recorded[0]?.url).toBe('/echo?fixed=1&q=a+b%26c&tag=x&tag=y');
    expect(recorded[0]?.headers['x-custom']).toBe('hello');
    expect(recorded[0]?.headers.accept).toBe('application/json, text/plain, */*');
  });

  it('POST, PUT and PATCH send objects and JSON text as JSON, other text as text, files as bytes', async () => {
    const post = (await data('httpPost', {
      url: `${base}/echo`,
      data: { name: 'Ada', n: [1, 2] },
    })) as Record<string, unknown>;
    expect(post).toMatchObject({
      method: 'POST',
      contentType: 'application/json',
      body: '{"name":"Ada","n":[1,2]}',
    });
    const put = (await data('httpPut', { url: `${base}/echo`, data: ' [1, 2] ' })) as Record<string, unknown>;
    expect(put).toMatchObject({ method: 'PUT', contentType: 'application/json', body: ' [1, 2] ' });
    const patch = (await data('httpPatch', {
      url: `${base}/echo`,
      data: 'a=1&b=2',
      headers: [{ key: 'content-type', value: 'application/x-www-form-urlencoded' }],
    })) as Record<string, unknown>;
    expect(patch).toMatchObject({
      method: 'PATCH',
      contentType: 'application/x-www-form-urlencoded',
      body: 'a=1&b=2',
    });
    const text = (await data('httpPost', { url: `${base}/echo`, data: 'hello' })) as Record<string, unknown>;
    expect(text.contentType).toBe('text/plain;charset=UTF-8');
    await data('httpPost', {
      url: `${base}/echo`,
      data: { data: Buffer.from([1, 2, 3]), contentType: 'application/pdf' },
    });
    expect(recorded.at(-1)?.headers['content-type']).toBe('application/pdf');
    expect([...(recorded.at(-1)?.body ?? [])]).toEqual([1, 2, 3]);
  });

  it('DELETE sends no body', async () => {
    const result = (await data('httpDelete', { url: `${base}/echo` })) as Record<string, unknown>;
    expect(result).toMatchObject({ method: 'DELETE', body: '' });
    expect(recorded[0]?.headers['content-length'] ?? '0').toBe('0');
  });

  it('posts multipart form data with fields and named files', async () => {
    const result = (await data('httpPostFormData', {
      url: `${base}/echo`,
      httpMethod: 'put',
      formData: [
        { key: 'title', value: 'Quarterly report' },
        { key: 'count', value: 3 },
      ],
      fileData: [
        { key: 'document', value: { data: Buffer.from('%PDF-1.7 body'), contentType: 'application/pdf' } },
        { key: 'notes', value: Buffer.from('plain notes') },
      ],
      fileDataFileNames: [{ key: 'document', value: 'report.pdf' }],
      headers: [{ key: 'Content-Type', value: 'multipart/form-data' }],
    })) as Record<string, string>;
    expect(result.method).toBe('PUT');
    expect(result.contentType).toMatch(/^multipart\/form-data; boundary=/);
    const body = result.body ?? '';
    expect(body).toContain('Content-Disposition: form-data; name="title"\r\n\r\nQuarterly report\r\n');
    expect(body).toContain('Content-Disposition: form-data; name="count"\r\n\r\n3\r\n');
    expect(body).toContain(
      'Content-Disposition: form-data; name="document"; filename="report.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.7 body\r\n',
    );
    expect(body).toContain(
      'Content-Disposition: form-data; name="notes"; filename="notes"\r\nContent-Type: application/octet-stream\r\n\r\nplain notes\r\n',
    );
  });
});

describe('http component: authentication', () => {
  const authorizationOf = async (connection: unknown, headers: unknown[] = []) => {
    await data('httpGet', { url: `${base}/echo`, connection, headers });
    return recorded.at(-1)?.headers;
  };

  it('basic connections send Authorization: Basic', async () => {
    const headers = await authorizationOf({
      key: 'basic',
      configVarKey: 'c',
      fields: { username: 'ada', password: 'pa:ss' },
    });
    expect(headers?.authorization).toBe(`Basic ${Buffer.from('ada:pa:ss').toString('base64')}`);
  });

  it('API key connections send Bearer by default, or the key in their own header', async () => {
    expect((await authorizationOf({ key: 'apiKey', fields: { apiKey: 'k-123' } }))?.authorization).toBe(
      'Bearer k-123',
    );
    const custom = await authorizationOf({
      key: 'apiKey',
      fields: { apiKey: 'k-456', headerName: 'X-API-Key' },
    });
    expect(custom?.['x-api-key']).toBe('k-456');
    expect(custom?.authorization).toBeUndefined();
  });

  it('OAuth 2.0 tokens and token fields send Bearer, overriding a header of the same name', async () => {
    const oauth = await authorizationOf(
      {
        key: 'oauth2',
        fields: { clientId: 'id', clientSecret: 'cs' },
        token: { access_token: 'tok-789', token_type: 'bearer' },
      },
      [{ key: 'Authorization', value: 'Bearer stale' }],
    );
    expect(oauth?.authorization).toBe('Bearer tok-789');
    expect((await authorizationOf({ key: 'bearer', fields: { token: 'tok-abc' } }))?.authorization).toBe(
      'Bearer tok-abc',
    );
  });

  it('sends no Authorization without a connection, and refuses a connection without usable credentials', async () => {
    expect((await authorizationOf(undefined))?.authorization).toBeUndefined();
    await expect(
      data('httpGet', { url: `${base}/echo`, connection: { key: 'weird', fields: { region: 'eu' } } }),
    ).rejects.toThrow(/connection 'weird' has no credentials the HTTP component can use/);
  });

  it('turns credentials written in the URL into Basic auth', async () => {
    await data('httpGet', { url: `${base.replace('http://', 'http://ada:s%40cret@')}/echo` });
    expect(recorded[0]?.headers.authorization).toBe(`Basic ${Buffer.from('ada:s@cret').toString('base64')}`);
  });

  it('never logs the Authorization header or connection secrets with Debug Request', async () => {
    const { logs } = await call('httpPost', {
      url: `${base}/echo`,
      queryParams: [
        { key: 'api_key', value: 'query-secret-1' },
        { key: 'page', value: '2' },
      ],
      data: { note: 'contains super-secret-pw inside' },
      connection: { key: 'basic', fields: { username: 'ada', password: 'super-secret-pw' } },
      debugRequest: true,
    });
    const text = logs.map((log) => log.message).join('\n');
    expect(logs.length).toBe(2);
    expect(text).toContain('"type":"request"');
    expect(text).toContain('"method":"POST"');
    expect(text).toContain('page=2');
    expect(text).toContain('"status":200');
    expect(text).toContain('[REDACTED]');
    const basicValue = Buffer.from('ada:super-secret-pw').toString('base64');
    for (const secret of ['super-secret-pw', basicValue, 'query-secret-1'])
      expect(text).not.toContain(secret);
    // The echoed response carries the Authorization header the server received: masked too.
    expect(text).not.toMatch(/Basic [A-Za-z0-9+/=]{8,}/);
  });

  it('keeps secrets out of error messages, even when the server echoes them', async () => {
    const failure = data('httpGet', {
      url: `${base}/leak?token=query-secret-2`,
      connection: { key: 'apiKey', fields: { apiKey: 'leaky-key-999', headerName: 'X-API-Key' } },
    });
    await expect(failure).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/leak failed with status 400/);
    const message = await failure.catch((error: Error) => error.message);
    expect(message).not.toContain('leaky-key-999');
    expect(message).not.toContain('query-secret-2');
    expect(message).toContain('[REDACTED]');
  });

  it('drops the Authorization header when a redirect leaves the origin', async () => {
    const connection = { key: 'bearer', fields: { token: 'tok-origin' } };
    await data('httpGet', { url: `${base}/redirect?to=${encodeURIComponent('/echo')}`, connection });
    expect(recorded.map((r) => [r.url.split('?')[0], r.headers.authorization])).toEqual([
      ['/redirect', 'Bearer tok-origin'],
      ['/echo', 'Bearer tok-origin'],
    ]);
    recorded = [];
    const result = (await data('httpGet', {
      url: `${base}/redirect?to=${encodeURIComponent(`${otherBase}/echo`)}`,
      connection,
    })) as Record<string, unknown>;
    expect(result.authorization).toBeNull();
  });
});

describe('http component: API keys in the query string, and the connections as the server fills them', () => {
  /** An apiKey connection with every field, as the server gives it (defaults filled in). */
  const apiKeyConnection = (fields: Record<string, string>) => ({
    key: 'apiKey',
    configVarKey: 'API',
    fields: {
      location: 'header',
      headerName: 'Authorization',
      prefix: '',
      queryParamName: 'api_key',
      ...fields,
    },
  });

  it('sends the key as ?api_key=, or in the query parameter named by the connection, and no header', async () => {
    const result = (await data('httpGet', {
      url: `${base}/echo?page=2`,
      connection: apiKeyConnection({ apiKey: 'qk-secret-1', location: 'query' }),
    })) as Record<string, unknown>;
    expect(result.query).toEqual([
      ['page', '2'],
      ['api_key', 'qk-secret-1'],
    ]);
    expect(result.authorization).toBeNull();
    await data('httpGet', {
      url: `${base}/echo`,
      connection: apiKeyConnection({ apiKey: 'qk-secret-2', location: 'query', queryParamName: 'key' }),
      // The connection's parameter wins over one of the same name, as its header does.
      queryParams: [{ key: 'key', value: 'stale' }],
    });
    expect(recorded.at(-1)?.url).toBe('/echo?key=qk-secret-2');
    await data('httpGet', {
      url: `${base}/echo`,
      connection: apiKeyConnection({ apiKey: 'qk-secret-3', location: 'query', queryParamName: '' }),
    });
    expect(recorded.at(-1)?.url).toBe('/echo?api_key=qk-secret-3');
  });

  it('masks the query parameter in debug logs, whatever its name', async () => {
    const { logs } = await call('httpGet', {
      url: `${base}/echo`,
      connection: apiKeyConnection({ apiKey: 'qk-secret-4', location: 'query', queryParamName: 'q' }),
      debugRequest: true,
    });
    const text = logs.map((log) => log.message).join('\n');
    expect(text).not.toContain('qk-secret-4');
    expect(text).toContain('/echo?q=%5BREDACTED%5D');
    // Settings such as the location ('query') are not secrets: the echoed "query" field stays readable.
    const response = JSON.parse(logs[1]?.message ?? '{}') as { data: string };
    expect(JSON.parse(response.data).query).toEqual([['q', '[REDACTED]']]);
  });

  it('keeps the key out of error messages, even when the server echoes it', async () => {
    const failure = data('httpGet', {
      url: `${base}/leak`,
      connection: apiKeyConnection({ apiKey: 'qk-secret-5', location: 'query', queryParamName: 'q' }),
    });
    await expect(failure).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:\d+\/leak failed with status 400/);
    const message = await failure.catch((error: Error) => error.message);
    expect(message).not.toContain('qk-secret-5');
    expect(message).toContain('"query":"?q=[REDACTED]"');
    const unreachable = data('httpGet', {
      url: 'http://127.0.0.1:1/nothing',
      connection: apiKeyConnection({ apiKey: 'qk-secret-6', location: 'query' }),
    });
    await expect(unreachable).rejects.toThrow(/GET http:\/\/127\.0\.0\.1:1\/nothing failed/);
    expect(await unreachable.catch((error: Error) => error.message)).not.toContain('qk-secret-6');
  });

  it('keeps the key on redirects within the origin and drops it from redirects to another', async () => {
    const connection = apiKeyConnection({ apiKey: 'qk-secret-7', location: 'query' });
    await data('httpGet', { url: `${base}/redirect?to=${encodeURIComponent('/echo')}`, connection });
    expect(recorded.map((r) => r.url)).toEqual([
      '/redirect?to=%2Fecho&api_key=qk-secret-7',
      '/echo?api_key=qk-secret-7',
    ]);
    const result = (await data('httpGet', {
      url: `${base}/redirect?to=${encodeURIComponent(`${otherBase}/echo?api_key=qk-secret-7&page=1`)}`,
      connection,
    })) as Record<string, unknown>;
    expect(result.query).toEqual([['page', '1']]);
  });

  it('sends the header key with the prefix: empty means Bearer in Authorization, none means the key alone', async () => {
    const authorization = async (fields: Record<string, string>) => {
      await data('httpGet', { url: `${base}/echo`, connection: apiKeyConnection(fields) });
      return recorded.at(-1)?.headers;
    };
    expect((await authorization({ apiKey: 'hk-1' }))?.authorization).toBe('Bearer hk-1');
    expect((await authorization({ apiKey: 'hk-2', prefix: 'Token' }))?.authorization).toBe('Token hk-2');
    expect((await authorization({ apiKey: 'hk-3', prefix: 'none' }))?.authorization).toBe('hk-3');
    const custom = await authorization({ apiKey: 'hk-4', headerName: 'X-API-Key' });
    expect(custom?.['x-api-key']).toBe('hk-4');
    expect(custom?.authorization).toBeUndefined();
    expect(recorded.at(-1)?.url).toBe('/echo');
  });

  it('authenticates with the basic, bearerToken and OAuth 2.0 connections, and says when a token is missing', async () => {
    await data('httpGet', {
      url: `${base}/echo`,
      connection: { key: 'basic', configVarKey: 'B', fields: { username: 'ada', password: 'pw-1234' } },
    });
    expect(recorded.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from('ada:pw-1234').toString('base64')}`,
    );
    await data('httpGet', {
      url: `${base}/echo`,
      connection: { key: 'bearerToken', configVarKey: 'T', fields: { token: 'bt-1234' } },
    });
    expect(recorded.at(-1)?.headers.authorization).toBe('Bearer bt-1234');
    const oauth2Fields = {
      tokenUrl: 'https://auth.example.test/token',
      scopes: 'read',
      clientId: 'client-1',
      clientSecret: 'cs-1234',
    };
    await data('httpGet', {
      url: `${base}/echo`,
      connection: {
        key: 'oauth2ClientCredentials',
        configVarKey: 'O',
        fields: oauth2Fields,
        token: { access_token: 'at-1234', token_type: 'Bearer', expires_at: '2100-01-01T00:00:00Z' },
      },
    });
    expect(recorded.at(-1)?.headers.authorization).toBe('Bearer at-1234');
    await expect(
      data('httpGet', {
        url: `${base}/echo`,
        connection: {
          key: 'oauth2',
          configVarKey: 'O',
          fields: { ...oauth2Fields, authorizeUrl: 'https://a.test' },
        },
      }),
    ).rejects.toThrow(/the OAuth 2\.0 connection 'oauth2' has no access token: authorize the connection/);
  });
});

describe('http component: responses', () => {
  it('reads responses as json, text (even when it looks like JSON) or binary', async () => {
    expect(await data('httpGet', { url: `${base}/text` })).toEqual({ looks: 'like json' });
    expect(await data('httpGet', { url: `${base}/text`, responseType: 'text' })).toBe(
      '{"looks":"like json"}',
    );
    expect(await data('httpGet', { url: `${base}/not-json` })).toBe('plain words');
    expect(await data('httpGet', { url: `${base}/empty` })).toBe('');
    const { result } = await call('httpGet', { url: `${base}/binary`, responseType: 'binary' });
    expect(result?.contentType).toBe('image/png');
    expect(Buffer.isBuffer(result?.data)).toBe(true);
    expect([...((result?.data ?? Buffer.alloc(0)) as Buffer)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]);
  });

  it('returns the full response: data, headers (set-cookie as a list), status, statusText', async () => {
    const full = (await data('httpPost', {
      url: `${base}/echo`,
      data: { a: 1 },
      includeFullResponse: 'true',
    })) as {
      data: Record<string, unknown>;
      headers: Record<string, unknown>;
      status: number;
      statusText: string;
    };
    expect(full.status).toBe(200);
    expect(full.statusText).toBe('OK');
    expect(full.data.body).toBe('{"a":1}');
    expect(full.headers['x-request-id']).toBe('req-7');
    expect(full.headers['content-type']).toBe('application/json');
    expect(full.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('fails on 404 and 500 with the method, URL without query, status and a body excerpt', async () => {
    await expect(data('httpGet', { url: `${base}/nowhere?secret=1` })).rejects.toThrow(
      /^GET http:\/\/127\.0\.0\.1:\d+\/nowhere failed with status 404 Not Found: \{"error":"no such route"\}\. Check the URL\.$/,
    );
    const failure = data('httpPost', { url: `${base}/status?code=500`, data: {} });
    await expect(failure).rejects.toThrow(
      /^POST http:\/\/127\.0\.0\.1:\d+\/status failed with status 500 Internal Server Error: \{"error":"failure 500"/,
    );
    const error = (await failure.catch((e: unknown) => e)) as Error & {
      response: { status: number; data: unknown };
    };
    expect(error.message.length).toBeLessThan(450); // the excerpt is short, the 500-character detail cut
    expect(error.response.status).toBe(500);
    expect(error.response.data).toMatchObject({ error: 'failure 500' });
  });

  it('follows redirects up to Max Redirects, 303 turning a POST into a GET', async () => {
    const result = (await data('httpPost', {
      url: `${base}/redirect?code=303&to=${encodeURIComponent('/echo')}`,
      data: { a: 1 },
    })) as Record<string, unknown>;
    expect(result).toMatchObject({ method: 'GET', body: '', contentType: null });
    const kept = (await data('httpPut', {
      url: `${base}/redirect?code=307&to=${encodeURIComponent('/echo')}`,
      data: { a: 1 },
    })) as Record<string, unknown>;
    expect(kept).toMatchObject({ method: 'PUT', body: '{"a":1}' });
    await expect(
      data('httpGet', { url: `${base}/redirect?to=${encodeURIComponent('/echo')}`, maxRedirects: '0' }),
    ).rejects.toThrow(
      /was redirected more than Max Redirects \(0\) times; the last redirect \(302\) went to http:\/\/127\.0\.0\.1:\d+\/echo/,
    );
  });
});

describe('http component: timeouts, retries, cancellation, TLS', () => {
  it('times out an attempt after Timeout ms', async () => {
    const started = Date.now();
    await expect(data('httpGet', { url: `${base}/slow?ms=2000`, timeout: '100' })).rejects.toThrow(
      /^GET http:\/\/127\.0\.0\.1:\d+\/slow timed out after 100 ms; raise Timeout/,
    );
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('retries 503 with exponential backoff until success', async () => {
    const result = (await data('httpGet', {
      url: `${base}/flaky?key=backoff&fail=3`,
      maxRetries: '3',
      retryDelayMS: '20',
      useExponentialBackoff: true,
    })) as Record<string, unknown>;
    expect(result.attempt).toBe(4);
    expect(recorded).toHaveLength(4);
    const gaps = recorded.slice(1).map((r, i) => r.at - (recorded[i]?.at ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(18);
    expect(gaps[1]).toBeGreaterThanOrEqual(38);
    expect(gaps[2]).toBeGreaterThanOrEqual(78);
  });

  it('retries 429 but not 4xx by default; Retry On All Errors retries any failure', async () => {
    expect(
      await data('httpGet', {
        url: `${base}/flaky?key=rate&fail=1&status=429`,
        maxRetries: '2',
        retryDelayMS: '1',
      }),
    ).toEqual({ attempt: 2 });
    recorded = [];
    await expect(
      data('httpGet', {
        url: `${base}/flaky?key=notfound&fail=5&status=404`,
        maxRetries: '2',
        retryDelayMS: '1',
      }),
    ).rejects.toThrow(/failed with status 404 Not Found: \{"attempt":1\}/);
    expect(recorded).toHaveLength(1);
    recorded = [];
    await expect(
      data('httpGet', {
        url: `${base}/flaky?key=all&fail=5&status=404`,
        maxRetries: '2',
        retryDelayMS: '1',
        retryOnAllErrors: 'true',
      }),
    ).rejects.toThrow(/failed with status 404 Not Found \(after 3 attempts\): \{"attempt":3\}/);
    expect(recorded).toHaveLength(3);
  });

  it('gives up after Max Retry Count on a 500', async () => {
    await expect(
      data('httpGet', {
        url: `${base}/flaky?key=always&fail=99&status=500`,
        maxRetries: '1',
        retryDelayMS: '1',
      }),
    ).rejects.toThrow(/status 500 Internal Server Error \(after 2 attempts\)/);
    expect(recorded).toHaveLength(2);
  });

  it('retries network errors and says why it failed', async () => {
    const closed = createHttpServer();
    const address = await listen(closed);
    await new Promise((resolve) => closed.close(resolve));
    await expect(
      data('httpGet', { url: `http://${address}/x`, maxRetries: '2', retryDelayMS: '1' }),
    ).rejects.toThrow(/^GET http:\/\/127\.0\.0\.1:\d+\/x failed: .*ECONNREFUSED.* \(after 3 attempts\)$/);
  });

  it('stops when the execution is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(
      call('httpGet', { url: `${base}/slow?ms=3000` }, {
        signal: controller.signal,
      } as Partial<ActionContext>),
    ).rejects.toThrow(/was cancelled: the execution was stopped/);
  });

  it('refuses a self-signed certificate unless Ignore SSL Errors is on', async () => {
    await expect(data('httpGet', { url: `${tlsBase}/echo` })).rejects.toThrow(
      /TLS certificate is not trusted .*turn on Ignore SSL Errors/,
    );
    const result = (await data('httpPost', {
      url: `${tlsBase}/echo`,
      data: { secure: false },
      ignoreSslErrors: true,
    })) as Record<string, unknown>;
    expect(result).toMatchObject({ method: 'POST', body: '{"secure":false}' });
  });

  it('rejects a URL without a scheme and bad number inputs with clear messages', async () => {
    await expect(data('httpGet', { url: 'example.com/x' })).rejects.toThrow(
      /not a valid absolute URL.*include the scheme/,
    );
    await expect(data('httpGet', { url: 'ftp://example.com/x' })).rejects.toThrow(
      /must be an http:\/\/ or https:\/\/ URL/,
    );
    await expect(data('httpGet', { url: `${base}/echo`, maxRetries: 'three' })).rejects.toThrow(
      /input 'maxRetries' \(Max Retry Count\): expected a number, got 'three'/,
    );
  });
});

describe('http component: the egress guard', () => {
  /** A call as a caller that gave no HTTP port makes it: the guarded default applies. */
  const unguardedCall = (params: Record<string, unknown>) =>
    invokeAction(httpComponent, 'httpGet', params, {}).then((outcome) => outcome.result?.data);

  it('refuses loopback by default, with the code, the host, the address and what to do; nothing is sent', async () => {
    const port = new URL(base).port;
    for (const url of [`${base}/echo`, `http://localhost:${port}/echo`, `http://2130706433:${port}/echo`]) {
      const failure = await unguardedCall({ url, maxRetries: '3', retryDelayMS: '1' }).catch(
        (error: Error & { code?: string }) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error & { code?: string }).code).toBe('EGRESS_ADDRESS_REFUSED');
      expect((failure as Error).message).toMatch(
        /^GET http:\/\/(127\.0\.0\.1|localhost):\d+\/echo failed: Refused to connect to (127\.0\.0\.1|localhost)( \(it resolves to 127\.0\.0\.1\))?: 127\.0\.0\.1 is in the loopback \(this machine\) range\..*ask the operator to add it to WEFT_EGRESS_ALLOW\.$/,
      );
    }
    // Refused before any connection, and never retried.
    expect(recorded).toEqual([]);
  });

  it('refuses a redirect into a refused address, even from an allowed server', async () => {
    // 127.0.0.2 is loopback too, but not the 127.0.0.1 the test policy opens.
    const target = createHttpServer(handler);
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.2', resolve));
    const elsewhere = `http://127.0.0.2:${(target.address() as AddressInfo).port}/echo`;
    try {
      for (const to of [elsewhere, 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/']) {
        await expect(
          data('httpGet', { url: `${base}/redirect?to=${encodeURIComponent(to)}` }),
        ).rejects.toMatchObject({ code: 'EGRESS_ADDRESS_REFUSED' });
      }
      await expect(
        data('httpGet', { url: `${base}/redirect?to=${encodeURIComponent('http://169.254.169.254/x')}` }),
      ).rejects.toThrow(/169\.254\.169\.254 is in the cloud metadata range/);
      // The allowed server saw each first request; the refused one nothing.
      expect(recorded.map((entry) => entry.url.split('?')[0])).toEqual(Array(4).fill('/redirect'));
    } finally {
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it('keeps the guard with Ignore SSL Errors on', async () => {
    await expect(unguardedCall({ url: `${tlsBase}/echo`, ignoreSslErrors: true })).rejects.toMatchObject({
      code: 'EGRESS_ADDRESS_REFUSED',
    });
    expect(recorded).toEqual([]);
  });
});
