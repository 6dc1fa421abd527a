/** Input values of a connection: `--set input=value`, `--unset input` and `--values-file FILE`. */
import type { paths } from '@weft/client';
import { type Command, InvalidArgumentError } from 'commander';
import { reportingProblems } from '../../api.js';
import { CliError } from '../../cli-error.js';
import { readUserFile } from '../../files.js';
import { collect } from '../../options.js';
import { counted } from '../../output.js';

/** Input values by input key (text, numbers, booleans; null removes a stored one), as the routes take them. */
export type InputValues = NonNullable<
  paths['/api/connections']['post']['requestBody']['content']['application/json']['values']
>;
type InputValue = InputValues[string];

/** `--set "input=value"`: the value as given (text); numbers and booleans are read by the input's type. */
function inputSetting(
  value: string,
  previous: Array<[string, InputValue]> = [],
): Array<[string, InputValue]> {
  const at = value.indexOf('=');
  if (at <= 0 || value.slice(0, at).trim() === '') {
    throw new InvalidArgumentError(`expected "input=value", got '${value}'.`);
  }
  return [...previous, [value.slice(0, at).trim(), value.slice(at + 1)]];
}

/** A JSON object of input values (text, numbers, booleans; null removes a stored one). */
async function readValuesFile(file: string): Promise<InputValues> {
  const text = (await readUserFile(file, 'the values file')).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(`The values file '${file}' is not JSON (${(error as Error).message}).`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(
      `The values file '${file}' must hold a JSON object of input values, as {"apiKey": "..."}.`,
    );
  }
  for (const [name, value] of Object.entries(parsed)) {
    if (value !== null && !['string', 'number', 'boolean'].includes(typeof value)) {
      throw new CliError(
        `The values file '${file}': input '${name}' must be text, a number, a boolean or null, got ${Array.isArray(value) ? 'a list' : typeof value}.`,
      );
    }
  }
  return parsed as InputValues;
}

export interface ValueFlags {
  set?: Array<[string, InputValue]>;
  unset?: string[];
  valuesFile?: string;
}

/** The input values the flags give: the file's, then each --set, then each --unset (as null); undefined for none. */
export async function valuesOf(flags: ValueFlags): Promise<InputValues | undefined> {
  if (!flags.set && !flags.unset && flags.valuesFile === undefined) return undefined;
  const values: InputValues = flags.valuesFile ? await readValuesFile(flags.valuesFile) : {};
  for (const [name, value] of flags.set ?? []) values[name] = value;
  for (const name of flags.unset ?? []) values[name] = null;
  return values;
}

export function withValueOptions(command: Command): Command {
  return command
    .option(
      '-s, --set <input=value>',
      'an input value (as text; booleans and numbers as their text); repeat for several',
      inputSetting,
    )
    .option('--unset <input>', 'remove a stored input value; repeat for several', collect)
    .option(
      '--values-file <file>',
      'a JSON object of input values (keeps secrets out of the shell history); --set and --unset apply over it',
    );
}

/**
 * The answer of `call`; invalid input values print one line per problem on stderr, then fail (exit 1). The server
 * names every unknown input (with the inputs there are) and every missing required one.
 */
export function checkedInputs<T>(call: Promise<T>): Promise<T> {
  return reportingProblems(
    call,
    (problems) => {
      for (const problem of problems) process.stderr.write(`${problem}\n`);
      return `${counted(problems.length, 'invalid input value')}; nothing was stored.`;
    },
    'CONNECTION_INPUTS_INVALID',
  );
}
