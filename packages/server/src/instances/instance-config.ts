import {
  type ConfigVar,
  closestMatch,
  containsPrivateKey,
  cronProblem,
  type Integration,
} from '@weft/definition';
import { configValues } from '@weft/engine';
import type { ConfigVariable } from './instance-schemas.js';

/**
 * Config values of an instance: stored by config variable stable key (so they survive a rename of the variable in a
 * later version), set and shown by the variable's name (its `key`), checked against its data type.
 */

export type StoredValues = Record<string, unknown>;

export interface ConfigProblem {
  configVar: string;
  message: string;
}

export function configVarsOf(definition: unknown): ConfigVar[] {
  const vars = (definition as Partial<Integration> | null)?.configVars;
  return Array.isArray(vars) ? vars : [];
}

/** Stored values (by stable key) as steps see them: by the config variables' names. */
export function configValuesByName(definition: unknown, stored: StoredValues): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const configVar of configVarsOf(definition)) {
    if (Object.hasOwn(stored, configVar.stableKey)) values[configVar.key] = stored[configVar.stableKey];
  }
  return values;
}

/** The version's defaults, typed as the engine types them, by stable key. Variables without a default are left out. */
export function defaultValues(definition: unknown): StoredValues {
  const configVars = configVarsOf(definition);
  const byName = configValues({ configVars } as Integration);
  const values: StoredValues = {};
  for (const configVar of configVars) {
    const value = byName[configVar.key];
    if (value !== undefined) values[configVar.stableKey] = value;
  }
  return values;
}

/** Data types whose values are secrets: the API answers only whether one is set. */
const secretDataTypes = new Set(['connection', 'credential']);

/** What the API shows: connection and credential values are secrets and are never answered, only whether one is set. */
export function configVariablesView(definition: unknown, stored: StoredValues): ConfigVariable[] {
  return configVarsOf(definition).map((configVar) => {
    const value = Object.hasOwn(stored, configVar.stableKey) ? stored[configVar.stableKey] : null;
    return {
      key: configVar.key,
      stableKey: configVar.stableKey,
      dataType: configVar.dataType,
      description: configVar.description ?? '',
      orgOnly: configVar.orgOnly,
      ...(configVar.pickList ? { pickList: configVar.pickList } : {}),
      ...(configVar.collectionType ? { collectionType: configVar.collectionType } : {}),
      // A private key pasted into any variable (a string, a code variable) is a secret too.
      value:
        (secretDataTypes.has(configVar.dataType) && value !== null) || holdsPrivateKey(value)
          ? { configured: true }
          : value,
    };
  });
}

/** Whether a config value (or an item of a list or key-value list) holds private key material. */
function holdsPrivateKey(value: unknown): boolean {
  if (containsPrivateKey(value)) return true;
  if (Array.isArray(value)) return value.some((item) => holdsPrivateKey(item?.value ?? item));
  return false;
}

type Checked = { ok: true; value: unknown } | { ok: false; message: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** One value of the variable's data type (a list variable's element), normalized: numeric text to a number, 'true' to true. */
function checkScalar(configVar: ConfigVar, value: unknown): Checked {
  const wrong = (expected: string): Checked => ({
    ok: false,
    message: `expects ${expected}, got ${describeValue(value)}`,
  });
  switch (configVar.dataType) {
    case 'string':
    case 'code':
    case 'date':
    case 'timestamp':
    case 'credential':
      return typeof value === 'string' ? { ok: true, value } : wrong('text');
    case 'number': {
      if (typeof value === 'number')
        return Number.isFinite(value) ? { ok: true, value } : wrong('a finite number');
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
        return { ok: true, value: Number(value) };
      return wrong('a number');
    }
    case 'boolean':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return wrong('true or false');
    case 'picklist': {
      const allowed = configVar.pickList ?? [];
      if (typeof value === 'string' && allowed.includes(value)) return { ok: true, value };
      // Choices a data source offers are only known by running it: any choice it could answer is accepted.
      if (configVar.dataSource && typeof value === 'string' && value !== '') return { ok: true, value };
      return wrong(`one of ${allowed.map((choice) => `'${choice}'`).join(', ') || '(an empty pickList)'}`);
    }
    case 'schedule': {
      if (typeof value !== 'string') return wrong('a cron expression');
      const problem = cronProblem(value);
      return problem ? { ok: false, message: `is not a valid schedule: ${problem}` } : { ok: true, value };
    }
    case 'jsonForm':
    case 'objectSelection':
    case 'objectFieldMap':
      return typeof value === 'object' && value !== null ? { ok: true, value } : wrong('an object or a list');
    case 'connection':
      return isObject(value) ? { ok: true, value } : wrong('an object of connection inputs');
    default:
      return { ok: true, value };
  }
}

function checkValue(configVar: ConfigVar, value: unknown): Checked {
  if (configVar.collectionType === 'valuelist') {
    if (!Array.isArray(value)) return { ok: false, message: `expects a list, got ${describeValue(value)}` };
    const items: unknown[] = [];
    for (const [index, item] of value.entries()) {
      const checked = checkScalar(configVar, item);
      if (!checked.ok) return { ok: false, message: `item ${index} ${checked.message}` };
      items.push(checked.value);
    }
    return { ok: true, value: items };
  }
  if (configVar.collectionType === 'keyvaluelist') {
    const shape = 'a list of {key, value} pairs';
    if (!Array.isArray(value)) return { ok: false, message: `expects ${shape}, got ${describeValue(value)}` };
    const pairs: Array<{ key: string; value: unknown }> = [];
    for (const [index, item] of value.entries()) {
      if (!isObject(item) || typeof item.key !== 'string' || !('value' in item)) {
        return { ok: false, message: `expects ${shape}; item ${index} is not one` };
      }
      const extra = Object.keys(item).find((name) => name !== 'key' && name !== 'value');
      if (extra) return { ok: false, message: `expects ${shape}; item ${index} has '${extra}'` };
      const checked = checkScalar(configVar, item.value);
      if (!checked.ok) return { ok: false, message: `item ${index} (key '${item.key}') ${checked.message}` };
      pairs.push({ key: item.key, value: checked.value });
    }
    return { ok: true, value: pairs };
  }
  return checkScalar(configVar, value);
}

/**
 * Checks values given by variable name against the version's variables. Answers the values to set and the stable
 * keys to unset (a null value clears one), or every problem found.
 */
export function checkConfigValues(
  definition: unknown,
  given: Record<string, unknown>,
): { set: StoredValues; unset: string[]; problems: ConfigProblem[] } {
  const configVars = configVarsOf(definition);
  const byName = new Map(configVars.map((configVar) => [configVar.key, configVar]));
  const set: StoredValues = {};
  const unset: string[] = [];
  const problems: ConfigProblem[] = [];
  for (const [name, value] of Object.entries(given)) {
    const configVar = byName.get(name);
    if (!configVar) {
      const suggestion = closestMatch(name, byName.keys());
      problems.push({
        configVar: name,
        message: `The instance's integration version has no config variable named '${name}'${suggestion ? ` — did you mean '${suggestion}'?` : ''}`,
        ...(suggestion ? { suggestion } : {}),
      });
      continue;
    }
    if (value === null) {
      unset.push(configVar.stableKey);
      continue;
    }
    const checked = checkValue(configVar, value);
    if (checked.ok) set[configVar.stableKey] = checked.value;
    else
      problems.push({
        configVar: name,
        message: `Config variable '${name}' (${configVar.dataType}) ${checked.message}`,
      });
  }
  return { set, unset, problems };
}
