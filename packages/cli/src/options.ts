/** Commander option parsers shared by the commands: a bad value is a usage error (exit 2) naming what was expected. */
import { InvalidArgumentError } from 'commander';

/** A repeatable option: every value given, in order. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A whole number from 1, kept as given (page sizes). */
export function positiveInteger(value: string): string {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a whole number from 1.');
  return value;
}

/** A whole number from 1 to `max`. */
export function count(max: number): (value: string) => number {
  return (value) => {
    if (!/^[1-9]\d*$/.test(value) || Number(value) > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    }
    return Number(value);
  };
}

/** A published version number: a whole number from 1. */
export function versionNumber(value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new InvalidArgumentError('expected a version number (1, 2, ...).');
  return Number(value);
}

export function trueOrFalse(value: string): boolean {
  if (value !== 'true' && value !== 'false') throw new InvalidArgumentError('expected true or false.');
  return value === 'true';
}

/** One of `allowed`; `expected` ends the usage error's "expected …". */
export function choice<T extends string>(allowed: readonly T[], expected: string): (value: string) => T {
  return (value) => {
    if (!(allowed as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected ${expected}.`);
    return value as T;
  };
}

/** A repeatable `choice`: every value given. */
export function choices<T extends string>(
  allowed: readonly T[],
  expected: string,
): (value: string, previous?: T[]) => T[] {
  const one = choice(allowed, expected);
  return (value, previous) => [...(Array.isArray(previous) ? previous : []), one(value)];
}

const durationUnits: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `--since`/`--until`: an ISO 8601 date-time, or a duration ago such as 30s, 15m, 1h, 2d, 1w. */
export function pointInTime(value: string, now = Date.now()): string {
  const duration = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (duration) {
    return new Date(now - Number(duration[1]) * (durationUnits[duration[2] as string] ?? 0)).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value)) {
    // A date alone, or a date-time without a zone, is UTC.
    const text = /^\d{4}-\d{2}-\d{2}$/.test(value)
      ? `${value}T00:00:00Z`
      : /(Z|[+-]\d{2}:?\d{2})$/i.test(value)
        ? value
        : `${value}Z`;
    const parsed = new Date(text);
    if (!Number.isNaN(parsed.getTime())) return parsed.toISOString();
  }
  throw new InvalidArgumentError(
    'expected an ISO 8601 date-time (2026-05-01T12:00:00Z) or a duration ago (30s, 15m, 1h, 2d, 1w).',
  );
}

/** A value as JSON when it parses (numbers, booleans, objects, lists, null), else as the text it is. */
export function jsonOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** `--set "Var Name=value"`, collected: the value as JSON when it parses, else as text. */
export function configSetting(
  value: string,
  previous: Array<[string, unknown]> = [],
): Array<[string, unknown]> {
  const at = value.indexOf('=');
  if (at <= 0) throw new InvalidArgumentError(`expected "Var Name=value", got '${value}'.`);
  return [...previous, [value.slice(0, at).trim(), jsonOrText(value.slice(at + 1))]];
}

/** `--header "K: V"`, collected into an object (names in lower case). */
export function header(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf(':');
  const name = at > 0 ? value.slice(0, at).trim() : '';
  if (!name) throw new InvalidArgumentError(`expected "Name: value", got '${value}'.`);
  return { ...previous, [name.toLowerCase()]: value.slice(at + 1).trim() };
}
