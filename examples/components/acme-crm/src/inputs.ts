import { type Connection, input, type KeyValuePair } from '@weft/sdk';

/*
 * Inputs shared by the actions. A `clean` function turns the raw value into what `perform` receives (its return
 * type becomes the parameter's type) and throws when it cannot; Weft prefixes its message with the input's key and
 * label, so the step error says which input is wrong.
 */

export function toConnection(value: unknown): Connection {
  if (typeof value !== 'object' || value === null || typeof (value as Connection).fields !== 'object') {
    throw new Error('choose an Acme CRM connection (a connection config variable)');
  }
  return value as Connection;
}

export function toEmail(value: unknown): string {
  const email = typeof value === 'string' ? value.trim() : '';
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
    throw new Error(`'${String(value ?? '')}' is not an email address`);
  }
  return email.toLowerCase();
}

export function toRequiredText(value: unknown): string {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
  if (text === '') throw new Error('a value is required');
  return text;
}

/** Empty means "no limit"; otherwise a whole number above 0 (inputs may arrive as text: "25"). */
export function toOptionalLimit(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const limit = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(limit) || limit < 1) {
    throw new Error(`must be a whole number above 0, or empty for no limit; got '${String(value)}'`);
  }
  return limit;
}

/**
 * Extra contact fields: a key/value list (`[{key: 'firstName', value: 'Ada'}]`) or an object, such as an earlier
 * step's result (`{firstName: 'Ada'}`).
 */
export function toFields(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null || value === '') return {};
  let entries: Array<[string, unknown]>;
  if (Array.isArray(value)) {
    entries = (value as KeyValuePair[]).map((pair) => [String(pair?.key ?? '').trim(), pair?.value]);
  } else if (typeof value === 'object') {
    entries = Object.entries(value);
  } else {
    throw new Error(`must be a key/value list or an object, got ${typeof value}`);
  }
  const fields: Record<string, unknown> = {};
  for (const [key, fieldValue] of entries) {
    if (key === '') throw new Error('every field needs a name');
    if (Object.hasOwn(fields, key)) throw new Error(`the field '${key}' is given twice`);
    fields[key] = fieldValue;
  }
  return fields;
}

export const connectionInput = input({
  label: 'Connection',
  type: 'connection',
  required: true,
  clean: toConnection,
});
