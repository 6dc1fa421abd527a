/**
 * The `csv` built-in: parse CSV text and generate CSV from objects or rows (RFC 4180 quoting, with papaparse).
 *
 * Keys, inputs and defaults are those of Prismatic's documentation, transcribed in the test fixture
 * `test/fixtures/catalog/csv.ts`. Generated CSV ends lines with CRLF and quotes only the fields that need it;
 * parsing accepts CRLF or LF, quoted fields with delimiters, doubled quotes and line breaks, a byte-order mark, and
 * skips blank lines.
 */
import { action, type Component, component, input } from '@weft/sdk';
import { isBlank, parseJsonValue, preview, toBool, toText } from './support-formats.js';
import {
  delimiterOf,
  parseCsvObjects,
  parseCsvRows,
  type Row,
  writeCsvObjects,
  writeCsvRows,
} from './support-tabular.js';

const delimiter = input({
  label: 'Delimiter',
  type: 'string',
  default: ',',
  comments:
    'The character that separates fields: a comma by default; write \\t (or tab) for tab-separated values.',
  example: ';',
  clean: (value: unknown) => delimiterOf(value),
});

function objectRows(value: unknown): Row[] {
  if (isBlank(value)) return [];
  const parsed = parseJsonValue(value, 'JSON');
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.map((item, index) => {
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) return item as Row;
    throw new Error(
      `element ${index} must be an object (one row, keyed by column name), got ${preview(item)}`,
    );
  });
}

/** The rows of the deprecated `generate`: each element an array of fields (or JSON text of one, or an object). */
function fieldRows(value: unknown): unknown[][] {
  if (isBlank(value)) return [];
  let list = Array.isArray(value) ? value : [value];
  // A single element holding the whole table (a reference to an array of rows).
  if (list.length === 1 && Array.isArray(list[0]) && list[0].every((item) => Array.isArray(item))) {
    list = list[0] as unknown[];
  }
  return list.map((item) => {
    const row = typeof item === 'string' && item.trim().startsWith('[') ? parseJsonValue(item) : item;
    if (Array.isArray(row)) return row;
    if (typeof row === 'object' && row !== null) return Object.values(row);
    return [row];
  });
}

export const csvComponent: Component = component({
  key: 'csv',
  public: true,
  display: {
    label: 'CSV',
    description: 'Parse CSV text into rows, and generate CSV from objects or rows (RFC 4180).',
    category: 'Data Platforms',
  },
  actions: {
    generateFromObject: action({
      display: {
        label: 'Generate CSV From Array',
        description:
          'Generate CSV text from an array of flat objects: one line per object, one column per key (the union of all keys, in order of appearance).',
      },
      inputs: {
        inputArray: input({
          label: 'Input Array',
          type: 'data',
          comments:
            'An array of objects, usually a reference to an earlier step result (or its JSON text). Nested values are written as JSON text; missing keys as empty fields.',
          example: '[{"name": "Ada", "age": 36}]',
          clean: objectRows,
        }),
        delimiter,
        includeHeader: input({
          label: 'Include Header?',
          type: 'boolean',
          default: 'true',
          comments: 'Whether the first line names the columns.',
          clean: (value: unknown) => toBool(value, true),
        }),
      },
      perform: async (_context, { inputArray, delimiter, includeHeader }) => ({
        data: writeCsvObjects(inputArray, delimiter, includeHeader),
        contentType: 'text/csv',
      }),
    }),
    generate: action({
      display: {
        label: 'Generate (Deprecated)',
        description:
          'Generate CSV text from a list of rows, each an array of field values. Use Generate CSV From Array instead.',
      },
      inputs: {
        data: input({
          label: 'Data',
          type: 'data',
          collection: 'valuelist',
          comments: 'The rows: each an array of field values (or JSON text of one). No header line is added.',
          example: '["name", "age"]',
          clean: fieldRows,
        }),
        delimiter,
      },
      perform: async (_context, { data, delimiter }) => ({
        data: writeCsvRows(data, delimiter),
        contentType: 'text/csv',
      }),
    }),
    parse: action({
      display: {
        label: 'Parse',
        description:
          'Parse CSV text into an array of rows: objects keyed by the header line, or arrays of fields when headers are ignored.',
      },
      inputs: {
        csv: input({
          label: 'CSV Data',
          type: 'text',
          comments:
            'The CSV text (or a file whose content is CSV). Fields may be quoted; quotes inside quoted fields are doubled.',
          example: 'name,age\nAda,36',
          clean: (value: unknown) => (isBlank(value) ? '' : toText(value, 'CSV text')),
        }),
        delimiter,
        ignoreHeaders: input({
          label: 'Ignore Headers',
          type: 'boolean',
          default: 'false',
          comments:
            'Off: the first line names the columns and each following line becomes an object keyed by those names. On: the first line is skipped and each following line becomes an array of its fields.',
          clean: (value: unknown) => toBool(value, false),
        }),
      },
      perform: async (_context, { csv, delimiter, ignoreHeaders }) => {
        if (!ignoreHeaders) return { data: parseCsvObjects(csv, delimiter) };
        return { data: parseCsvRows(csv, delimiter).slice(1) };
      },
    }),
  },
});
