/**
 * CSV reading and writing (RFC 4180, with papaparse) for the csv and change-data-format components, and the
 * flattening of nested objects into `a.b` columns and back.
 *
 * Written CSV quotes a field when it holds the delimiter, a quote, a line break or leading/trailing spaces, doubles
 * quotes inside quoted fields, and ends lines with CRLF as RFC 4180 says.
 */
import Papa from 'papaparse';
import { preview } from './support-formats.js';

export type Row = Record<string, unknown>;

/** The delimiter input: blank is a comma; `\t` (two characters) and the word `tab` are a tab. */
export function delimiterOf(value: unknown): string {
  if (value === undefined || value === null || value === '') return ',';
  if (typeof value !== 'string') throw new Error(`the delimiter must be text, got ${preview(value)}`);
  if (value === '\\t' || value.toLowerCase() === 'tab') return '\t';
  if (/["\r\n]/.test(value)) throw new Error(`the delimiter cannot contain a quote or a line break`);
  return value;
}

function parseErrorMessage(errors: Papa.ParseError[]): string | undefined {
  // A file with a single column has no delimiter to detect; papaparse reports that, and it is not a problem.
  const serious = errors.filter((error) => error.code !== 'UndetectableDelimiter');
  const first = serious[0];
  if (!first) return undefined;
  const where = first.row === undefined ? '' : ` (data row ${first.row + 1})`;
  return `the CSV is malformed${where}: ${first.message}`;
}

/** Parses CSV text into rows of fields (arrays of strings); blank lines are skipped. */
export function parseCsvRows(text: string, delimiter = ','): string[][] {
  const result = Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), {
    delimiter,
    header: false,
    skipEmptyLines: true,
  });
  const problem = parseErrorMessage(result.errors);
  if (problem) throw new Error(problem);
  return result.data;
}

/**
 * Parses CSV text whose first line names the columns into objects keyed by those names. A line with fewer fields
 * than the header gets empty strings for the missing ones; a line with more is an error (the data would be lost).
 */
export function parseCsvObjects(text: string, delimiter = ','): Row[] {
  const rows = parseCsvRows(text, delimiter);
  const [header, ...body] = rows;
  if (!header) return [];
  const names = uniqueNames(header);
  return body.map((fields, index) => {
    if (fields.length > names.length) {
      throw new Error(
        `the CSV is malformed: line ${index + 2} has ${fields.length} fields but the header names ${names.length} columns`,
      );
    }
    return Object.fromEntries(names.map((name, column) => [name, fields[column] ?? '']));
  });
}

/** Header names made unique (`id`, `id_1`) so that no column overwrites another. */
function uniqueNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw) => {
    const name = raw.trim();
    const count = seen.get(name) ?? 0;
    seen.set(name, count + 1);
    return count === 0 ? name : `${name}_${count}`;
  });
}

/** A cell's text: objects as JSON, dates as ISO 8601, nothing as an empty field. */
export function cellText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Writes rows of fields as CSV (CRLF line ends; quotes only where needed). */
export function writeCsvRows(rows: unknown[][], delimiter = ','): string {
  if (rows.length === 0) return '';
  return Papa.unparse(
    rows.map((row) => row.map(cellText)),
    { delimiter, newline: '\r\n', quotes: false, header: false, escapeFormulae: false },
  );
}

/** The union of the rows' keys, in the order they first appear. */
export function columnsOf(rows: Row[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

/** Writes objects as CSV: one column per key (the union over all rows), with or without the header line. */
export function writeCsvObjects(rows: Row[], delimiter = ',', includeHeader = true): string {
  const columns = columnsOf(rows);
  const body = rows.map((row) => columns.map((column) => row[column]));
  return writeCsvRows(includeHeader ? [columns, ...body] : body, delimiter);
}

function isPlainObject(value: unknown): value is Row {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !Buffer.isBuffer(value)
  );
}

/** `{a: {b: 1}, c: [1, 2]}` → `{'a.b': 1, 'c.0': 1, 'c.1': 2}`: nested values as dotted columns. */
export function flattenObject(value: Row): Row {
  const flat: Row = {};
  const visit = (node: unknown, path: string) => {
    if (isPlainObject(node) || Array.isArray(node)) {
      const entries = Object.entries(node);
      if (entries.length === 0) {
        flat[path] = Array.isArray(node) ? '[]' : '{}';
        return;
      }
      for (const [key, child] of entries) visit(child, path === '' ? key : `${path}.${key}`);
      return;
    }
    flat[path] = node;
  };
  for (const [key, child] of Object.entries(value)) visit(child, key);
  return flat;
}

/** `{'a.b': '1', 'c.0': 'x'}` → `{a: {b: '1'}, c: ['x']}`: the inverse of `flattenObject`. */
export function unflattenObject(flat: Row): Row {
  const root: Row = {};
  for (const [path, value] of Object.entries(flat)) {
    const parts = path.split('.');
    let node: Record<string, unknown> = root;
    parts.forEach((part, index) => {
      if (index === parts.length - 1) {
        node[part] = value;
        return;
      }
      const existing = node[part];
      if (typeof existing !== 'object' || existing === null) {
        node[part] = /^\d+$/.test(parts[index + 1] ?? '') ? [] : {};
      }
      node = node[part] as Record<string, unknown>;
    });
  }
  return root;
}

/**
 * The rows of a table held in a value: an array as it is, a single object as one row, and an object that only
 * wraps its rows (`{root: {row: [...]}}`, as parsed XML or YAML often is) unwrapped down to the array; any other
 * object is one row.
 */
export function tableRows(value: unknown): Row[] {
  let node = value;
  while (isPlainObject(node)) {
    const values = Object.values(node);
    const only = values[0];
    if (values.length === 1 && (isPlainObject(only) || Array.isArray(only))) node = only;
    else break;
  }
  if (Array.isArray(node)) {
    return node.map((item) =>
      isPlainObject(item) ? item : Array.isArray(item) ? { ...item } : { value: item },
    );
  }
  if (isPlainObject(value)) return [value];
  throw new Error(`expected a list of objects (rows) to write as CSV, got ${preview(value)}`);
}
