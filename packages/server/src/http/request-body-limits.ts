import type { BodyShapeLimits } from '../config.js';
import { WeftError } from '../errors.js';

export interface JsonBodyOptions {
  /** How messages name the body: 'request body' (API) or 'webhook body'. */
  what: string;
  /**
   * Text PostgreSQL cannot store: NUL characters (`\u0000`) and unpaired UTF-16 surrogates (`\ud800` alone).
   * `refuse` (API bodies: the caller can fix them) answers 400 `API_BODY_INVALID_TEXT`; `repair` (webhooks: a
   * third party sent them, refusing would lose the request) replaces unpaired surrogates with U+FFFD and keeps NUL
   * characters, which the ingest batcher drops when it stores the execution.
   */
  unstorableText: 'refuse' | 'repair';
}

const quote = 0x22;
const backslash = 0x5c;
const letterU = 0x75;
const openBracket = 0x5b;
const openBrace = 0x7b;
const closeBracket = 0x5d;
const closeBrace = 0x7d;
const comma = 0x2c;

interface TextScan {
  /** Where the first `\u0000` escape starts, or -1. */
  nulAt: number;
  /** Where each unpaired surrogate escape (`\udXXX` without its partner) starts. */
  unpaired: number[];
}

/**
 * One pass over JSON text: refuses nesting past `maxDepth` and more than `maxValues` values, and finds escapes of
 * text PostgreSQL cannot store. It does not validate the grammar: JSON.parse does that next, so malformed text
 * is only scanned as far as it makes sense and then reported by the parser.
 */
function scanJsonText(text: string, limits: BodyShapeLimits, what: string): TextScan {
  const scan: TextScan = { nulAt: -1, unpaired: [] };
  let depth = 0;
  let values = 1; // the body itself
  let justOpened = false; // the next non-blank character is a container's first value, or its closer
  const countValue = () => {
    if (++values > limits.maxValues) throw tooManyValues(what, limits);
  };
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code <= 0x20) continue; // blanks (and control characters, which the parser refuses)
    if (justOpened) {
      justOpened = false;
      if (code !== closeBracket && code !== closeBrace) countValue();
    }
    if (code === quote) {
      // To the closing quote; only escapes need a closer look.
      for (i++; i < length; i++) {
        const inner = text.charCodeAt(i);
        if (inner === quote) break;
        if (inner !== backslash) continue;
        if (text.charCodeAt(i + 1) !== letterU) {
          i += 1; // a one-character escape (\" \\ \n ...)
          continue;
        }
        const unit = Number.parseInt(text.slice(i + 2, i + 6), 16);
        if (unit === 0 && scan.nulAt < 0) scan.nulAt = i;
        if (unit >= 0xd800 && unit <= 0xdbff) {
          const next =
            text.charCodeAt(i + 6) === backslash && text.charCodeAt(i + 7) === letterU
              ? Number.parseInt(text.slice(i + 8, i + 12), 16)
              : Number.NaN;
          if (next >= 0xdc00 && next <= 0xdfff) {
            i += 6; // a pair: step over the high half
          } else {
            scan.unpaired.push(i);
          }
        } else if (unit >= 0xdc00 && unit <= 0xdfff) {
          scan.unpaired.push(i);
        }
        i += 5;
      }
    } else if (code === openBracket || code === openBrace) {
      if (++depth > limits.maxDepth) throw tooDeep(what, limits);
      justOpened = true;
    } else if (code === closeBracket || code === closeBrace) {
      depth--;
    } else if (code === comma) {
      countValue();
    }
  }
  return scan;
}

/**
 * Parses a JSON body after checking its shape; every problem is a WeftError with its own code (never a stack
 * overflow later on). A leading byte order mark is ignored, as Fastify's own parser did.
 */
export function parseJsonBody(text: string, limits: BodyShapeLimits, options: JsonBodyOptions): unknown {
  const json = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const scan = scanJsonText(json, limits, options.what);
  let repaired = json;
  if (options.unstorableText === 'refuse') {
    const position = [scan.nulAt, scan.unpaired[0] ?? -1].filter((at) => at >= 0).sort((a, b) => a - b)[0];
    if (position !== undefined) {
      const sequence = json.slice(position, position + 6);
      throw new WeftError(
        'API_BODY_INVALID_TEXT',
        `The ${options.what} has ${sequence === '\\u0000' ? 'a NUL character' : 'an unpaired UTF-16 surrogate'} (${sequence}) at character ${position}, which cannot be stored.`,
        { position, escape: sequence },
      );
    }
  } else if (scan.unpaired.length > 0) {
    // Same length (six characters each), so positions in error messages stay those of the text as sent.
    const parts: string[] = [];
    let from = 0;
    for (const at of scan.unpaired) {
      parts.push(json.slice(from, at), '\\ufffd');
      from = at + 6;
    }
    parts.push(json.slice(from));
    repaired = parts.join('');
  }
  let value: unknown;
  try {
    value = JSON.parse(repaired);
  } catch (error) {
    throw new WeftError(
      'API_INVALID_JSON',
      `The ${options.what} is not valid JSON: ${(error as Error).message}.`,
    );
  }
  // Only text that spells one of the keys (possibly with escapes) can hold it: most bodies skip the walk.
  if (suspectKey.test(json)) {
    const found = forbiddenKeyIn(value);
    if (found) throw forbiddenKey(options.what, found);
  }
  return value;
}

/** A form body (`application/x-www-form-urlencoded`) as an object of its fields, under the same limits. */
export function parseFormBody(text: string, limits: BodyShapeLimits, what: string): Record<string, string> {
  let fields = 1;
  for (let at = text.indexOf('&'); at !== -1; at = text.indexOf('&', at + 1)) {
    if (++fields > limits.maxValues) throw tooManyValues(what, limits);
  }
  const entries = [...new URLSearchParams(text)];
  const proto = entries.find(([name]) => name === '__proto__');
  if (proto) throw forbiddenKey(what, '__proto__');
  return Object.fromEntries(entries);
}

/**
 * JSON text of a value that came from a request, for storing. A value too deep to serialize becomes a 400 of
 * that request alone rather than a RangeError that fails whatever it is stored with.
 */
export function serializedJson(value: unknown, what: string): string {
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw tooDeepToStore(error, what);
  }
}

/** A stack overflow while walking a request's value, as the 400 it is; any other error unchanged. */
export function tooDeepToStore(error: unknown, what: string): unknown {
  if (!(error instanceof RangeError)) return error;
  return new WeftError('API_BODY_TOO_DEEP', `The ${what} nests too deeply to be stored (${error.message}).`);
}

/** `"__proto__":` or `"constructor":`, any of whose characters may be written as a \u escape. */
const suspectKey = new RegExp(
  ['__proto__', 'constructor']
    .map(
      (word) =>
        `"${[...word].map((ch) => `(?:${ch}|\\\\u00${ch.charCodeAt(0).toString(16)})`).join('')}"\\s*:`,
    )
    .join('|'),
  'i',
);

/**
 * A key that rewrites an object's prototype when code copies the value with assignment (Object.assign, a deep
 * merge): `__proto__`, or `constructor` holding `prototype` (the rule of Fastify's own parser). Iterative.
 */
function forbiddenKeyIn(value: unknown): string | undefined {
  const stack: Array<{ item: unknown; path: string }> = [{ item: value, path: '' }];
  while (stack.length > 0) {
    const { item, path } = stack.pop() as { item: unknown; path: string };
    if (item === null || typeof item !== 'object') continue;
    if (Array.isArray(item)) {
      item.forEach((element, index) => {
        stack.push({ item: element, path: `${path}[${index}]` });
      });
      continue;
    }
    const record = item as Record<string, unknown>;
    const at = (key: string) => (path ? `${path}.${key}` : key);
    if (Object.hasOwn(record, '__proto__')) return at('__proto__');
    const ctor = Object.hasOwn(record, 'constructor') ? record.constructor : undefined;
    if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) {
      return at('constructor.prototype');
    }
    for (const [key, child] of Object.entries(record)) stack.push({ item: child, path: at(key) });
  }
  return undefined;
}

function tooDeep(what: string, limits: BodyShapeLimits): WeftError {
  return new WeftError(
    'API_BODY_TOO_DEEP',
    `The ${what} nests objects and arrays more than ${limits.maxDepth} levels deep.`,
    { maxDepth: limits.maxDepth },
  );
}

function tooManyValues(what: string, limits: BodyShapeLimits): WeftError {
  return new WeftError(
    'API_BODY_TOO_MANY_VALUES',
    `The ${what} has more than ${limits.maxValues} values (array elements, object members and form fields, counted together).`,
    { maxValues: limits.maxValues },
  );
}

function forbiddenKey(what: string, path: string): WeftError {
  return new WeftError(
    'API_BODY_FORBIDDEN_KEY',
    `The ${what} has the key ${path}, which could rewrite the prototype of objects built from it.`,
    { key: path },
  );
}

/**
 * Refuses a query or path parameter holding a NUL character (`%00`): PostgreSQL cannot compare or store one, so it
 * would otherwise fail deep in a query. Checked once for every API route, before validation.
 */
export function refuseUnstorableParameters(parts: { query: unknown; params: unknown }): void {
  for (const [part, values] of [
    ['query', parts.query],
    ['path', parts.params],
  ] as const) {
    if (!values || typeof values !== 'object') continue;
    for (const [name, value] of Object.entries(values as Record<string, unknown>)) {
      const texts = Array.isArray(value) ? value : [value];
      if (texts.some((text) => typeof text === 'string' && text.includes('\u0000'))) {
        throw new WeftError(
          'API_PARAMETER_INVALID_TEXT',
          `The ${part} parameter '${name}' holds a NUL character (%00), which cannot be stored or searched for; remove it.`,
          { part: part === 'query' ? 'querystring' : 'params', field: name },
        );
      }
    }
  }
}
