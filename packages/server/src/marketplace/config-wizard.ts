import {
  type CatalogComponent,
  type ConfigVar,
  closestMatch,
  type Input,
  type Integration,
} from '@weft/definition';
import type { Caller } from '../auth/caller.js';
import { customerRoleAllows, roleAllows } from '../auth/roles.js';
import { connectionComponents } from '../components/component-store.js';
import {
  type ConnectionDefinition,
  connectionFields,
  findConnectionDefinition,
  mergeInputs,
} from '../connections/connection-definitions.js';
import { setCustomerCredentials } from '../connections/connection-operations.js';
import {
  type ConnectionRow,
  instanceCredentialsRow,
  openFields,
  type ScopedRow,
  scopedCredentialsRowOf,
  scopedRowByStableKey,
} from '../connections/connection-store.js';
import { isUuid } from '../database/ids.js';
import { instanceNotFound, isWeftError, WeftError } from '../errors.js';
import {
  type ConfigPageLayout,
  checkConfigValues,
  configPageLayout,
  missingConfigValues,
  type StoredValues,
  shownValue,
  visibilityOf,
  visibleToOrgDeployer,
} from '../instances/instance-config.js';
import { prepareConnectionValues } from '../instances/instance-connections.js';
import { type DataSourceDeps, runInstanceDataSource } from '../instances/instance-data-sources.js';
import type { DataSourceAnswer } from '../instances/instance-schemas.js';
import { configureInstance } from '../instances/instance-store.js';
import type {
  ConfigWizard,
  PageValidation,
  WizardConnection,
  WizardElement,
  WizardPage,
  WizardVariable,
} from './marketplace-schemas.js';
import {
  type AuthorizationUrls,
  authorizeCredentials,
  type ConnectionState,
  connectionState,
  credentialsToAuthorize,
  inputsNotEditable,
} from './wizard-connections.js';

/**
 * The config wizard of an instance, as the marketplace and the console show it: the integration version's config
 * pages in order with their elements (config variables, HTML), each variable as the caller may see it, each page's
 * status, and whether the whole is complete. Pages are saved one at a time (partial saves are fine; a deploy is
 * refused until every value is there), a variable's data source runs with the values saved so far and the ones
 * the wizard has not saved yet, and a connection variable is authorized with OAuth 2.0 from the wizard.
 *
 * Who sees what (seed 003's config variable visibility): organization-only variables (`orgOnly`) are left out for
 * customer users, values included; `embedded` ones are hidden from customers but settable (the organization's
 * app sets them through the customer's session) and their values withheld; variables not visible to
 * organization deployers are hidden from the organization's team in the wizard, yet settable and readable.
 */

export interface WizardDeps extends DataSourceDeps {}

/** A config variable's connection: where its credentials live, and the rows that hold them. */
interface ConnectionSlot {
  source: WizardConnection['source'];
  scoped: ScopedRow | undefined;
  definition: ConnectionDefinition | undefined;
  row: ConnectionRow | undefined;
  state: ConnectionState;
}

interface WizardContext {
  instance: {
    id: string;
    name: string;
    enabled: boolean;
    customerId: string;
    customerExternalId: string | null;
    customerName: string;
    integrationId: string;
    integrationName: string;
    versionNumber: number;
    deployedVersionNumber: number | null;
  };
  definition: Integration;
  layout: ConfigPageLayout[];
  stored: StoredValues;
  components: CatalogComponent[];
  connections: Map<string, ConnectionSlot>;
}

async function loadContext(deps: WizardDeps, caller: Caller, instanceId: string): Promise<WizardContext> {
  const { db } = deps;
  const row = isUuid(instanceId)
    ? await db
        .selectFrom('instances as n')
        .innerJoin('customers as c', 'c.id', 'n.customer_id')
        .innerJoin('integrations as i', 'i.id', 'n.integration_id')
        .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
        .leftJoin('integration_versions as dv', 'dv.id', 'n.deployed_version_id')
        .select([
          'n.id',
          'n.name',
          'n.enabled',
          'n.config_values',
          'c.id as customer_id',
          'c.external_id as customer_external_id',
          'c.name as customer_name',
          'i.id as integration_id',
          'i.name as integration_name',
          'v.version_number',
          'v.definition',
          'v.component_manifest',
          'dv.version_number as deployed_version_number',
        ])
        .where('n.org_id', '=', caller.orgId)
        .where('n.id', '=', instanceId)
        .executeTakeFirst()
    : undefined;
  // The authentication hook already answered 404 to a customer user for another customer's instance; this is
  // the same answer for an id that does not exist.
  if (!row || (caller.kind === 'customer' && row.customer_id !== caller.customerId)) {
    throw instanceNotFound(instanceId);
  }
  const definition = row.definition as Integration;
  const components = await connectionComponents(
    db,
    caller.orgId,
    definition,
    (row.component_manifest ?? null) as CatalogComponent | null,
  );
  const context: WizardContext = {
    instance: {
      id: row.id,
      name: row.name,
      enabled: row.enabled,
      customerId: row.customer_id,
      customerExternalId: row.customer_external_id,
      customerName: row.customer_name,
      integrationId: row.integration_id,
      integrationName: row.integration_name,
      versionNumber: row.version_number,
      deployedVersionNumber: row.deployed_version_number,
    },
    definition,
    layout: configPageLayout(definition),
    stored: (row.config_values ?? {}) as StoredValues,
    components,
    connections: new Map(),
  };
  for (const configVar of definition.configVars ?? []) {
    if (configVar.dataType !== 'connection') continue;
    context.connections.set(configVar.key, await connectionSlot(deps, context, configVar, caller));
  }
  return context;
}

async function connectionSlot(
  deps: WizardDeps,
  context: WizardContext,
  configVar: ConfigVar,
  caller: Caller,
): Promise<ConnectionSlot> {
  const { db, keyring } = deps;
  if (configVar.useScopedConfigVar) {
    const scoped = await scopedRowByStableKey(db, caller.orgId, configVar.useScopedConfigVar);
    const definition = scoped
      ? findConnectionDefinition(scoped.component_key, scoped.connection_key)
      : undefined;
    const row = scoped
      ? await scopedCredentialsRowOf(
          db,
          scoped.id,
          scoped.kind === 'org_global' ? null : context.instance.customerId,
        )
      : undefined;
    return {
      source: scoped?.kind ?? 'missing',
      scoped,
      definition,
      row,
      // The inputs of an organization connection are its own: the variable's integration inputs do not apply.
      state: await connectionState(keyring, definition, row, undefined, caller),
    };
  }
  const ref = configVar.connection;
  const definition = ref
    ? findConnectionDefinition(ref.component.key, ref.key, context.components)
    : undefined;
  const row = await instanceCredentialsRow(db, context.instance.id, configVar.stableKey);
  return {
    source: 'instance',
    scoped: undefined,
    definition,
    row,
    state: await connectionState(keyring, definition, row, configVar, caller),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What the caller sees
// ---------------------------------------------------------------------------------------------------------------

interface Access {
  /** False: the variable does not exist for this caller (organization-only variables, for customer users). */
  included: boolean;
  visible: boolean;
  editable: boolean;
  /** Whether the caller may read its value. */
  readable: boolean;
  /** Why it is not editable, when it is not. */
  reason?: string;
}

function accessOf(configVar: ConfigVar, caller: Caller, slot: ConnectionSlot | undefined): Access {
  const visibility = visibilityOf(configVar);
  const customer = caller.kind === 'customer';
  if (customer && visibility === 'organization') {
    return { included: false, visible: false, editable: false, readable: false };
  }
  const access: Access = customer
    ? {
        included: true,
        visible: visibility === 'customer',
        editable: true,
        readable: visibility === 'customer',
      }
    : { included: true, visible: visibleToOrgDeployer(configVar), editable: true, readable: true };
  if (slot && slot.source !== 'instance') {
    const name = slot.scoped?.name ?? configVar.useScopedConfigVar;
    if (slot.source === 'missing') {
      access.editable = false;
      access.reason = `it uses the organization connection '${configVar.useScopedConfigVar}', which does not exist`;
    } else if (slot.source === 'org_global') {
      access.editable = false;
      access.reason = `it uses the organization's connection '${name}', set by the organization for every customer`;
    } else if (slot.source === 'org_customer' && customer) {
      access.editable = false;
      access.reason = `it uses the connection '${name}', which the organization sets for each customer`;
    }
  }
  return access;
}

/** Names of the other variables a variable's data source or connection inputs read. */
function dependsOn(configVar: ConfigVar, names: Set<string>): string[] {
  const found = new Set<string>();
  const visit = (input: Input) => {
    if (input.type === 'configVar' && typeof input.value === 'string') found.add(input.value);
    if (input.type === 'template' && typeof input.value === 'string') {
      for (const match of input.value.matchAll(/\{\{#\s*([^}]+?)\s*\}\}/g)) found.add(match[1] ?? '');
    }
  };
  for (const input of Object.values(configVar.inputs ?? {})) visit(input);
  found.delete(configVar.key);
  // In the definition's order of variables, as the wizard shows them.
  return [...names].filter((name) => found.has(name));
}

function hasStoredValue(context: WizardContext, configVar: ConfigVar): boolean {
  const value = context.stored[configVar.stableKey];
  return value !== undefined && value !== null;
}

/** What keeps a variable from being complete, in a sentence; undefined when nothing does. */
function problemOf(context: WizardContext, configVar: ConfigVar, slot: ConnectionSlot | undefined) {
  if (slot) {
    const name = slot.scoped?.name ?? configVar.useScopedConfigVar ?? configVar.key;
    if (slot.source === 'missing') {
      return `'${configVar.key}' uses the organization connection '${configVar.useScopedConfigVar}', which does not exist: the organization must create it`;
    }
    if (!slot.row) {
      if (slot.source === 'customer_activated') return `'${configVar.key}': connect your ${name} account`;
      if (slot.source === 'org_customer') {
        return `'${configVar.key}': the organization has not set this customer's ${name} credentials yet`;
      }
      if (slot.source === 'org_global')
        return `'${configVar.key}': the organization has not set the ${name} credentials yet`;
      return `'${configVar.key}' needs its connection inputs`;
    }
    if (slot.state.status === 'pending_authorization') {
      return `'${configVar.key}' is not authorized yet: connect it (POST .../config-wizard/connections/{configVar}/authorize)`;
    }
    if (slot.state.status === 'error') {
      return `'${configVar.key}' failed: ${slot.state.statusMessage ?? 'its credentials no longer work'}; connect it again`;
    }
    return undefined;
  }
  return hasStoredValue(context, configVar) ? undefined : `'${configVar.key}' needs a value`;
}

function variableView(
  context: WizardContext,
  configVar: ConfigVar,
  access: Access,
  slot: ConnectionSlot | undefined,
  names: Set<string>,
): WizardVariable {
  const hasValue =
    slot && slot.source !== 'instance' ? slot.row !== undefined : hasStoredValue(context, configVar);
  const value = access.readable ? shownValue(configVar, context.stored[configVar.stableKey]) : null;
  const ref = configVar.connection;
  return {
    key: configVar.key,
    stableKey: configVar.stableKey,
    label: configVar.key,
    dataType: configVar.dataType,
    description: configVar.description ?? '',
    defaultValue: access.readable ? (configVar.defaultValue ?? null) : null,
    required: true,
    collectionType: configVar.collectionType ?? null,
    pickList: configVar.pickList ?? null,
    codeLanguage: configVar.codeLanguage ?? null,
    scheduleType: configVar.scheduleType ?? null,
    timeZone: configVar.timeZone ?? null,
    dataSource: configVar.dataSource
      ? { component: configVar.dataSource.component.key, key: configVar.dataSource.key }
      : null,
    dependsOn: dependsOn(configVar, names),
    visibility: visibilityOf(configVar),
    visible: access.visible,
    editable: access.editable,
    hasValue,
    value: slot && slot.source !== 'instance' ? (hasValue ? { configured: true } : null) : value,
    ...(slot
      ? {
          connection: {
            source: slot.source,
            scopedConnection: configVar.useScopedConfigVar ?? null,
            component: slot.scoped?.component_key ?? ref?.component.key ?? '',
            connection: slot.scoped?.connection_key ?? ref?.key ?? '',
            ...slot.state,
            // Embedded variables' inputs are the organization's app's to set: customers see none of their values,
            // nor the defaults the integration gives them (as the variable's own default is withheld).
            inputs: access.readable
              ? slot.state.inputs
              : slot.state.inputs.map((input) => ({ ...input, default: null, value: null })),
          },
        }
      : {}),
  };
}

interface CallerPage {
  layout: ConfigPageLayout;
  view: WizardPage;
  variables: Map<string, { configVar: ConfigVar; access: Access; slot: ConnectionSlot | undefined }>;
}

/** The pages as the caller sees them, and the values a deploy needs that the caller may not even know of. */
function pagesFor(context: WizardContext, caller: Caller): { pages: CallerPage[]; hiddenMissing: number } {
  const names = new Set(
    (context.definition.configVars ?? [])
      .filter((configVar) => caller.kind !== 'customer' || visibilityOf(configVar) !== 'organization')
      .map((configVar) => configVar.key),
  );
  const pages: CallerPage[] = [];
  let hiddenMissing = 0;
  for (const layout of context.layout) {
    const elements: WizardElement[] = [];
    const problems: WizardPage['problems'] = [];
    const variables: CallerPage['variables'] = new Map();
    let placedVariables = 0;
    for (const element of layout.elements) {
      if (element.type === 'html') {
        elements.push({ type: 'html', content: element.content });
        continue;
      }
      placedVariables += 1;
      const { configVar } = element;
      const slot = context.connections.get(configVar.key);
      const access = accessOf(configVar, caller, slot);
      const problem = problemOf(context, configVar, slot);
      if (!access.included) {
        if (problem) hiddenMissing += 1;
        continue;
      }
      variables.set(configVar.key, { configVar, access, slot });
      elements.push({ type: 'configVar', variable: variableView(context, configVar, access, slot, names) });
      if (problem) problems.push({ configVar: configVar.key, message: problem });
    }
    // A page whose every variable is hidden from the caller is left out; a page of text alone is kept.
    if (placedVariables > 0 && variables.size === 0) continue;
    pages.push({
      layout,
      variables,
      view: {
        number: pages.length + 1,
        name: layout.name,
        tagline: layout.tagline ?? null,
        status: problems.length === 0 ? 'complete' : 'incomplete',
        problems,
        elements,
      },
    });
  }
  return { pages, hiddenMissing };
}

function mayConfigure(caller: Caller): boolean {
  return caller.kind === 'customer'
    ? customerRoleAllows(caller.role, 'instances:configure')
    : roleAllows(caller.role, 'instances:configure');
}

function wizardOf(context: WizardContext, caller: Caller): ConfigWizard {
  const { pages, hiddenMissing } = pagesFor(context, caller);
  const complete = hiddenMissing === 0 && pages.every((page) => page.view.status === 'complete');
  const missing = missingConfigValues(context.definition, context.stored)
    .filter((entry) => caller.kind !== 'customer' || !entry.orgOnly)
    .map((entry) => ({ configVar: entry.configVar, page: entry.page }));
  const { instance } = context;
  return {
    instance: {
      id: instance.id,
      name: instance.name,
      enabled: instance.enabled,
      versionNumber: instance.versionNumber,
      deployedVersionNumber: instance.deployedVersionNumber,
      integration: { id: instance.integrationId, name: instance.integrationName },
      customer: {
        id: instance.customerId,
        externalId: instance.customerExternalId,
        name: instance.customerName,
      },
    },
    pages: pages.map((page) => page.view),
    complete,
    canDeploy: complete && mayConfigure(caller),
    missing,
    organizationOnlyMissing: caller.kind === 'customer' ? hiddenMissing : 0,
  };
}

export async function getConfigWizard(
  deps: WizardDeps,
  caller: Caller,
  instanceId: string,
): Promise<ConfigWizard> {
  return wizardOf(await loadContext(deps, caller, instanceId), caller);
}

// ---------------------------------------------------------------------------------------------------------------
// Validating and saving a page
// ---------------------------------------------------------------------------------------------------------------

function findPage(pages: CallerPage[], given: string): CallerPage {
  const byNumber = /^[1-9]\d{0,5}$/.test(given) ? pages[Number(given) - 1] : undefined;
  const page =
    pages.find((candidate) => candidate.view.name === given) ??
    byNumber ??
    pages.find((candidate) => candidate.view.name.toLowerCase() === given.toLowerCase());
  if (!page) {
    throw new WeftError(
      'CONFIG_WIZARD_PAGE_NOT_FOUND',
      `The config wizard has no page '${given}' (pages: ${pages.map((candidate) => `'${candidate.view.name}'`).join(', ') || 'none'}).`,
      { pages: pages.map((candidate) => candidate.view.name) },
    );
  }
  return page;
}

interface PageCheck {
  problems: Array<{ configVar: string; message: string }>;
  /** Values for the instance itself (PUT /instances/{id}/config semantics), by name. */
  instanceValues: Record<string, unknown>;
  /** Credentials of per-customer organization connections, set for the instance's customer. */
  customerCredentials: Array<{ scoped: ScopedRow; values: Record<string, unknown> }>;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks values for one page: that each is on it and the caller may set it, then types and connection inputs. */
async function checkPage(
  deps: WizardDeps,
  context: WizardContext,
  caller: Caller,
  pages: CallerPage[],
  page: CallerPage,
  values: Record<string, unknown>,
): Promise<PageCheck> {
  const check: PageCheck = { problems: [], instanceValues: {}, customerCredentials: [] };
  const problem = (configVar: string, message: string) => check.problems.push({ configVar, message });
  for (const [name, value] of Object.entries(values)) {
    const entry = page.variables.get(name);
    if (!entry) {
      const elsewhere = pages.find((other) => other.variables.has(name));
      if (elsewhere) {
        problem(
          name,
          `'${name}' is on page '${elsewhere.view.name}', not '${page.view.name}': save it with that page`,
        );
      } else {
        const suggestion = closestMatch(name, page.variables.keys());
        problem(
          name,
          `Page '${page.view.name}' has no config variable '${name}'${suggestion ? ` — did you mean '${suggestion}'?` : ''}`,
        );
      }
      continue;
    }
    const { access, slot } = entry;
    if (!access.editable) {
      problem(name, `'${name}' cannot be set here: ${access.reason ?? 'it is not yours to set'}`);
      continue;
    }
    if (!slot) {
      check.instanceValues[name] = value;
      continue;
    }
    if (value === null) {
      if (slot.source === 'instance') check.instanceValues[name] = null;
      else
        problem(
          name,
          `'${name}' uses the connection '${slot.scoped?.name}': remove its credentials there (DELETE /api/marketplace/connections/${slot.scoped?.stable_key}), not from one instance`,
        );
      continue;
    }
    if (!isObject(value)) {
      problem(name, `Config variable '${name}' (connection) expects an object of connection inputs`);
      continue;
    }
    const all = slot.definition?.inputs.map((input) => input.key) ?? [];
    const refused = inputsNotEditable(slot.state.inputs, value, all);
    if (refused.length > 0) {
      problem(
        name,
        `'${name}': ${refused.map((key) => `'${key}'`).join(', ')} ${refused.length === 1 ? 'is' : 'are'} not ${refused.length === 1 ? 'an input' : 'inputs'} you may set`,
      );
      continue;
    }
    if (slot.source === 'instance') {
      check.instanceValues[name] = value;
      continue;
    }
    if (!slot.definition || !slot.scoped) {
      problem(name, `'${name}': the connection it uses is not defined by any component`);
      continue;
    }
    const stored = slot.row ? await openFields(deps.keyring, slot.row).catch(() => ({})) : {};
    const { problems } = connectionFields(slot.definition, mergeInputs(slot.definition, stored, value));
    if (problems.length > 0)
      problem(name, `'${name}' (connection ${slot.scoped.name}): ${problems.join('; ')}`);
    else check.customerCredentials.push({ scoped: slot.scoped, values: value });
  }
  if (check.problems.length > 0) return check;
  const typed = checkConfigValues(context.definition, check.instanceValues);
  check.problems.push(...typed.problems);
  if (check.problems.length > 0) return check;
  // Connection inputs are checked against their definitions as a save would, writing nothing.
  await deps.db.transaction().execute(async (trx) => {
    await prepareConnectionValues(trx, deps.keyring, {
      orgId: caller.orgId,
      instanceId: context.instance.id,
      definition: context.definition,
      manifest: context.components,
      set: { ...typed.set },
      unset: typed.unset,
      problems: check.problems,
    });
  });
  return check;
}

function invalid(page: string, problems: PageCheck['problems']): WeftError {
  return new WeftError(
    'CONFIG_WIZARD_VALUES_INVALID',
    problems.length === 1
      ? `${problems[0]?.message}.`
      : `${problems.length} values of page '${page}' are invalid: ${problems.map((entry) => entry.configVar).join(', ')}.`,
    { page, problems },
  );
}

/** Which variables of the page would still have no value once `values` are saved. */
function stillMissing(context: WizardContext, page: CallerPage, values: Record<string, unknown>): string[] {
  const missing: string[] = [];
  for (const [name, { configVar, slot }] of page.variables) {
    const given = Object.hasOwn(values, name) ? values[name] : undefined;
    if (given === null) {
      if (slot?.source === 'instance' || !slot) missing.push(name);
      continue;
    }
    if (given !== undefined) continue;
    if (slot && slot.source !== 'instance' ? !slot.row : !hasStoredValue(context, configVar))
      missing.push(name);
  }
  return missing;
}

/** The instance's wizard, the page named, and the check of `values` for it, as the caller sees them. */
async function checkedPage(
  deps: WizardDeps,
  caller: Caller,
  instanceId: string,
  pageName: string,
  values: Record<string, unknown>,
): Promise<{ context: WizardContext; page: CallerPage; check: PageCheck }> {
  const context = await loadContext(deps, caller, instanceId);
  const { pages } = pagesFor(context, caller);
  const page = findPage(pages, pageName);
  const check = await checkPage(deps, context, caller, pages, page, values);
  return { context, page, check };
}

/** Checks one page's values without saving them. */
export async function validatePage(
  deps: WizardDeps,
  caller: Caller,
  instanceId: string,
  pageName: string,
  values: Record<string, unknown>,
): Promise<PageValidation> {
  const { context, page, check } = await checkedPage(deps, caller, instanceId, pageName, values);
  const missing = stillMissing(context, page, values);
  return {
    page: page.view.name,
    valid: check.problems.length === 0,
    complete: check.problems.length === 0 && missing.length === 0,
    problems: check.problems,
    missing,
  };
}

/**
 * Saves one page's values (a partial save is fine: variables left out keep theirs) and answers the whole wizard
 * again. Nothing is saved when a value is wrong, off the page, or not the caller's to set.
 */
export async function savePage(
  deps: WizardDeps,
  caller: Caller,
  instanceId: string,
  pageName: string,
  values: Record<string, unknown>,
): Promise<ConfigWizard> {
  const { context, page, check } = await checkedPage(deps, caller, instanceId, pageName, values);
  if (check.problems.length > 0) throw invalid(page.view.name, check.problems);
  for (const { scoped, values: credentials } of check.customerCredentials) {
    await setCustomerCredentials(
      deps.db,
      deps.keyring,
      caller.orgId,
      scoped.id,
      { id: context.instance.customerId },
      credentials,
    );
  }
  if (Object.keys(check.instanceValues).length > 0) {
    try {
      await configureInstance(deps.db, deps.keyring, caller.orgId, context.instance.id, check.instanceValues);
    } catch (error) {
      if (isWeftError(error) && error.code === 'INSTANCE_CONFIG_INVALID') {
        throw invalid(page.view.name, (error.details.problems ?? []) as PageCheck['problems']);
      }
      throw error;
    }
  }
  return getConfigWizard(deps, caller, instanceId);
}

// ---------------------------------------------------------------------------------------------------------------
// Data sources and OAuth 2.0
// ---------------------------------------------------------------------------------------------------------------

/** A variable of the instance the caller may reach, by name or stable key; 404 for anything else. */
function variableFor(context: WizardContext, caller: Caller, name: string) {
  const configVar = (context.definition.configVars ?? []).find(
    (candidate) => candidate.key === name || candidate.stableKey === name,
  );
  const slot = configVar ? context.connections.get(configVar.key) : undefined;
  const access = configVar ? accessOf(configVar, caller, slot) : undefined;
  if (!configVar || !access?.included) {
    throw new WeftError(
      'CONFIG_WIZARD_VARIABLE_NOT_FOUND',
      `The instance's config wizard has no config variable '${name}'.`,
      { configVar: name },
    );
  }
  return { configVar, slot, access };
}

/**
 * Runs a variable's data source with the saved values and the wizard's unsaved ones (`values`, by name) laid
 * over them: the picklist of a later page may depend on a choice of an earlier page not saved yet.
 */
export async function runWizardDataSource(
  deps: WizardDeps,
  caller: Caller,
  instanceId: string,
  name: string,
  values: Record<string, unknown> | undefined,
): Promise<DataSourceAnswer> {
  const context = await loadContext(deps, caller, instanceId);
  const { configVar } = variableFor(context, caller, name);
  if (values && caller.kind === 'customer') {
    // Customer users cannot name what they cannot see: an organization-only variable is as unknown as a typo, and
    // both are answered alike, with suggestions among the variables the customer sees (never an organization one).
    const seen = (context.definition.configVars ?? [])
      .filter((candidate) => visibilityOf(candidate) !== 'organization')
      .map((candidate) => candidate.key);
    const unknown = Object.keys(values).filter((key) => !seen.includes(key));
    if (unknown.length > 0) {
      throw new WeftError(
        'CONFIG_WIZARD_VALUES_INVALID',
        `The instance's integration version has no config variable named ${unknown.map((key) => `'${key}'`).join(', ')}.`,
        {
          problems: unknown.map((key) => {
            const suggestion = closestMatch(key, seen);
            return {
              configVar: key,
              message: `No config variable named '${key}'${suggestion ? ` — did you mean '${suggestion}'?` : ''}`,
            };
          }),
        },
      );
    }
  }
  return runInstanceDataSource(
    deps,
    caller.orgId,
    context.instance.id,
    configVar.key,
    values ? { unsaved: values } : {},
  );
}

/**
 * Starts the OAuth 2.0 authorization of a connection variable from the wizard: the instance's own connection, or
 * the customer's credentials of the customer-activated connection it uses (made from the integration's and the
 * connection's defaults when none are stored yet). The provider sends the browser to /oauth2/callback, which
 * lands on `returnTo`.
 */
export async function authorizeWizardConnection(
  deps: WizardDeps,
  caller: Caller,
  instanceId: string,
  name: string,
  urls: AuthorizationUrls,
): Promise<{ authorizeUrl: string; expiresAt: string; returnTo: string }> {
  const context = await loadContext(deps, caller, instanceId);
  const { configVar, slot, access } = variableFor(context, caller, name);
  if (!slot) {
    throw new WeftError(
      'CONNECTION_NOT_AUTHORIZABLE',
      `Config variable '${configVar.key}' is not a connection.`,
    );
  }
  if (!access.editable) {
    throw new WeftError(
      'CONFIG_WIZARD_VARIABLE_NOT_EDITABLE',
      `'${configVar.key}' cannot be authorized from the wizard: ${access.reason ?? 'it is not yours to set'}.`,
      { configVar: configVar.key },
    );
  }
  let row = slot.row;
  if (!row && slot.source === 'instance') {
    try {
      await configureInstance(deps.db, deps.keyring, caller.orgId, context.instance.id, {
        [configVar.key]: {},
      });
    } catch (error) {
      if (isWeftError(error) && error.code === 'INSTANCE_CONFIG_INVALID') {
        throw invalid(
          context.layout.find((page) =>
            page.elements.some((e) => e.type === 'configVar' && e.configVar === configVar),
          )?.name ?? '',
          (error.details.problems ?? []) as PageCheck['problems'],
        );
      }
      throw error;
    }
    row = await instanceCredentialsRow(deps.db, context.instance.id, configVar.stableKey);
  } else if (!row && slot.scoped) {
    row = await credentialsToAuthorize(deps, caller.orgId, slot.scoped.id, context.instance.customerId);
  }
  if (!row)
    throw new WeftError(
      'CONNECTION_NOT_FOUND',
      `Connection '${configVar.key}' has no credentials to authorize.`,
    );
  return authorizeCredentials(deps, caller.orgId, row.id, urls);
}
