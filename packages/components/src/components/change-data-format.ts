/**
 * The `change-data-format` built-in: conversions between JavaScript values and JSON, XML, YAML, CSV, JSON Lines and
 * URL-encoded form data, and between types (boolean, integer, number, string).
 *
 * Keys, inputs and defaults are those of Prismatic's documentation, transcribed in the test fixture
 * `test/fixtures/catalog/change-data-format.ts`.
 * - "Deserialize X" turns X text (or a file holding it) into a value that later steps can reference.
 * - "JavaScript Object to X" (`binaryToX`, and their older names `serializeToX`) and "A to B" return the text of the
 *   target format with its content type (`application/json`, `application/xml`, `application/yaml`, `text/csv`).
 * - XML: attributes become `@_name` keys and an element's text next to attributes `#text` (fast-xml-parser's
 *   convention, used both ways, so that XML → object → XML keeps them); numbers and booleans in element and
 *   attribute values are parsed unless "Parse numbers as strings?" is on (numbers with leading zeros, such as zip
 *   codes, always stay text). Writing wraps the value in `<root>` unless it is an object with a single key, and
 *   turns keys that are not XML names (`first name`) into names (`first_name`).
 * - CSV: the first line names the columns unless "CSV Header" is off (rows are then arrays of fields); with
 *   "Un-Flatten CSV Keys", `address.city` columns become nested objects. Writing CSV flattens nested objects into
 *   such dotted columns.
 */
import { action, type Component, component, input } from '@weft/sdk';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseYamlText, stringify as stringifyYaml } from 'yaml';
import { decodeBinary, isBlank, parseJsonValue, preview, toBool, toText } from './support-formats.js';
import {
  flattenObject,
  parseCsvObjects,
  parseCsvRows,
  type Row,
  tableRows,
  unflattenObject,
  writeCsvObjects,
} from './support-tabular.js';

// ---------------------------------------------------------------------------------------------------------------
// Conversions

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !Buffer.isBuffer(value)
  );
}

/** JSON-friendly copy: bytes as text, dates as ISO 8601, undefined dropped. */
function plain(value: unknown): unknown {
  const decoded = decodeBinary(value);
  if (decoded instanceof Date) return decoded.toISOString();
  if (Array.isArray(decoded)) return decoded.map(plain);
  if (isPlainObject(decoded)) {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(decoded)) if (child !== undefined) copy[key] = plain(child);
    return copy;
  }
  return decoded;
}

function toBooleanValue(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') {
    const text = value.trim().toLowerCase();
    if (['true', 't', 'yes', 'y', '1', 'on'].includes(text)) return true;
    if (['false', 'f', 'no', 'n', '0', 'off', ''].includes(text)) return false;
    throw new Error(`cannot convert ${preview(value)} to a boolean; use true/false, yes/no, on/off or 1/0`);
  }
  return Boolean(value);
}

function toNumberValue(value: unknown, integer: boolean): number {
  const what = integer ? 'an integer' : 'a number';
  let number: number;
  if (typeof value === 'number') number = value;
  else if (typeof value === 'boolean') number = value ? 1 : 0;
  else if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    number = Number(text);
    // Integers accept a number followed by other text, as parseInt does ("12px" → 12).
    if (Number.isNaN(number) && integer) number = Number.parseInt(text, 10);
  } else number = Number.NaN;
  if (!Number.isFinite(number)) throw new Error(`cannot convert ${preview(value)} to ${what}`);
  return integer ? Math.trunc(number) : number;
}

function toStringValue(value: unknown): string {
  const decoded = decodeBinary(value);
  if (decoded === undefined || decoded === null) return '';
  if (typeof decoded === 'string') return decoded;
  if (decoded instanceof Date) return decoded.toISOString();
  if (typeof decoded === 'object') return JSON.stringify(plain(decoded));
  return String(decoded);
}

// JSON

function readJson(value: unknown): unknown {
  return parseJsonValue(value, 'JSON');
}

function writeJson(value: unknown, indent?: number): string {
  const text = JSON.stringify(plain(value), null, indent);
  return text ?? 'null';
}

// JSON Lines

function readJsonl(value: unknown): unknown[] {
  const decoded = decodeBinary(value);
  if (Array.isArray(decoded)) return decoded;
  const text = toText(decoded, 'JSON Lines text');
  const items: unknown[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      throw new Error(`line ${index + 1} is not valid JSON (${(error as Error).message}): ${preview(line)}`);
    }
  });
  return items;
}

function writeJsonl(value: unknown): string {
  const list = readJson(value);
  if (!Array.isArray(list)) throw new Error(`expected an array of objects, got ${preview(list)}`);
  return list.map((item) => writeJson(item)).join('\n') + (list.length > 0 ? '\n' : '');
}

// XML

const attributePrefix = '@_';
const textKey = '#text';

function readXml(value: unknown, numbersAsStrings: boolean): unknown {
  const decoded = decodeBinary(value);
  if (typeof decoded !== 'string') return decoded; // already a value
  const text = decoded.replace(/^\uFEFF/, '').trim();
  if (text === '') throw new Error('expected XML text, got an empty value');
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new Error(`the value is not valid XML (line ${line}, column ${col}): ${msg}`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: attributePrefix,
    textNodeName: textKey,
    ignoreDeclaration: true,
    ignorePiTags: true,
    parseTagValue: !numbersAsStrings,
    parseAttributeValue: !numbersAsStrings,
    numberParseOptions: { leadingZeros: false, hex: false, eNotation: true },
  });
  return parser.parse(text);
}

function xmlName(key: string): string {
  if (key.startsWith(attributePrefix) || key === textKey) return key;
  let name = key.replace(/[^A-Za-z0-9_.\-:]/g, '_');
  if (!/^[A-Za-z_:]/.test(name)) name = `_${name}`;
  return name;
}

/** Element names made valid, nothing as an empty element, bytes as text. */
function xmlReady(value: unknown): unknown {
  const decoded = decodeBinary(value);
  if (decoded === null || decoded === undefined) return '';
  if (decoded instanceof Date) return decoded.toISOString();
  if (Array.isArray(decoded)) return decoded.map(xmlReady);
  if (isPlainObject(decoded)) {
    const copy: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(decoded)) copy[xmlName(key)] = xmlReady(child);
    return copy;
  }
  return decoded;
}

function writeXml(value: unknown): string {
  const ready = xmlReady(value);
  let document: Record<string, unknown>;
  const keys = isPlainObject(ready)
    ? Object.keys(ready).filter((key) => !key.startsWith(attributePrefix))
    : [];
  if (
    isPlainObject(ready) &&
    keys.length === 1 &&
    keys[0] !== textKey &&
    !Array.isArray(ready[keys[0] as string])
  )
    document = ready;
  else if (Array.isArray(ready)) document = { root: { item: ready } };
  else document = { root: ready };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: attributePrefix,
    textNodeName: textKey,
    format: true,
    indentBy: '  ',
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(document)}`.trimEnd();
}

// YAML

function readYaml(value: unknown): unknown {
  const decoded = decodeBinary(value);
  if (typeof decoded !== 'string') return decoded;
  if (decoded.trim() === '') throw new Error('expected YAML text, got an empty value');
  try {
    return parseYamlText(decoded.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new Error(`the value is not valid YAML: ${(error as Error).message}`);
  }
}

function writeYaml(value: unknown): string {
  return stringifyYaml(plain(value) ?? null);
}

// CSV

interface CsvOptions {
  csvHeader: boolean;
  unflattenCsvKeys: boolean;
}

function readCsv(value: unknown, { csvHeader, unflattenCsvKeys }: CsvOptions): unknown[] {
  const decoded = decodeBinary(value);
  if (Array.isArray(decoded)) return decoded; // already rows
  const text = isBlank(decoded) ? '' : toText(decoded, 'CSV text');
  if (!csvHeader) return parseCsvRows(text);
  const rows = parseCsvObjects(text);
  return unflattenCsvKeys ? rows.map(unflattenObject) : rows;
}

function writeCsv(value: unknown): string {
  const rows = tableRows(plain(value)).map((row) => flattenObject(row as Row));
  return writeCsvObjects(rows);
}

// URL-encoded form data

function readFormData(value: unknown): Record<string, unknown> {
  const decoded = decodeBinary(value);
  if (isPlainObject(decoded)) return decoded;
  if (isBlank(decoded)) return {};
  const text = toText(decoded, 'URL-encoded form data').trim().replace(/^\?/, '');
  const result: Record<string, unknown> = {};
  for (const [key, entry] of new URLSearchParams(text)) {
    const existing = result[key];
    if (existing === undefined) result[key] = entry;
    else if (Array.isArray(existing)) existing.push(entry);
    else result[key] = [existing, entry];
  }
  return result;
}

function writeFormData(value: unknown): string {
  const data = readJson(value);
  if (!isPlainObject(data)) throw new Error(`expected an object of form fields, got ${preview(data)}`);
  const params = new URLSearchParams();
  const add = (key: string, entry: unknown) => {
    if (Array.isArray(entry)) for (const item of entry) add(key, item);
    else if (isPlainObject(entry))
      for (const [child, item] of Object.entries(entry)) add(`${key}[${child}]`, item);
    else params.append(key, toStringValue(entry));
  };
  for (const [key, entry] of Object.entries(data)) add(key, entry);
  return params.toString();
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs

const dataInput = (comments: string, example?: string) =>
  input({ label: 'Data', type: 'data', comments, ...(example ? { example } : {}) });

const valueInput = input({
  label: 'Value',
  type: 'data',
  comments: 'The value to convert, usually a reference to an earlier step result.',
});

const numbersAsStrings = input({
  label: 'Parse numbers as strings?',
  type: 'boolean',
  default: 'false',
  comments:
    'On: every element and attribute value stays text. Off: values that are numbers or true/false become numbers and booleans (values with leading zeros, such as zip codes, always stay text).',
  clean: (value: unknown) => toBool(value, false),
});

const csvHeader = input({
  label: 'CSV Header',
  type: 'boolean',
  default: 'true',
  comments:
    'On: the first line names the columns and each row becomes an object keyed by them. Off: each row becomes an array of its fields.',
  clean: (value: unknown) => toBool(value, true),
});

const unflattenCsvKeys = input({
  label: 'Un-Flatten CSV Keys',
  type: 'boolean',
  default: 'false',
  comments: 'On: dotted column names become nested objects (a column address.city gives {address: {city}}).',
  clean: (value: unknown) => toBool(value, false),
});

const csvData = dataInput(
  'CSV text (or a file holding it) whose first line usually names the columns.',
  'id,name\n1,Ada',
);
const xmlData = dataInput(
  'XML text (or a file holding it), usually a reference to an earlier step result.',
  '<order id="7"><total>12.5</total></order>',
);
const jsonData = dataInput(
  'JSON text (or a value already parsed), usually a reference to an earlier step result.',
  '{"id": 7}',
);
const yamlData = dataInput('YAML text (or a file holding it).', 'id: 7\nname: Ada');
const objectData = dataInput('The value to serialize, usually a reference to an earlier step result.');

type Format = 'json' | 'xml' | 'yaml' | 'csv';
const writers: Record<Format, { write: (value: unknown) => string; contentType: string }> = {
  json: { write: (value) => writeJson(value), contentType: 'application/json' },
  xml: { write: writeXml, contentType: 'application/xml' },
  yaml: { write: writeYaml, contentType: 'application/yaml' },
  csv: { write: writeCsv, contentType: 'text/csv' },
};
const formatName: Record<Format, string> = { json: 'JSON', xml: 'XML', yaml: 'YAML', csv: 'CSV' };

function output(format: Format, value: unknown) {
  const writer = writers[format];
  return { data: writer.write(value), contentType: writer.contentType };
}

/** "JavaScript Object to X" and its older name "Serialize X". */
function serializeAction(format: Format, label: string, description: string) {
  return action({
    display: { label, description },
    inputs: { data: objectData },
    perform: async (_context, { data }) => output(format, data),
  });
}

function fromCsv(format: Format) {
  return action({
    display: {
      label: `CSV to ${formatName[format]}`,
      description: `Convert CSV text to ${formatName[format]} text: one element per row.`,
    },
    inputs: { data: csvData, csvHeader, unflattenCsvKeys },
    perform: async (_context, { data, csvHeader, unflattenCsvKeys }) =>
      output(format, readCsv(data, { csvHeader, unflattenCsvKeys })),
  });
}

function fromXml(format: Format) {
  return action({
    display: {
      label: `XML to ${formatName[format]}`,
      description: `Convert XML text to ${formatName[format]} text.`,
    },
    inputs: { data: xmlData, numbersAsStrings },
    perform: async (_context, { data, numbersAsStrings }) => output(format, readXml(data, numbersAsStrings)),
  });
}

function fromText(source: 'json' | 'yaml', format: Format) {
  const read = source === 'json' ? readJson : readYaml;
  return action({
    display: {
      label: `${formatName[source]} to ${formatName[format]}`,
      description: `Convert ${formatName[source]} text to ${formatName[format]} text.`,
    },
    inputs: { data: source === 'json' ? jsonData : yamlData },
    perform: async (_context, { data }) => output(format, read(data)),
  });
}

export const changeDataFormatComponent: Component = component({
  key: 'change-data-format',
  public: true,
  display: {
    label: 'Change Data Format',
    description:
      'Convert data between JSON, XML, YAML, CSV, JSON Lines and URL-encoded form data, and between types.',
    category: 'Data Platforms',
  },
  actions: {
    convertToBoolean: action({
      display: {
        label: 'Convert To Boolean',
        description:
          'Convert a value to a boolean: true/false, yes/no, on/off, 1/0 (any case); empty is false.',
      },
      inputs: { value: valueInput },
      perform: async (_context, { value }) => ({ data: toBooleanValue(decodeBinary(value)) }),
    }),
    convertToInt: action({
      display: {
        label: 'Convert To Integer',
        description: 'Convert a value to an integer, dropping any fraction (12.7 gives 12, "12px" gives 12).',
      },
      inputs: { value: valueInput },
      perform: async (_context, { value }) => ({ data: toNumberValue(decodeBinary(value), true) }),
    }),
    convertToNumber: action({
      display: {
        label: 'Convert To Number',
        description: 'Convert a value (such as the text "12.5") to a number.',
      },
      inputs: { value: valueInput },
      perform: async (_context, { value }) => ({ data: toNumberValue(decodeBinary(value), false) }),
    }),
    convertToString: action({
      display: {
        label: 'Convert To String',
        description:
          'Convert a value to text: objects and arrays as JSON, files as UTF-8 text, nothing as empty text.',
      },
      inputs: { value: valueInput },
      perform: async (_context, { value }) => ({ data: toStringValue(value) }),
    }),
    csvToJson: fromCsv('json'),
    csvToXml: fromCsv('xml'),
    csvToYaml: fromCsv('yaml'),
    deserializeFromBinary: action({
      display: {
        label: 'Deserialize BINARY',
        description: 'Turn binary data (a file, or a Buffer) into its UTF-8 text.',
      },
      inputs: {
        data: dataInput(
          'The binary data: a file ({data, contentType}) or a Buffer, usually from an earlier step.',
        ),
      },
      perform: async (_context, { data }) => ({ data: toStringValue(data) }),
    }),
    deserializeFromCsv: action({
      display: {
        label: 'Deserialize CSV',
        description:
          'Turn CSV text into an array of rows: objects keyed by the header line, or arrays of fields.',
      },
      inputs: { data: csvData, csvHeader, unflattenCsvKeys },
      perform: async (_context, { data, csvHeader, unflattenCsvKeys }) => ({
        data: readCsv(data, { csvHeader, unflattenCsvKeys }),
      }),
    }),
    deserializeFromJson: action({
      display: {
        label: 'Deserialize JSON',
        description: 'Turn JSON text into a value that later steps can reference.',
      },
      inputs: { data: jsonData },
      perform: async (_context, { data }) => ({ data: readJson(data) }),
    }),
    deserializeJsonl: action({
      display: {
        label: 'Deserialize JSON Lines (.jsonl)',
        description: 'Turn JSON Lines text (one JSON value per line) into an array; blank lines are skipped.',
      },
      inputs: {
        jsonlData: input({
          label: 'JSONL Data',
          type: 'data',
          comments: 'JSON Lines text (or a .jsonl file): one JSON value per line.',
          example: '{"id": 1}\n{"id": 2}',
        }),
      },
      perform: async (_context, { jsonlData }) => ({ data: readJsonl(jsonlData) }),
    }),
    deserializeFormData: action({
      display: {
        label: 'Deserialize URL-encoded Form Data',
        description:
          'Turn x-www-form-urlencoded text (a=1&b=2) into an object; a key given several times becomes an array.',
      },
      inputs: { data: dataInput('URL-encoded form text, such as a webhook body.', 'name=Ada&tags=a&tags=b') },
      perform: async (_context, { data }) => ({ data: readFormData(data) }),
    }),
    deserializeFromXml: action({
      display: {
        label: 'Deserialize XML',
        description: 'Turn XML text into an object: attributes as @_name keys, repeated elements as arrays.',
      },
      inputs: { data: xmlData, numbersAsStrings },
      perform: async (_context, { data, numbersAsStrings }) => ({ data: readXml(data, numbersAsStrings) }),
    }),
    deserializeFromYaml: action({
      display: {
        label: 'Deserialize YAML',
        description: 'Turn YAML text into a value that later steps can reference.',
      },
      inputs: { data: yamlData },
      perform: async (_context, { data }) => ({ data: readYaml(data) }),
    }),
    binaryToCsv: serializeAction(
      'csv',
      'JavaScript Object to CSV',
      'Serialize an array of objects to CSV text (nested values become dotted columns).',
    ),
    binaryToJson: serializeAction('json', 'JavaScript Object to JSON', 'Serialize a value to JSON text.'),
    binaryToXml: serializeAction('xml', 'JavaScript Object to XML', 'Serialize a value to XML text.'),
    binaryToYaml: serializeAction('yaml', 'JavaScript Object to YAML', 'Serialize a value to YAML text.'),
    jsonToCsv: fromText('json', 'csv'),
    jsonToXml: fromText('json', 'xml'),
    jsonToYaml: fromText('json', 'yaml'),
    prettyPrint: action({
      display: {
        label: 'Pretty Print',
        description:
          'Format data as indented JSON text to be more human-readable (JSON text is re-indented).',
      },
      inputs: { data: dataInput('The value or JSON text to format.') },
      perform: async (_context, { data }) => {
        const decoded = decodeBinary(data);
        let value: unknown = decoded;
        if (typeof decoded === 'string') {
          try {
            value = JSON.parse(decoded);
          } catch {
            return { data: decoded, contentType: 'text/plain' }; // not JSON: already as readable as it gets
          }
        }
        return { data: writeJson(value, 2), contentType: 'application/json' };
      },
    }),
    serializeJsonl: action({
      display: {
        label: 'Serialize JSON Lines (.jsonl)',
        description: 'Serialize an array of objects into JSON Lines text: one object per line.',
      },
      inputs: {
        objects: input({
          label: 'Array of JavaScript Objects to serialize',
          type: 'data',
          comments: 'An array (or its JSON text); each element becomes one line.',
          example: '[{"id": 1}, {"id": 2}]',
        }),
      },
      perform: async (_context, { objects }) => ({
        data: writeJsonl(objects),
        contentType: 'application/jsonl',
      }),
    }),
    serializeFormData: action({
      display: {
        label: 'Serialize URL-encoded Form Data',
        description:
          'Serialize an object into x-www-form-urlencoded text: arrays as repeated keys, nested objects as key[child].',
      },
      inputs: {
        data: dataInput(
          'An object of form fields (or its JSON text).',
          '{"name": "Ada", "tags": ["a", "b"]}',
        ),
      },
      perform: async (_context, { data }) => ({
        data: writeFormData(data),
        contentType: 'application/x-www-form-urlencoded',
      }),
    }),
    serializeToCsv: serializeAction(
      'csv',
      'Serialize CSV',
      'Serialize an array of objects to CSV text (older name of JavaScript Object to CSV).',
    ),
    serializeToJson: serializeAction(
      'json',
      'Serialize JSON',
      'Serialize a value to JSON text (older name of JavaScript Object to JSON).',
    ),
    serializeToXml: serializeAction(
      'xml',
      'Serialize XML',
      'Serialize a value to XML text (older name of JavaScript Object to XML).',
    ),
    serializeToYaml: serializeAction(
      'yaml',
      'Serialize YAML',
      'Serialize a value to YAML text (older name of JavaScript Object to YAML).',
    ),
    xmlToCsv: fromXml('csv'),
    xmlToJson: fromXml('json'),
    xmlToYaml: fromXml('yaml'),
    yamlToCsv: fromText('yaml', 'csv'),
    yamlToJson: fromText('yaml', 'json'),
    yamlToXml: fromText('yaml', 'xml'),
  },
});
