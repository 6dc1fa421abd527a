import type { TriggerRequest } from '@weft/engine';
import type { FastifyRequest } from 'fastify';
import { type BodyShapeLimits, defaultBodyShapeLimits } from '../config.js';
import { parseFormBody, parseJsonBody } from '../http/request-body-limits.js';

/**
 * Turns an HTTP request into the trigger payload a flow receives (Prismatic's shape): headers, query parameters,
 * the path after the token, `body.data` parsed by content type (JSON → value, form → object, text and XML →
 * string, anything else → a file: `{data: Buffer, contentType}`), and `rawBody.data` (the text as received) for
 * flows that verify signatures.
 */

/** Headers a flow never sees: Weft's own API key, and connection-level headers of this hop. */
const hiddenHeaders = new Set(['api-key', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade']);

const textTypes = /^(text\/|application\/(xml|[\w.+-]+\+xml|javascript|x-ndjson|graphql)\b)/i;

function isStructured(mediaType: string): boolean {
  return (
    mediaType === 'application/json' ||
    mediaType.endsWith('+json') ||
    mediaType === 'application/x-www-form-urlencoded'
  );
}

export function triggerRequestOf(
  request: FastifyRequest,
  pathFragment: string,
  limits: BodyShapeLimits = defaultBodyShapeLimits,
): TriggerRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || hiddenHeaders.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  // NUL characters (%00) are dropped, as in bodies: PostgreSQL cannot store them, and the request is kept.
  const storable = (text: string) => text.replaceAll('\u0000', '');
  const queryParameters: Record<string, string> = {};
  for (const [name, value] of Object.entries((request.query ?? {}) as Record<string, unknown>)) {
    queryParameters[storable(name)] = storable(
      Array.isArray(value) ? String(value[0] ?? '') : String(value ?? ''),
    );
  }
  const raw = request.body as Buffer | undefined;
  const contentType = headers['content-type'] ?? '';
  const trigger: TriggerRequest = {
    headers,
    queryParameters,
    ...(pathFragment ? { pathFragment: storable(pathFragment) } : {}),
  };
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!raw || raw.length === 0) {
    // An empty file is still a file (a zero-byte upload keeps its type); an empty JSON, form or text body is no data.
    const binary = mediaType !== '' && !isStructured(mediaType) && !textTypes.test(mediaType);
    trigger.body = { data: binary ? Buffer.alloc(0) : null, ...(contentType ? { contentType } : {}) };
    return trigger;
  }
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    const text = raw.toString('utf8');
    // A third party's request: text PostgreSQL cannot store is repaired rather than refused (see parseJsonBody).
    const data = parseJsonBody(text, limits, { what: 'webhook body', unstorableText: 'repair' });
    trigger.body = { data, contentType };
    trigger.rawBody = { data: text, contentType };
  } else if (mediaType === 'application/x-www-form-urlencoded') {
    const text = raw.toString('utf8');
    trigger.body = { data: parseFormBody(text, limits, 'webhook body'), contentType };
    trigger.rawBody = { data: text, contentType };
  } else if (textTypes.test(mediaType)) {
    const text = raw.toString('utf8');
    trigger.body = { data: text, contentType };
  } else {
    // Anything else is a file: its bytes as a Buffer, with its content type (Prismatic's binary webhook body).
    trigger.body = { data: Buffer.from(raw), contentType: contentType || 'application/octet-stream' };
  }
  return trigger;
}

/**
 * References written against a step's results (`integrationTrigger.results.headers.x`, `results.body.data.x`,
 * as the endpoint configuration of an export writes them) mean the same path without that prefix.
 */
function withoutResultsPrefix(path: string): string {
  return path
    .trim()
    .replace(/^[\w$]+\.results\./, '')
    .replace(/^results\./, '');
}

/** A value at a dotted path of the request (`headers.x-acme-flow`, `body.data.event`, `queryParameters.flow`). */
export function valueAtPath(trigger: TriggerRequest, path: string): unknown {
  const cleaned = withoutResultsPrefix(path);
  if (cleaned === '') return undefined;
  const segments = cleaned.split('.');
  const [root] = segments;
  let current: unknown =
    root === 'headers' || root === 'body' || root === 'queryParameters' || root === 'rawBody'
      ? trigger
      : trigger.body?.data;
  for (const [index, segment] of segments.entries()) {
    if (current === null || typeof current !== 'object') return undefined;
    const record = current as Record<string, unknown>;
    // Header names are case-insensitive: they are stored lower-cased.
    const key = index === 1 && root === 'headers' ? segment.toLowerCase() : segment;
    current = Object.hasOwn(record, key) ? record[key] : undefined;
  }
  return current;
}

/**
 * A value at a dotted path of a step's result (a preprocess flow's last step): `results.flowName`, `flowName` and
 * `<stepKey>.results.flowName` all mean the `flowName` field of the result.
 */
export function valueInResult(result: unknown, path: string): unknown {
  const cleaned = withoutResultsPrefix(path);
  if (cleaned === '') return result;
  let current = result;
  for (const segment of cleaned.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    const record = current as Record<string, unknown>;
    current = Object.hasOwn(record, segment) ? record[segment] : undefined;
  }
  return current;
}

/** A routing or identifying value as text: a non-empty string, or a number; anything else is no value. */
export function textAt(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A value a request carried, as an answer quotes it back: long ones are cut, so an error stays small. */
export function shown(value: string): string {
  return value.length > 120 ? `${value.slice(0, 120)}…` : value;
}
