/**
 * The `http` built-in: GET, POST, PUT, PATCH and DELETE requests and multipart form uploads, with Node's `fetch`.
 *
 * Keys, inputs and defaults are those of Prismatic's documentation, transcribed in the test fixture
 * `test/fixtures/catalog/http.ts`; the behaviour follows Prismatic's HTTP component and Spectral's HTTP client:
 * - Authentication from the optional connection, one of the component's connections (`basic`, `apiKey`,
 *   `bearerToken`, `oauth2`, `oauth2ClientCredentials`) or any connection with fields of the same names: an OAuth 2.0
 *   token (`token.access_token` → `Authorization: Bearer`), an API key (`fields.apiKey`: in the header
 *   `fields.headerName`, default `Authorization` with the prefix `fields.prefix`, default `Bearer`, as Spectral sends
 *   it; or with `fields.location` `query`, in the query parameter `fields.queryParamName`, default `api_key`), a
 *   token field (`fields.token` → `Bearer`), or a username and password (`Authorization: Basic`). The connection's
 *   header or query parameter wins over one of the same name in Headers or Query Parameter.
 * - Body (`data`): objects, arrays and JSON text are sent as JSON; other text as text/plain; a file
 *   (`{data: Buffer, contentType}`) or a Buffer as its bytes. A Content-Type header overrides the guessed type.
 * - Response Type: `json` parses JSON (and gives the text when it is not JSON), `text` gives the text, `binary` gives
 *   `{data: Buffer, contentType}`. Include Full Response gives `{data, headers, status, statusText}`.
 * - Retries: up to Max Retry Count more attempts after a network error, a timeout, a 429 or a 5xx (any failure with
 *   Retry On All Errors), waiting Retry Delay (ms) between attempts, doubled each time with exponential backoff
 *   (starting from 100 ms when no delay is set), and at least as long as a 429/503 Retry-After asks (up to 60 s).
 * - Timeout (ms) bounds each attempt, body included; the execution's abort signal, when the engine gives one,
 *   cancels the request and any wait.
 * - Redirects are followed up to Max Redirects; a redirect to another origin drops the Authorization and Cookie
 *   headers, and 303 (and 301/302 after a POST) continue with a GET.
 * - A response outside 2xx (after the retries) is an error naming the method, the URL without its query string or
 *   credentials, the status and the start of the body.
 * - Debug Request logs the request and response with Authorization, cookies, API-key headers and query parameters,
 *   secret-looking query parameters and every connection secret masked.
 * - Ignore SSL Errors sends the request through an undici Agent that does not verify the server's certificate.
 * - Every request (each redirect and retry too) goes through the egress policy (`@weft/egress`): the SSRF guard
 *   refuses loopback, private, link-local and metadata addresses unless the operator's allow-list opens them. The
 *   engine's HTTP port (`context.http`) carries the caller's policy; without one, the guarded default applies. A
 *   refused address fails the step at once (no retry) with EGRESS_ADDRESS_REFUSED and a message naming the host,
 *   the address and what to do.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultEgress, egressRefusalIn } from '@weft/egress';
import type { ActionContext, ActionPerformReturn } from '@weft/sdk';
import {
  action,
  type Component,
  component,
  connection,
  input,
  OAuth2PkceMethod,
  OAuth2Type,
  oauth2Connection,
} from '@weft/sdk';
import {
  isBinaryPayload,
  isBlank,
  isSerializedBuffer,
  keyValueEntries,
  preview,
  scalarText,
  toBool,
  toBytes,
  toNonNegativeInt,
  toOptionalNumber,
} from './support-formats.js';

type ResponseType = 'json' | 'text' | 'binary';

// ---------------------------------------------------------------------------------------------------------------
// Authentication and secrets

interface Authentication {
  headers: Record<string, string>;
  /** Query parameters the connection adds (an API key sent as `?api_key=...`). */
  query: Record<string, string>;
  /** Values that must never reach a log line or an error message. */
  secrets: string[];
}

/** Connection fields that configure rather than authenticate; everything else is treated as a secret. */
const nonSecretFields = new Set([
  'headername',
  'header',
  'prefix',
  'scheme',
  'location',
  'queryparamname',
  'tokentype',
  'authorizeurl',
  'tokenurl',
  'refreshurl',
  'revokeurl',
  'scopes',
  'scope',
  'baseurl',
  'url',
]);
const nonSecretTokenFields = new Set(['token_type', 'scope', 'expires_in', 'expires_at', 'expires', 'id']);
const oauth2ConnectionKeys = new Set(['oauth2', 'oauth2ClientCredentials']);

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function nonBlankString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * The prefix of an API key in its header. A deployer cannot tell an empty Prefix from an unset one, so empty means
 * the default (`Bearer` in Authorization, nothing in other headers), and `none` is how to send the key alone.
 */
function apiKeyPrefix(fields: Record<string, unknown>, headerName: string): string {
  const prefix = typeof fields.prefix === 'string' ? fields.prefix.trim() : '';
  if (prefix.toLowerCase() === 'none') return '';
  if (prefix !== '') return prefix;
  return headerName.toLowerCase() === 'authorization' ? 'Bearer' : '';
}

export function connectionAuthentication(connection: unknown): Authentication {
  if (isBlank(connection)) return { headers: {}, query: {}, secrets: [] };
  if (typeof connection !== 'object' || Array.isArray(connection)) {
    throw new Error(
      `input 'connection' must be a connection (a connection config variable), got ${typeof connection === 'string' ? 'text' : preview(connection)}`,
    );
  }
  const { key, fields: rawFields, token: rawToken } = connection as Record<string, unknown>;
  const fields = record(rawFields);
  const token = record(rawToken);
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (!nonSecretFields.has(name.toLowerCase()) && typeof value === 'string') secrets.push(value);
  }
  for (const [name, value] of Object.entries(token)) {
    if (!nonSecretTokenFields.has(name) && typeof value === 'string') secrets.push(value);
  }
  const done = (headers: Record<string, string>, query: Record<string, string> = {}): Authentication => ({
    headers,
    query,
    secrets: [...secrets, ...Object.values(headers), ...Object.values(query)],
  });

  const accessToken = nonBlankString(token.access_token) ?? nonBlankString(token.accessToken);
  if (accessToken) return done({ Authorization: `Bearer ${accessToken}` });

  const apiKey = nonBlankString(fields.apiKey) ?? nonBlankString(fields.api_key);
  if (apiKey) {
    // Anything but `query` means the header, as before connections had a location.
    if (nonBlankString(fields.location)?.trim().toLowerCase() === 'query') {
      const name = nonBlankString(fields.queryParamName)?.trim() ?? 'api_key';
      return done({}, { [name]: apiKey });
    }
    const headerName = nonBlankString(fields.headerName) ?? nonBlankString(fields.header) ?? 'Authorization';
    const prefix = apiKeyPrefix(fields, headerName);
    return done({ [headerName]: prefix ? `${prefix} ${apiKey}` : apiKey });
  }

  const bearer =
    nonBlankString(fields.token) ?? nonBlankString(fields.accessToken) ?? nonBlankString(fields.bearerToken);
  if (bearer) return done({ Authorization: `Bearer ${bearer}` });

  const username = nonBlankString(fields.username) ?? nonBlankString(fields.user);
  if (username !== undefined) {
    const password = typeof fields.password === 'string' ? fields.password : '';
    return done({ Authorization: basic(username, password) });
  }

  if (typeof key === 'string' && oauth2ConnectionKeys.has(key)) {
    throw new Error(
      `the OAuth 2.0 connection '${key}' has no access token: authorize the connection (or check that its token request succeeds), then run the step again`,
    );
  }
  throw new Error(
    `the connection '${String(key ?? '')}' has no credentials the HTTP component can use: it needs an OAuth 2.0 access token, an apiKey field, a token field, or username and password fields`,
  );
}

/** Replaces every known secret in a text (longest first, so that one secret inside another is masked whole). */
function redactor(secrets: string[]): (text: string) => string {
  const list = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) => {
    let result = text;
    for (const secret of list) result = result.split(secret).join('[REDACTED]');
    return result;
  };
}

const sensitiveHeader =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|api[-_]?key|token|secret|password|session|signature|auth/i;
const sensitiveQuery = /key|token|secret|password|passwd|signature|^sig$|auth|session|code|credential/i;

function maskedHeaders(headers: Headers, extraSensitive: Set<string>): Record<string, string> {
  const result: Record<string, string> = {};
  headers.forEach((value, name) => {
    result[name] =
      sensitiveHeader.test(name) || extraSensitive.has(name.toLowerCase()) ? '[REDACTED]' : value;
  });
  return result;
}

/** The URL for errors: no credentials, no query string (it may carry secrets). */
function shownUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** The URL for debug logs: the query string with secret-looking and connection parameters masked. */
function loggedUrl(url: URL, secretNames: Set<string>): string {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  for (const name of new Set(copy.searchParams.keys())) {
    if (sensitiveQuery.test(name) || secretNames.has(name)) copy.searchParams.set(name, '[REDACTED]');
  }
  return copy.href;
}

/** The connection's query parameters on a URL of the origin they were meant for, and off any other. */
function withAuthQuery(url: URL, origin: string, query: Record<string, string>): URL {
  for (const [name, value] of Object.entries(query)) {
    if (url.origin === origin) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
  }
  return url;
}

// ---------------------------------------------------------------------------------------------------------------
// Request

interface RequestSpec {
  method: string;
  url: string;
  connection: unknown;
  /** The `data` input (plain requests) or a FormData (multipart). */
  data?: unknown;
  form?: FormData;
  headers: Array<[string, unknown]>;
  queryParams: Array<[string, unknown]>;
  responseType: ResponseType;
  maxRetries: number;
  retryDelayMS: number;
  useExponentialBackoff: boolean;
  retryOnAllErrors: boolean;
  timeout?: number;
  includeFullResponse: boolean;
  debugRequest: boolean;
  ignoreSslErrors: boolean;
  maxRedirects: number;
}

function targetUrl(text: string, queryParams: Array<[string, unknown]>): URL {
  const trimmed = text.trim();
  if (trimmed === '')
    throw new Error(
      `input 'url' is required: give the full URL to call, such as https://api.example.com/items`,
    );
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error(
      `input 'url' is not a valid absolute URL: ${preview(trimmed)}; include the scheme, such as https://`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`input 'url' must be an http:// or https:// URL, got ${url.protocol}//${url.host}`);
  }
  for (const [key, value] of queryParams) {
    for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(key, scalarText(item));
  }
  return url;
}

interface PreparedBody {
  body?: string | Buffer | FormData;
  contentType?: string;
}

function preparedBody(spec: RequestSpec): PreparedBody {
  if (spec.form) return { body: spec.form };
  const data = spec.data;
  if (isBlank(data)) return {};
  if (Buffer.isBuffer(data) || data instanceof Uint8Array || isSerializedBuffer(data)) {
    return { body: toBytes(data).data, contentType: 'application/octet-stream' };
  }
  if (isBinaryPayload(data)) {
    const { data: bytes, contentType } = toBytes(data);
    return { body: bytes, contentType: contentType ?? 'application/octet-stream' };
  }
  if (typeof data === 'string') {
    const text = data.trim();
    if (text.startsWith('{') || text.startsWith('[')) {
      try {
        JSON.parse(text);
        return { body: data, contentType: 'application/json' };
      } catch {
        // not JSON after all: sent as text
      }
    }
    return { body: data, contentType: 'text/plain;charset=UTF-8' };
  }
  return { body: JSON.stringify(data), contentType: 'application/json' };
}

function requestHeaders(spec: RequestSpec, body: PreparedBody, auth: Authentication): Headers {
  const headers = new Headers();
  for (const [name, value] of spec.headers) {
    try {
      headers.append(name, scalarText(value));
    } catch {
      throw new Error(
        `header ${preview(name)} is not a valid HTTP header (check its name and value in Headers)`,
      );
    }
  }
  if (body.body instanceof FormData)
    headers.delete('content-type'); // fetch writes it with the boundary
  else if (body.contentType && !headers.has('content-type')) headers.set('content-type', body.contentType);
  if (!headers.has('accept')) headers.set('accept', 'application/json, text/plain, */*');
  for (const [name, value] of Object.entries(auth.headers)) headers.set(name, value);
  return headers;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** The engine's HTTP port (`context.http`): outbound requests under the caller's egress policy. */
interface HttpPort {
  fetch(url: string | URL, init?: RequestInit, options?: { ignoreTlsErrors?: boolean }): Promise<Response>;
}

/**
 * The fetch of one request: through the caller's HTTP port, or the guarded default when the caller gave none, so
 * that no request leaves unguarded by accident. Ignore SSL Errors skips certificate checks, never the guard.
 */
function outboundFetch(context: ActionContext, ignoreTlsErrors: boolean): Fetch {
  const port = (context as { http?: HttpPort }).http ?? defaultEgress();
  return (url, init) => port.fetch(url, init, { ignoreTlsErrors });
}

class StepError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** The error of a response outside 2xx, with the response attached as Axios does (`error.response`). */
export class HttpResponseError extends Error {
  constructor(
    message: string,
    readonly response: {
      status: number;
      statusText: string;
      headers: Record<string, unknown>;
      data: unknown;
    },
  ) {
    super(message);
    this.name = 'HttpResponseError';
  }
}

function responseHeaders(response: Response): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    result[name] = value;
  });
  const cookies = response.headers.getSetCookie?.() ?? [];
  if (cookies.length > 0) result['set-cookie'] = cookies;
  return result;
}

async function readBody(response: Response, responseType: ResponseType): Promise<unknown> {
  if (responseType === 'binary') return Buffer.from(await response.arrayBuffer());
  const text = await response.text();
  if (responseType === 'text' || text === '') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const textual = /json|xml|text|html|javascript|x-www-form-urlencoded|yaml|csv/i;

async function bodyExcerpt(
  response: Response,
  redact: (text: string) => string,
): Promise<{ excerpt: string; data: unknown }> {
  const bytes = Buffer.from(await response.arrayBuffer());
  const type = response.headers.get('content-type') ?? '';
  if (bytes.length === 0) return { excerpt: '', data: '' };
  if (type !== '' && !textual.test(type))
    return { excerpt: `<${bytes.length} bytes of ${type}>`, data: bytes };
  const text = bytes.toString('utf8');
  let data: unknown = text;
  try {
    data = JSON.parse(text);
  } catch {
    // keep the text
  }
  const flat = redact(text.replace(/\s+/g, ' ').trim());
  return { excerpt: flat.length > 300 ? `${flat.slice(0, 300)}…` : flat, data };
}

const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
]);

function networkFailure(error: unknown): { reason: string; certificate: boolean } {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const message =
    typeof cause?.message === 'string' ? cause.message : ((error as Error)?.message ?? String(error));
  return { reason: message, certificate: code !== undefined && certificateCodes.has(code) };
}

/**
 * Waits before a retry. Stopping the execution meanwhile ends the wait with a StepError that is not retried, so the
 * request fails with that message rather than another attempt being made.
 */
async function waitBeforeRetry(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    if (signal?.aborted) throw new StepError('the request was cancelled while waiting to retry', false);
    throw error;
  }
}

/** Seconds or an HTTP date, as milliseconds from now; undefined when absent or unreadable. */
function retryAfterMs(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function debugBody(body: PreparedBody['body'], redact: (text: string) => string): unknown {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return `<${body.length} bytes>`;
  if (body instanceof FormData) {
    const parts: Record<string, string> = {};
    for (const [name, value] of body.entries()) {
      parts[name] =
        typeof value === 'string' ? redact(value.slice(0, 200)) : `<file ${value.name}, ${value.size} bytes>`;
    }
    return parts;
  }
  return redact(body.length > 2048 ? `${body.slice(0, 2048)}… (${body.length} characters)` : body);
}

function debugData(data: unknown, redact: (text: string) => string): unknown {
  if (Buffer.isBuffer(data)) return `<${data.length} bytes>`;
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return redact(text.length > 2048 ? `${text.slice(0, 2048)}… (${text.length} characters)` : text);
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export async function sendRequest(context: ActionContext, spec: RequestSpec): Promise<ActionPerformReturn> {
  const url = targetUrl(spec.url, spec.queryParams);
  const auth = connectionAuthentication(spec.connection);
  // Credentials written in the URL (https://user:pass@host) become Basic auth when the connection gives none.
  if (url.username !== '' || url.password !== '') {
    const username = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    if (!Object.keys(auth.headers).some((name) => name.toLowerCase() === 'authorization')) {
      auth.headers.Authorization = basic(username, password);
    }
    auth.secrets.push(password, auth.headers.Authorization ?? '');
    url.username = '';
    url.password = '';
  }
  // The connection's parameters win over Query Parameter entries of the same name, as its headers win over Headers.
  withAuthQuery(url, url.origin, auth.query);
  // Secret-looking query parameters (api_key=...) are masked wherever they show up, a response echoing them included.
  for (const [name, value] of url.searchParams) if (sensitiveQuery.test(name)) auth.secrets.push(value);
  const authQueryNames = new Set(Object.keys(auth.query));
  const redact = redactor(auth.secrets);
  const body = preparedBody(spec);
  const headers = requestHeaders(spec, body, auth);
  const authHeaderNames = new Set(Object.keys(auth.headers).map((name) => name.toLowerCase()));
  const contextSignal = (context as { signal?: AbortSignal }).signal;
  const doFetch = outboundFetch(context, spec.ignoreSslErrors);
  const method = spec.method;
  const attempts = spec.maxRetries + 1;
  const label = `${method} ${shownUrl(url)}`;
  const after = (attempt: number) => (attempt > 1 ? ` (after ${attempt} attempts)` : '');

  if (spec.debugRequest) {
    context.logger.info(
      JSON.stringify({
        type: 'request',
        method,
        url: loggedUrl(url, authQueryNames),
        headers: maskedHeaders(headers, authHeaderNames),
        timeout: spec.timeout,
        data: debugBody(body.body, redact),
      }),
    );
  }

  for (let attempt = 1; ; attempt++) {
    const timeoutSignal = spec.timeout ? AbortSignal.timeout(spec.timeout) : undefined;
    const signals = [timeoutSignal, contextSignal].filter(
      (signal): signal is AbortSignal => signal !== undefined,
    );
    const signal =
      signals.length === 0 ? undefined : signals.length === 1 ? signals[0] : AbortSignal.any(signals);
    let delay = spec.useExponentialBackoff
      ? (spec.retryDelayMS > 0 ? spec.retryDelayMS : 100) * 2 ** (attempt - 1)
      : spec.retryDelayMS;
    try {
      // Follow redirects by hand, to count them and to drop credentials when the origin changes.
      let current = url;
      let currentMethod = method;
      let currentBody = body.body;
      const currentHeaders = new Headers(headers);
      let response: Response;
      for (let redirects = 0; ; redirects++) {
        response = await doFetch(current.href, {
          method: currentMethod,
          headers: currentHeaders,
          body: currentBody,
          redirect: 'manual',
          signal,
        });
        const location = response.headers.get('location');
        if (!redirectStatuses.has(response.status) || !location) break;
        await response.body?.cancel();
        const next = withAuthQuery(new URL(location, current), url.origin, auth.query);
        if (redirects >= spec.maxRedirects) {
          throw new StepError(
            `${label} was redirected more than Max Redirects (${spec.maxRedirects}) times; the last redirect (${response.status}) went to ${shownUrl(next)}`,
            false,
          );
        }
        if (
          response.status === 303 ||
          ((response.status === 301 || response.status === 302) && currentMethod === 'POST')
        ) {
          if (currentMethod !== 'HEAD') currentMethod = 'GET';
          currentBody = undefined;
          currentHeaders.delete('content-type');
        }
        if (next.origin !== current.origin) {
          for (const name of ['authorization', 'proxy-authorization', 'cookie', ...authHeaderNames])
            currentHeaders.delete(name);
        }
        current = next;
      }

      if (response.ok) {
        const data = await readBody(response, spec.responseType);
        const headersRecord = responseHeaders(response);
        if (spec.debugRequest) {
          context.logger.info(
            JSON.stringify({
              type: 'response',
              status: response.status,
              statusText: response.statusText,
              headers: maskedHeaders(response.headers, new Set()),
              data: debugData(data, redact),
            }),
          );
        }
        const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
        if (spec.includeFullResponse) {
          return {
            data: { data, headers: headersRecord, status: response.status, statusText: response.statusText },
          };
        }
        return spec.responseType === 'binary' ? { data, contentType } : { data };
      }

      const retryable = spec.retryOnAllErrors || response.status === 429 || response.status >= 500;
      if (retryable && attempt < attempts) {
        await response.body?.cancel();
        const asked = response.status === 429 || response.status === 503 ? retryAfterMs(response) : undefined;
        if (asked !== undefined) delay = Math.max(delay, Math.min(asked, 60_000));
        if (spec.debugRequest) {
          context.logger.info(
            `${label}: status ${response.status}; retrying in ${delay} ms (attempt ${attempt + 1} of ${attempts})`,
          );
        }
        await waitBeforeRetry(delay, contextSignal);
        continue;
      }
      const { excerpt, data } = await bodyExcerpt(response, redact);
      const hint =
        response.status === 401 || response.status === 403
          ? ' Check the connection and its credentials.'
          : response.status === 404
            ? ' Check the URL.'
            : '';
      throw new HttpResponseError(
        `${label} failed with status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${after(attempt)}${excerpt ? `: ${excerpt}` : ''}.${hint}`,
        {
          status: response.status,
          statusText: response.statusText,
          headers: responseHeaders(response),
          data,
        },
      );
    } catch (error) {
      if (error instanceof HttpResponseError) throw error;
      if (error instanceof StepError && !error.retryable) throw new Error(error.message);
      if (contextSignal?.aborted) throw new Error(`${label} was cancelled: the execution was stopped`);
      // A refused address stays refused: no retry, and the refusal's own code and explanation.
      const refusal = egressRefusalIn(error);
      if (refusal) {
        throw Object.assign(new Error(redact(`${label} failed: ${refusal.message}`)), { code: refusal.code });
      }
      let message: string;
      if (timeoutSignal?.aborted) {
        message = `${label} timed out after ${spec.timeout} ms${after(attempt)}; raise Timeout or check that the server answers`;
      } else {
        const { reason, certificate } = networkFailure(error);
        message = certificate
          ? `${label} failed: the server's TLS certificate is not trusted (${reason}). Fix the certificate, or turn on Ignore SSL Errors if you trust this server`
          : `${label} failed: ${reason}${after(attempt)}`;
        if (certificate) throw new Error(redact(message));
      }
      if (attempt < attempts) {
        if (spec.debugRequest)
          context.logger.info(
            `${redact(message)}; retrying in ${delay} ms (attempt ${attempt + 1} of ${attempts})`,
          );
        await waitBeforeRetry(delay, contextSignal);
        continue;
      }
      throw new Error(redact(message));
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

const connectionInput = input({
  label: 'Connection',
  type: 'connection',
  comments:
    'Optional: the credentials to send. OAuth 2.0 and bearer token connections send Authorization: Bearer; API key connections send the key in their header (default Authorization: Bearer <key>) or query parameter; basic connections send Authorization: Basic.',
});

const urlInput = input({
  label: 'URL',
  type: 'string',
  required: true,
  comments:
    'The full URL to call, including https://. Query parameters may be written here or listed under Query Parameter.',
  example: 'https://api.example.com/v1/items',
  placeholder: 'URL to call',
  clean: (value: unknown) => (isBlank(value) ? '' : scalarText(value)),
});

const dataInput = input({
  label: 'Data',
  type: 'data',
  comments:
    'The request body. Objects, arrays and JSON text are sent as JSON; other text as plain text; a file (or a reference to binary data) as its bytes. Set a Content-Type header to override the type.',
  example: '{"name": "Ada"}',
});

const responseTypeInput = input({
  label: 'Response Type',
  type: 'picklist',
  default: 'json',
  model: [
    { label: 'json', value: 'json' },
    { label: 'text', value: 'text' },
    { label: 'binary', value: 'binary' },
  ],
  comments:
    'How to read the response body: json (parsed; the text when it is not JSON), text, or binary (a file: {data, contentType}).',
  clean: (value: unknown): ResponseType => {
    const text = isBlank(value) ? 'json' : String(value).trim().toLowerCase();
    if (text === 'json' || text === 'text' || text === 'binary') return text;
    // Spectral's names for the same types.
    if (text === 'arraybuffer' || text === 'stream') return 'binary';
    if (text === 'document') return 'text';
    throw new Error(`expected json, text or binary, got ${preview(value)}`);
  },
});

const keyValues = (value: unknown) => keyValueEntries(value);

const headersInput = input({
  label: 'Header',
  type: 'string',
  collection: 'keyvaluelist',
  comments: 'Headers to send, as name/value pairs (for example Content-Type: application/xml).',
  example: 'Accept: application/json',
  clean: keyValues,
});

const queryParamsInput = input({
  label: 'Query Parameter',
  type: 'string',
  collection: 'keyvaluelist',
  comments:
    'Query parameters to add to the URL (?key1=value1&key2=value2), encoded for you; a key may repeat.',
  clean: keyValues,
});

const nonNegative = (fallback: number) => (value: unknown) => toNonNegativeInt(value, fallback);
const flag = (value: unknown) => toBool(value, false);

const retryAndResponseInputs = {
  maxRetries: input({
    label: 'Max Retry Count',
    type: 'string',
    default: '0',
    comments:
      'How many more times to try after a network error, a timeout, a 429 or a 5xx response (any failure with Retry On All Errors). 0 tries once.',
    example: '3',
    clean: nonNegative(0),
  }),
  retryDelayMS: input({
    label: 'Retry Delay (ms)',
    type: 'string',
    default: '0',
    comments: 'Milliseconds to wait before each retry (the first wait with exponential backoff).',
    example: '500',
    clean: nonNegative(0),
  }),
  useExponentialBackoff: input({
    label: 'Use Exponential Backoff',
    type: 'boolean',
    default: 'false',
    comments:
      'Double the wait after each failed attempt (starting from Retry Delay, or 100 ms when it is 0).',
    clean: flag,
  }),
  retryOnAllErrors: input({
    label: 'Retry On All Errors',
    type: 'boolean',
    default: 'false',
    comments:
      'Retry after any failed response, 4xx included; otherwise only network errors, timeouts, 429 and 5xx.',
    clean: flag,
  }),
  timeout: input({
    label: 'Timeout',
    type: 'string',
    comments:
      'Milliseconds to wait for each attempt, response body included; empty or 0 waits without limit.',
    example: '30000',
    clean: (value: unknown) => {
      const number = toOptionalNumber(value);
      if (number !== undefined && number < 0)
        throw new Error(`expected milliseconds (0 or more), got ${number}`);
      return number === 0 ? undefined : number;
    },
  }),
  includeFullResponse: input({
    label: 'Include Full Response',
    type: 'boolean',
    default: 'false',
    comments: 'Return {data, headers, status, statusText} instead of the body alone.',
    clean: flag,
  }),
  debugRequest: input({
    label: 'Debug Request',
    type: 'boolean',
    default: 'false',
    comments: 'Log the request and the response (credentials, cookies and secret query parameters masked).',
    clean: flag,
  }),
  ignoreSslErrors: input({
    label: 'Ignore SSL Errors (Not Recommended)',
    type: 'boolean',
    default: 'false',
    comments:
      'Accept any TLS certificate, even self-signed or expired. Anyone between Weft and the server could then read the traffic: use only for a server you trust while its certificate is fixed.',
    clean: flag,
  }),
  maxRedirects: input({
    label: 'Max Redirects',
    type: 'string',
    default: '5',
    comments: 'How many redirects to follow before failing; 0 fails on the first redirect.',
    clean: nonNegative(5),
  }),
};

interface CommonValues {
  connection: unknown;
  url: string;
  responseType: ResponseType;
  headers: Array<[string, unknown]>;
  queryParams: Array<[string, unknown]>;
  maxRetries: number;
  retryDelayMS: number;
  useExponentialBackoff: boolean;
  retryOnAllErrors: boolean;
  timeout: number | undefined;
  includeFullResponse: boolean;
  debugRequest: boolean;
  ignoreSslErrors: boolean;
  maxRedirects: number;
}

function spec(method: string, values: CommonValues, extra: { data?: unknown; form?: FormData }): RequestSpec {
  return {
    method,
    url: values.url,
    connection: values.connection,
    headers: values.headers,
    queryParams: values.queryParams,
    responseType: values.responseType,
    maxRetries: values.maxRetries,
    retryDelayMS: values.retryDelayMS,
    useExponentialBackoff: values.useExponentialBackoff,
    retryOnAllErrors: values.retryOnAllErrors,
    timeout: values.timeout,
    includeFullResponse: values.includeFullResponse,
    debugRequest: values.debugRequest,
    ignoreSslErrors: values.ignoreSslErrors,
    maxRedirects: values.maxRedirects,
    ...extra,
  };
}

function requestAction(method: string, withBody: boolean) {
  const description = withBody
    ? `Send an HTTP ${method} request with a body (JSON, text or a file) and return the response.`
    : `Send an HTTP ${method} request and return the response.`;
  const common = {
    responseType: responseTypeInput,
    headers: headersInput,
    queryParams: queryParamsInput,
    ...retryAndResponseInputs,
  };
  const inputs = withBody
    ? { connection: connectionInput, url: urlInput, data: dataInput, ...common }
    : { connection: connectionInput, url: urlInput, ...common };
  return action({
    display: { label: `${method} Request`, description },
    inputs,
    perform: async (context, params) => {
      const values = params as unknown as CommonValues & { data?: unknown };
      return sendRequest(context, spec(method, values, withBody ? { data: values.data } : {}));
    },
  });
}

function toFormData(
  fields: Array<[string, unknown]>,
  files: Array<[string, unknown]>,
  fileNames: Array<[string, unknown]>,
): FormData {
  const names = new Map(fileNames.map(([key, value]) => [key, scalarText(value)]));
  const form = new FormData();
  for (const [key, value] of fields) {
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, scalarText(item));
  }
  for (const [key, value] of files) {
    let bytes: { data: Buffer; contentType?: string };
    try {
      bytes = toBytes(value);
    } catch (error) {
      throw new Error(`input 'fileData': file '${key}': ${(error as Error).message}`);
    }
    const type = bytes.contentType ?? 'application/octet-stream';
    form.append(key, new Blob([bytes.data], { type }), names.get(key) || key);
  }
  return form;
}

// ---------------------------------------------------------------------------------------------------------------
// Connections

const basicConnection = connection({
  key: 'basic',
  display: {
    label: 'Basic Authentication',
    description: 'A username and password, sent as Authorization: Basic.',
  },
  inputs: {
    username: { label: 'Username', type: 'string', required: true, comments: 'The username to send.' },
    password: { label: 'Password', type: 'password', required: true, comments: 'The password to send.' },
  },
});

const apiKeyConnection = connection({
  key: 'apiKey',
  display: {
    label: 'API Key',
    description:
      'An API key, sent in a header (Authorization: Bearer <key> by default) or a query parameter.',
  },
  inputs: {
    apiKey: { label: 'API Key', type: 'password', required: true, comments: 'The API key to send.' },
    location: {
      label: 'Location',
      type: 'picklist',
      default: 'header',
      model: [
        { label: 'Header', value: 'header' },
        { label: 'Query Parameter', value: 'query' },
      ],
      comments: 'Send the key in a header, or as a query parameter of the URL.',
    },
    headerName: {
      label: 'Header Name',
      type: 'string',
      default: 'Authorization',
      comments: 'The header that carries the key (Location: header).',
      example: 'X-API-Key',
    },
    prefix: {
      label: 'Prefix',
      type: 'string',
      comments:
        'Written before the key in the header, such as Token. Empty: Bearer in the Authorization header, nothing in other headers; none: the key alone.',
      example: 'Token',
    },
    queryParamName: {
      label: 'Query Parameter Name',
      type: 'string',
      default: 'api_key',
      comments: 'The query parameter that carries the key (Location: query).',
      example: 'key',
    },
  },
});

const bearerTokenConnection = connection({
  key: 'bearerToken',
  display: { label: 'Bearer Token', description: 'A token, sent as Authorization: Bearer <token>.' },
  inputs: {
    token: { label: 'Token', type: 'password', required: true, comments: 'The token to send.' },
  },
});

const oauth2Inputs = {
  tokenUrl: {
    label: 'Token URL',
    type: 'string',
    required: true,
    comments: "The provider's OAuth 2.0 token endpoint.",
    example: 'https://auth.example.com/oauth/token',
  },
  scopes: {
    label: 'Scopes',
    type: 'string',
    comments: 'The scopes to request, separated by spaces (empty: the provider default).',
    example: 'read write offline_access',
  },
  clientId: {
    label: 'Client ID',
    type: 'string',
    required: true,
    comments: 'The client ID of the OAuth 2.0 app registered with the provider.',
  },
} as const;

const oauth2AuthorizationCodeConnection = oauth2Connection({
  key: 'oauth2',
  display: {
    label: 'OAuth 2.0 Authorization Code',
    description:
      'A user authorizes Weft at the provider; requests carry the access token, refreshed when it expires.',
  },
  oauth2Type: OAuth2Type.AuthorizationCode,
  oauth2PkceMethod: OAuth2PkceMethod.S256,
  inputs: {
    authorizeUrl: {
      label: 'Authorize URL',
      type: 'string',
      required: true,
      comments: "The provider's OAuth 2.0 authorization endpoint, where the user consents.",
      example: 'https://auth.example.com/oauth/authorize',
    },
    tokenUrl: oauth2Inputs.tokenUrl,
    refreshUrl: {
      label: 'Refresh URL',
      type: 'string',
      comments: 'Where to refresh the access token, when the provider does not use the Token URL for it.',
    },
    revokeUrl: {
      label: 'Revoke URL',
      type: 'string',
      comments: "The provider's token revocation endpoint, called when the connection is removed.",
    },
    scopes: oauth2Inputs.scopes,
    clientId: oauth2Inputs.clientId,
    clientSecret: {
      label: 'Client Secret',
      type: 'password',
      comments: 'The client secret of the OAuth 2.0 app (empty for a public client, which relies on PKCE).',
    },
  },
});

const oauth2ClientCredentialsConnection = oauth2Connection({
  key: 'oauth2ClientCredentials',
  display: {
    label: 'OAuth 2.0 Client Credentials',
    description: 'Server-to-server: Weft gets an access token with the client ID and secret.',
  },
  oauth2Type: OAuth2Type.ClientCredentials,
  inputs: {
    tokenUrl: oauth2Inputs.tokenUrl,
    scopes: oauth2Inputs.scopes,
    clientId: oauth2Inputs.clientId,
    clientSecret: {
      label: 'Client Secret',
      type: 'password',
      required: true,
      comments: 'The client secret of the OAuth 2.0 app.',
    },
  },
});

export const httpComponent: Component = component({
  key: 'http',
  public: true,
  display: {
    label: 'HTTP',
    description:
      'Send HTTP requests to any API: JSON, text, binary and multipart bodies, with retries and a connection for authentication.',
    category: 'Application Connectors',
  },
  connections: [
    basicConnection,
    apiKeyConnection,
    bearerTokenConnection,
    oauth2AuthorizationCodeConnection,
    oauth2ClientCredentialsConnection,
  ],
  actions: {
    httpGet: requestAction('GET', false),
    httpPost: requestAction('POST', true),
    httpPut: requestAction('PUT', true),
    httpPatch: requestAction('PATCH', true),
    httpDelete: requestAction('DELETE', false),
    httpPostFormData: action({
      display: {
        label: 'POST/PUT Form Data Request',
        description:
          'Send a multipart/form-data request with POST or PUT: form fields and files (often used to upload files).',
      },
      inputs: {
        connection: connectionInput,
        url: urlInput,
        httpMethod: input({
          label: 'HTTP Method',
          type: 'picklist',
          default: 'post',
          model: [
            { label: 'post', value: 'post' },
            { label: 'put', value: 'put' },
          ],
          comments: 'Send the form with POST or PUT.',
          clean: (value: unknown) => {
            const method = isBlank(value) ? 'POST' : String(value).trim().toUpperCase();
            if (method !== 'POST' && method !== 'PUT')
              throw new Error(`expected post or put, got ${preview(value)}`);
            return method;
          },
        }),
        responseType: responseTypeInput,
        formData: input({
          label: 'Form Data',
          type: 'string',
          collection: 'keyvaluelist',
          comments: 'Text fields of the form, as name/value pairs.',
          clean: keyValues,
        }),
        fileData: input({
          label: 'File Data',
          type: 'data',
          collection: 'keyvaluelist',
          comments:
            'Files of the form, as field name/file pairs: each file a reference to binary data ({data, contentType}), a Buffer, or text.',
          clean: keyValues,
        }),
        fileDataFileNames: input({
          label: 'File Data File Names',
          type: 'string',
          collection: 'keyvaluelist',
          comments: 'The file name to send for each file, by field name (default: the field name).',
          example: 'document: report.pdf',
          clean: keyValues,
        }),
        headers: headersInput,
        queryParams: queryParamsInput,
        ...retryAndResponseInputs,
      },
      perform: async (context, params) => {
        const { httpMethod, formData, fileData, fileDataFileNames, ...values } = params;
        return sendRequest(
          context,
          spec(httpMethod, values as unknown as CommonValues, {
            form: toFormData(formData, fileData, fileDataFileNames),
          }),
        );
      },
    }),
  },
});
