import {
  type ConfigVar,
  closestMatch,
  containsPrivateKey,
  cronProblem,
  type Integration,
} from '@weft/definition';
import { configValues } from '@weft/engine';
import { WeftError } from '../errors.js';
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
/**
 * The variables and their values as `audience` may see them: customers see neither the variables the organization
 * keeps to itself (orgOnly) nor the values of those only the organization's app sets (embedded).
 */
export function configVariablesView(
  definition: unknown,
  stored: StoredValues,
  audience: 'organization' | 'customer' = 'organization',
): ConfigVariable[] {
  const shown = configVarsOf(definition).filter(
    (configVar) => audience === 'organization' || visibilityOf(configVar) !== 'organization',
  );
  return shown.map((configVar) => {
    const withheld = audience === 'customer' && visibilityOf(configVar) === 'embedded';
    const value =
      !withheld && Object.hasOwn(stored, configVar.stableKey) ? stored[configVar.stableKey] : null;
    return {
      key: configVar.key,
      stableKey: configVar.stableKey,
      dataType: configVar.dataType,
      description: configVar.description ?? '',
      orgOnly: configVar.orgOnly,
      ...(configVar.pickList ? { pickList: configVar.pickList } : {}),
      ...(configVar.collectionType ? { collectionType: configVar.collectionType } : {}),
      value: shownValue(configVar, value),
    };
  });
}

/**
 * A stored value as the API may show it: connection and credential values, and any value holding a private key
 * (pasted into a string or code variable), are secrets: only `{configured: true}` is answered.
 */
export function shownValue(configVar: ConfigVar, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  return secretDataTypes.has(configVar.dataType) || holdsPrivateKey(value) ? { configured: true } : value;
}

/**
 * Who sees and sets a config variable, as seed 003 names it (`permissionAndVisibilityType`): `customer` (the
 * default: customer users see and edit it in the wizard), `embedded` (not shown in the wizard, but the
 * organization's app sets it programmatically through the customer's session), `organization` (`orgOnly`: hidden
 * from customers entirely, set by the organization's team). Prismatic's exports write it as `orgOnly` and
 * `meta.visibleToCustomerDeployer`.
 */
export type ConfigVarVisibility = 'customer' | 'embedded' | 'organization';

export function visibilityOf(configVar: ConfigVar): ConfigVarVisibility {
  if (configVar.orgOnly) return 'organization';
  const meta = configVar.meta ?? {};
  const shown = meta.visibleToCustomerDeployer ?? meta.isVisibleToCustomerDeployer;
  return shown === false ? 'embedded' : 'customer';
}

/** `meta.visibleToOrgDeployer: false`: concealed from the organization's team in the wizard (still set by the API). */
export function visibleToOrgDeployer(configVar: ConfigVar): boolean {
  return configVar.meta?.visibleToOrgDeployer !== false;
}

/** One page of the config wizard, in the definition's order; variables placed on no page come last, on their own. */
export interface ConfigPageLayout {
  name: string;
  tagline?: string;
  /** The trailing page Weft adds for variables the definition placed on no page. */
  unplaced: boolean;
  elements: Array<{ type: 'configVar'; configVar: ConfigVar } | { type: 'html'; content: string }>;
}

/** The name of the page that holds variables the definition placed on no page. */
export const unplacedPageName = 'Other settings';

/** Variables that never hold a value: display elements. */
const displayDataTypes = new Set(['htmlElement']);

/**
 * The instance-wide config pages of a definition: its `configPages` (user-level pages are each customer user's own,
 * not the instance's, and are left out) with each element resolved, then a trailing page with the variables placed
 * on none of them. An `htmlElement` element is HTML text, or names a display variable whose default is the text.
 */
export function configPageLayout(definition: unknown): ConfigPageLayout[] {
  const configVars = configVarsOf(definition);
  const byName = new Map(configVars.map((configVar) => [configVar.key, configVar]));
  const pages = (definition as Partial<Integration> | null)?.configPages;
  const layout: ConfigPageLayout[] = [];
  const placed = new Set<string>();
  for (const page of Array.isArray(pages) ? pages : []) {
    if (page.userLevelConfigured) {
      for (const element of page.elements) placed.add(element.value);
      continue;
    }
    const elements: ConfigPageLayout['elements'] = [];
    for (const element of page.elements) {
      const configVar = byName.get(element.value);
      placed.add(element.value);
      if (configVar && !displayDataTypes.has(configVar.dataType)) {
        elements.push({ type: 'configVar', configVar });
      } else if (configVar) {
        elements.push({ type: 'html', content: configVar.defaultValue ?? configVar.description ?? '' });
      } else if (element.type === 'htmlElement') {
        elements.push({ type: 'html', content: element.value });
      }
    }
    layout.push({
      name: page.name,
      ...(page.tagline ? { tagline: page.tagline } : {}),
      unplaced: false,
      elements,
    });
  }
  const rest = configVars.filter(
    (configVar) => !placed.has(configVar.key) && !displayDataTypes.has(configVar.dataType),
  );
  if (rest.length > 0) {
    let name = unplacedPageName;
    for (let n = 2; layout.some((page) => page.name === name); n += 1) name = `${unplacedPageName} ${n}`;
    layout.push({
      name,
      unplaced: true,
      elements: rest.map((configVar) => ({ type: 'configVar' as const, configVar })),
    });
  }
  return layout;
}

/** A variable a deploy needs and the instance has no value for, with the wizard page it is on. */
export interface MissingValue {
  configVar: string;
  page: string;
  orgOnly: boolean;
}

/**
 * The values a deploy needs that the instance does not have: every variable on an instance-wide page (display
 * elements aside) needs one; connections that use an organization connection (`useScopedConfigVar`) are resolved
 * when a flow runs, not stored on the instance.
 */
export function missingConfigValues(definition: unknown, stored: StoredValues): MissingValue[] {
  const missing: MissingValue[] = [];
  for (const page of configPageLayout(definition)) {
    for (const element of page.elements) {
      if (element.type !== 'configVar') continue;
      const { configVar } = element;
      if (configVar.useScopedConfigVar) continue;
      const value = stored[configVar.stableKey];
      if (value === undefined || value === null) {
        missing.push({ configVar: configVar.key, page: page.name, orgOnly: configVar.orgOnly });
      }
    }
  }
  return missing;
}

/**
 * INSTANCE_CONFIG_INCOMPLETE for a version that cannot be deployed, naming each missing variable and its page;
 * undefined when nothing is missing.
 */
export function configIncompleteError(
  definition: unknown,
  stored: StoredValues,
  versionNumber: number,
): WeftError | undefined {
  const missing = missingConfigValues(definition, stored);
  if (missing.length === 0) return undefined;
  const names = missing.map((entry) => `'${entry.configVar}' (page '${entry.page}')`).join(', ');
  return new WeftError(
    'INSTANCE_CONFIG_INCOMPLETE',
    `Version ${versionNumber} cannot be deployed: ${missing.length === 1 ? 'config variable' : 'config variables'} ${names} ${missing.length === 1 ? 'has' : 'have'} no value.`,
    {
      missing: missing.map((entry) => entry.configVar),
      missingValues: missing,
      versionNumber,
    },
  );
}

/**
 * The same refusal as a customer user may read it: variables only the organization sets (orgOnly) are counted,
 * never named. For routes customers reach (deploy, upgrade); other errors are answered unchanged.
 */
export function customerViewOfError(error: unknown): unknown {
  if (!(error instanceof WeftError) || error.code !== 'INSTANCE_CONFIG_INCOMPLETE') return error;
  const details = error.details as { missingValues?: MissingValue[]; versionNumber?: number };
  if (!details.missingValues?.some((entry) => entry.orgOnly)) return error;
  const theirs = details.missingValues.filter((entry) => !entry.orgOnly);
  const hidden = details.missingValues.length - theirs.length;
  const named = theirs.map((entry) => `'${entry.configVar}' (page '${entry.page}')`).join(', ');
  const yours =
    theirs.length === 0
      ? ''
      : `${theirs.length === 1 ? 'config variable' : 'config variables'} ${named} ${theirs.length === 1 ? 'has' : 'have'} no value, and `;
  return new WeftError(
    'INSTANCE_CONFIG_INCOMPLETE',
    `Version ${details.versionNumber ?? ''} cannot be deployed: ${yours}${hidden} ${hidden === 1 ? 'setting' : 'settings'} only the integration's provider can set ${hidden === 1 ? 'is' : 'are'} not set yet (ask them to set ${hidden === 1 ? 'it' : 'them'}).`,
    {
      missing: theirs.map((entry) => entry.configVar),
      missingValues: theirs,
      organizationOnlyMissing: hidden,
      versionNumber: details.versionNumber,
    },
  );
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
