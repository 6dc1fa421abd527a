/**
 * The `text-manipulation` built-in: splitting, joining, replacing, case, whitespace, substrings, regular
 * expressions, base64 and HTML entities.
 */
import { action, type Component, component, input } from '@weft/sdk';
import {
  describeValue,
  isBlank,
  isPlainObject,
  ownValue,
  toBoolean,
  toInteger,
  toPairs,
  toText,
} from './support-values.js';

const textInput = input({ label: 'Text', type: 'text', comments: 'The text to operate on.' });
const separatorInput = input({
  label: 'Separator',
  type: 'string',
  comments: 'The text placed between (join) or found between (split) the parts; empty means none.',
});
const stringsInput = input({
  label: 'Strings',
  type: 'string',
  collection: 'valuelist',
  comments: 'The strings to join, in order.',
});
const sliceInputs = {
  text: textInput,
  sliceStart: input({
    label: 'Slice start',
    type: 'string',
    comments:
      'Index of the first character to keep (0 is the first; negative counts from the end); 0 when empty.',
  }),
  sliceStop: input({
    label: 'Slice stop',
    type: 'string',
    comments:
      'Index of the character after the last one to keep (negative counts from the end); the end of the text when empty.',
  }),
};

function text(value: unknown): string {
  return toText(value, 'text');
}

/** A list of strings: an array (each element written as text), or one string as a list of one. */
function stringList(value: unknown): string[] {
  if (isBlank(value)) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, index) => {
    if (item === undefined || item === null) return '';
    if (typeof item === 'object') return JSON.stringify(item);
    return toText(item, `strings[${index}]`);
  });
}

const newlineNames: Record<string, string> = {
  '\n': '\n',
  '\r\n': '\r\n',
  '\r': '\r',
  '\\n': '\n',
  '\\r\\n': '\r\n',
  '\\r': '\r',
  lf: '\n',
  crlf: '\r\n',
  cr: '\r',
  unix: '\n',
  windows: '\r\n',
};

/** The newline a `newlineType` input means: the characters themselves, their escapes (`\n`), or LF / CRLF / CR. */
function newline(value: unknown): string {
  if (value === undefined || value === null || value === '') return '\n';
  const given = toText(value, 'newlineType');
  const found = ownValue(newlineNames, given) ?? ownValue(newlineNames, given.trim().toLowerCase());
  if (found === undefined)
    throw new Error(
      `newlineType must be \\n (LF) or \\r\\n (CRLF) or \\r (CR); ${describeValue(value)} is not`,
    );
  return found;
}

function sliceOf(params: { text: unknown; sliceStart: unknown; sliceStop: unknown }): string {
  const subject = text(params.text);
  const start = isBlank(params.sliceStart) ? 0 : toInteger(params.sliceStart, 'sliceStart');
  const stop = isBlank(params.sliceStop) ? undefined : toInteger(params.sliceStop, 'sliceStop');
  return subject.slice(start, stop);
}

const htmlEscapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const namedEntities: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  copy: '©',
  reg: '®',
  trade: '™',
  hellip: '…',
  mdash: '—',
  ndash: '–',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  sect: '§',
  deg: '°',
  middot: '·',
  laquo: '«',
  raquo: '»',
  times: '×',
  divide: '÷',
};

export function htmlEncode(value: string): string {
  return value.replace(/[&<>"']/g, (character) => htmlEscapes[character] as string);
}

export function htmlDecode(value: string): string {
  return value.replace(/&(#[xX][0-9a-fA-F]+|#\d+|[A-Za-z][A-Za-z0-9]*);/g, (entity, body: string) => {
    if (body.startsWith('#')) {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      return code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return ownValue(namedEntities, body) ?? ownValue(namedEntities, body.toLowerCase()) ?? entity;
  });
}

/** The bytes of a string, Buffer/Uint8Array, or file object (`{data, contentType}`) to encode as base64. */
function bytesOf(value: unknown): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (value instanceof ArrayBuffer) return Buffer.from(new Uint8Array(value));
  if (isPlainObject(value)) {
    // A file: `{data, contentType}` as Prismatic passes binary step results; `{type: 'Buffer', data: [...]}` as JSON.
    if ('data' in value && value.type !== 'Buffer') return bytesOf(value.data);
    if (value.type === 'Buffer' && Array.isArray(value.data)) return Buffer.from(value.data as number[]);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return Buffer.from(String(value), 'utf8');
  throw new Error(`text must be text or a file ({data, contentType}); got ${describeValue(value)}`);
}

function decodeBase64(value: unknown): string {
  const encoded = text(value).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(encoded) || encoded.replace(/=+$/, '').length % 4 === 1)
    throw new Error(`text is not valid base64: ${describeValue(value)}; give base64 such as SGVsbG8=`);
  return Buffer.from(
    encoded,
    encoded.includes('-') || encoded.includes('_') ? 'base64url' : 'base64',
  ).toString('utf8');
}

function regexFrom(pattern: unknown, flags: unknown): RegExp {
  const source = toText(pattern, 'regex');
  const flagText = flags === undefined || flags === null ? '' : toText(flags, 'regexFlags').trim();
  // Accept a /pattern/flags literal as well as a bare pattern.
  const literal = /^\/(.*)\/([a-z]*)$/s.exec(source);
  try {
    return literal ? new RegExp(literal[1] as string, flagText || literal[2]) : new RegExp(source, flagText);
  } catch (error) {
    throw new Error(
      `regex ${describeValue(source)} with flags '${flagText}' is not valid: ${(error as Error).message}`,
    );
  }
}

const textOnly = (label: string, description: string, transform: (subject: string) => unknown) =>
  action({
    display: { label, description },
    inputs: { text: textInput },
    perform: async (_context, params) => ({ data: transform(text(params.text)) }),
  });

export const textManipulationComponent: Component = component({
  key: 'text-manipulation',
  public: true,
  display: { label: 'Text Manipulation', description: 'Common text operations.' },
  actions: {
    decodeBase64: action({
      display: { label: 'Decode Base64', description: 'Decode a base64 string.' },
      inputs: {
        text: input({
          label: 'Base64 Text',
          type: 'text',
          comments: 'The base64 text to decode (as UTF-8 text).',
        }),
      },
      perform: async (_context, params) => ({ data: decodeBase64(params.text) }),
    }),
    encodeBase64: action({
      display: { label: 'Encode Base64', description: 'Encode a string or file as base64.' },
      inputs: {
        text: input({
          label: 'Text or file',
          type: 'data',
          comments:
            'The text (encoded as UTF-8) or the file (a reference to a binary step result) to encode.',
        }),
      },
      perform: async (_context, params) => ({ data: bytesOf(params.text).toString('base64') }),
    }),
    slice: action({
      display: { label: 'Extract Substring', description: 'Extract a substring from a string.' },
      inputs: sliceInputs,
      perform: async (_context, params) => ({ data: sliceOf(params) }),
    }),
    substring: action({
      display: {
        label: 'Substring',
        description: 'Extract a substring from a string (older name of Extract Substring).',
      },
      inputs: sliceInputs,
      perform: async (_context, params) => ({ data: sliceOf(params) }),
    }),
    replace: action({
      display: {
        label: 'Find & Replace',
        description: 'Replace every instance of a substring with another.',
      },
      inputs: {
        text: textInput,
        find: input({
          label: 'Substring to find and be replaced',
          type: 'string',
          comments: 'The text to find (matched literally, not as a regular expression).',
        }),
        replace: input({
          label: "The substring to replace instances of 'find' with",
          type: 'string',
          comments: 'The replacement; empty removes each instance.',
        }),
      },
      perform: async (_context, params) => {
        const find = toText(params.find, 'find');
        if (find === '') throw new Error('find must not be empty: give the text to replace');
        const replacement = toText(params.replace, 'replace');
        return { data: text(params.text).split(find).join(replacement) };
      },
    }),
    replaceMultipleSubstring: action({
      display: {
        label: 'Find & Replace Multiple Substrings',
        description: 'Replace every instance of several substrings.',
      },
      inputs: {
        text: textInput,
        replaceWith: input({
          label: 'Replace With',
          type: 'string',
          collection: 'keyvaluelist',
          comments: 'For each pair, every instance of the key is replaced with the value, in order.',
        }),
      },
      perform: async (_context, params) => {
        let result = text(params.text);
        toPairs(params.replaceWith, 'replaceWith').forEach(({ key, value }, index) => {
          if (key === '')
            throw new Error(`replaceWith[${index}]: the text to find (the key) must not be empty`);
          result = result.split(key).join(toText(value, `replaceWith[${index}].value`));
        });
        return { data: result };
      },
    }),
    htmlDecode: textOnly('HTML Decode', 'Decode an HTML-encoded string.', htmlDecode),
    htmlEncode: textOnly('HTML Encode', 'HTML-encode a string.', htmlEncode),
    join: action({
      display: { label: 'Join', description: 'Join strings together with an optional separator.' },
      inputs: { strings: stringsInput, separator: separatorInput },
      perform: async (_context, params) => ({
        data: stringList(params.strings).join(toText(params.separator, 'separator')),
      }),
    }),
    joinLines: action({
      display: { label: 'Join Lines', description: 'Join strings together with newlines.' },
      inputs: {
        strings: input({
          label: 'Strings',
          type: 'string',
          collection: 'valuelist',
          comments: 'The lines to join, in order.',
        }),
        newlineType: input({
          label: 'Newline type',
          type: 'string',
          default: '\n',
          comments: 'The newline between lines: \\n (LF, the default) or \\r\\n (CRLF) or \\r (CR).',
        }),
        numberOfNewlines: input({
          label: 'Number of newlines',
          type: 'string',
          default: '1',
          comments: 'How many newlines go between two lines (1 by default; 2 leaves a blank line).',
        }),
      },
      perform: async (_context, params) => {
        const count = isBlank(params.numberOfNewlines)
          ? 1
          : toInteger(params.numberOfNewlines, 'numberOfNewlines', 0);
        return { data: stringList(params.strings).join(newline(params.newlineType).repeat(count)) };
      },
    }),
    lowerCase: textOnly('Lower Case', 'Convert a string to lower case.', (subject) => subject.toLowerCase()),
    match: action({
      display: { label: 'Match Regex', description: 'Match a string against a regular expression.' },
      inputs: {
        text: textInput,
        regex: input({
          label: 'Regex',
          type: 'string',
          comments: 'A JavaScript regular expression, such as \\d+ or /ab+c/i.',
        }),
        regexFlags: input({
          label: 'Regex Flags',
          type: 'string',
          default: 'g',
          comments:
            'Regular expression flags: g (every match, the default), i (ignore case), m (multi-line), s, u. Without g, the result is the first match followed by its capture groups.',
        }),
      },
      perform: async (_context, params) => {
        const regex = regexFrom(params.regex, params.regexFlags);
        const found = text(params.text).match(regex);
        return { data: found ? Array.from(found, (part) => part ?? null) : [] };
      },
    }),
    trim: textOnly('Remove Whitespace', 'Remove leading and trailing whitespace.', (subject) =>
      subject.trim(),
    ),
    splitLines: action({
      display: { label: 'Split Lines', description: 'Split text on newline characters.' },
      inputs: {
        text: textInput,
        filterBlankLines: input({
          label: 'Filter Blank Lines',
          type: 'boolean',
          default: 'true',
          comments: 'Leave out lines that are empty or only whitespace (true by default).',
        }),
      },
      perform: async (_context, params) => {
        const lines = text(params.text).split(/\r\n|\r|\n/);
        const filter = toBoolean(params.filterBlankLines, 'filterBlankLines', true);
        return { data: filter ? lines.filter((line) => line.trim() !== '') : lines };
      },
    }),
    split: action({
      display: { label: 'Split String', description: 'Split a string on a separator.' },
      inputs: { text: textInput, separator: separatorInput },
      perform: async (_context, params) => ({
        data: text(params.text).split(toText(params.separator, 'separator')),
      }),
    }),
    stringLength: textOnly('String Length', 'Get the length of a string.', (subject) => subject.length),
    upperCase: textOnly('Upper Case', 'Convert a string to UPPER CASE.', (subject) => subject.toUpperCase()),
  },
});
