/** What `weft run` reads from the command line and from files: config values, the payload, the definition. */
import { readFileSync } from 'node:fs';
import { CliError } from '../../cli-error.js';
import { textPayloadTypes } from '../../files.js';
import { jsonOrText } from '../../options.js';

/** `Name=value`: the value as JSON when it parses (numbers, booleans, objects), else as text. */
export function configValues(pairs: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--config expects "Var Name=value", got '${pair}'`, 2);
    values[pair.slice(0, at)] = jsonOrText(pair.slice(at + 1));
  }
  return values;
}

export function readText(path: string, what: string): string {
  return readBytes(path, what).toString('utf8');
}

/**
 * The trigger body a payload file makes: JSON parsed (a .json file, or --content-type saying JSON), text as text,
 * and anything else — a binary --content-type, or, without one, a file that is not UTF-8 text — as a file: its
 * bytes, as a binary webhook body reaches the trigger.
 */
export function payloadBody(file: string, given: string | undefined): { data: unknown; contentType: string } {
  const bytes = readBytes(file, 'payload');
  const text = given === undefined || textPayloadTypes.test(given) ? utf8(bytes) : undefined;
  const contentType =
    given ??
    (text === undefined
      ? 'application/octet-stream'
      : file.endsWith('.json')
        ? 'application/json'
        : 'text/plain');
  if (!textPayloadTypes.test(contentType)) return { data: bytes, contentType };
  if (text === undefined)
    throw new CliError(`the payload ${file} is not UTF-8 text, as ${contentType} says it is`);
  if (!contentType.includes('json')) return { data: text, contentType };
  try {
    return { data: JSON.parse(text), contentType };
  } catch (error) {
    throw new CliError(`the payload ${file} is not JSON: ${(error as Error).message}`);
  }
}

function utf8(bytes: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function readBytes(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new CliError(
      `cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}
