import { type Connection, input } from '@weft/sdk';

/*
 * A `clean` function turns an input's raw value into what `perform` receives (its return type becomes the
 * parameter's type) and throws when it cannot; Weft prefixes the message with the input's key and label.
 */

export function toConnection(value: unknown): Connection {
  if (typeof value !== 'object' || value === null || typeof (value as Connection).fields !== 'object') {
    throw new Error('choose an Acme Chat connection (a connection config variable)');
  }
  return value as Connection;
}

export function toRequiredText(value: unknown): string {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
  if (text === '') throw new Error('a value is required');
  return text;
}

export function toOptionalText(value: unknown): string | undefined {
  const text = typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
  return text === '' ? undefined : text;
}

/** Inputs may arrive as booleans or as text (`"true"`, from YAML or a config variable). */
export function toBool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === undefined || value === null || value === '') return false;
  const text = String(value).trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new Error(`must be true or false, got '${String(value)}'`);
}

export const connectionInput = input({
  label: 'Connection',
  type: 'connection',
  required: true,
  clean: toConnection,
});
