import {
  type CatalogComponent,
  type CatalogConnection,
  type CatalogDataSource,
  type CatalogInput,
  type CatalogInputType,
  type CatalogOperation,
  catalogInputTypes,
} from '@weft/definition';
import type { Component, ComponentConnection, ComponentInput } from './component.js';

const inputTypes = new Set<string>(catalogInputTypes);

/** The parts of a component its catalog entry is made of (what `integration()` and `component()` return). */
export type ComponentShape = Pick<Component, 'key' | 'public' | 'display' | 'actions' | 'triggers'> &
  Partial<Pick<Component, 'dataSources' | 'connections'>>;

interface OperationShape {
  key?: string;
  display?: { label?: string; description?: string };
  inputs?: ComponentInput[];
  loop?: boolean;
  allowsBranching?: boolean;
  staticBranchNames?: string[];
  dynamicBranchInput?: string;
  isPollingTrigger?: boolean;
}

/** A value as JSON data, or undefined when it has none (functions, undefined). */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function catalogInput(input: ComponentInput, ofConnection = false): CatalogInput {
  const label: unknown = input.label;
  const entry: CatalogInput = {
    key: input.key,
    type: inputTypes.has(input.type) ? (input.type as CatalogInputType) : 'string',
  };
  if (typeof label === 'string') entry.label = label;
  else if (label && typeof label === 'object' && typeof (label as { value?: unknown }).value === 'string') {
    entry.label = (label as { value: string }).value;
  }
  if (typeof input.required === 'boolean') entry.required = input.required;
  const fallback = jsonSafe(input.default);
  if (fallback !== undefined) entry.default = fallback;
  if (input.collection === 'valuelist' || input.collection === 'keyvaluelist')
    entry.collection = input.collection;
  if (Array.isArray(input.model)) {
    entry.model = input.model.map((choice) => ({
      label: String(choice.label ?? choice.value),
      value: String(choice.value),
    }));
  }
  if (ofConnection) {
    if (typeof input.shown === 'boolean') entry.shown = input.shown;
    if (typeof input.templateValue === 'string') entry.templateValue = input.templateValue;
  }
  return entry;
}

const oauth2Types = new Set(['authorization_code', 'client_credentials']);
const pkceMethods = new Set(['S256', 'plain']);

function stringRecord(value: unknown): Record<string, string> | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, String(entry)]));
}

function numberList(value: unknown): number[] | undefined {
  return Array.isArray(value) ? value.map(Number).filter(Number.isInteger) : undefined;
}

/** The settings the server's OAuth 2.0 client reads; Spectral's redirect settings are for Prismatic's UI only. */
function catalogOAuth2Config(config: ComponentConnection['oauth2Config']): CatalogConnection['oauth2Config'] {
  if (!config || typeof config !== 'object') return undefined;
  const result: NonNullable<CatalogConnection['oauth2Config']> = {};
  const extraAuthParams = stringRecord(config.extraAuthParams);
  if (extraAuthParams) result.extraAuthParams = extraAuthParams;
  const extraTokenParams = stringRecord(config.extraTokenParams);
  if (extraTokenParams) result.extraTokenParams = extraTokenParams;
  if (config.clientAuthentication === 'body' || config.clientAuthentication === 'basic') {
    result.clientAuthentication = config.clientAuthentication;
  }
  if (config.refreshOn && typeof config.refreshOn === 'object') {
    const statuses = numberList(config.refreshOn.statuses);
    const bodyIncludes = Array.isArray(config.refreshOn.bodyIncludes)
      ? config.refreshOn.bodyIncludes.map(String)
      : undefined;
    if (statuses || bodyIncludes) {
      result.refreshOn = {};
      if (statuses) result.refreshOn.statuses = statuses;
      if (bodyIncludes) result.refreshOn.bodyIncludes = bodyIncludes;
    }
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

function catalogConnection(connection: ComponentConnection): CatalogConnection {
  const entry: CatalogConnection = {
    ...catalogOperation(connection.key, {}, connection.label, connection.comments),
    inputs: (connection.inputs ?? []).map((input) => catalogInput(input, true)),
  };
  if (connection.oauth2Type && oauth2Types.has(connection.oauth2Type))
    entry.oauth2Type = connection.oauth2Type;
  if (connection.oauth2PkceMethod && pkceMethods.has(connection.oauth2PkceMethod)) {
    entry.oauth2PkceMethod = connection.oauth2PkceMethod;
  }
  const oauth2Config = catalogOAuth2Config(connection.oauth2Config);
  if (oauth2Config) entry.oauth2Config = oauth2Config;
  return entry;
}

function catalogOperation(key: string, operation: OperationShape, label?: string, description?: string) {
  const entry: CatalogOperation = {
    key,
    inputs: (operation.inputs ?? []).map((input) => catalogInput(input)),
  };
  const shownLabel = label ?? operation.display?.label;
  if (shownLabel !== undefined) entry.label = shownLabel;
  const shownDescription = description ?? operation.display?.description;
  if (shownDescription !== undefined) entry.description = shownDescription;
  if (operation.loop) entry.kind = 'loop';
  if (operation.isPollingTrigger) entry.isPollingTrigger = true;
  if (operation.allowsBranching) {
    entry.kind = 'branch';
    if (operation.staticBranchNames) entry.staticBranchNames = [...operation.staticBranchNames];
    if (operation.dynamicBranchInput) entry.dynamicBranchInput = operation.dynamicBranchInput;
  }
  return entry;
}

function operations(
  collection: Record<string, OperationShape> | undefined,
): Record<string, CatalogOperation> {
  const result: Record<string, CatalogOperation> = {};
  for (const [name, operation] of Object.entries(collection ?? {})) {
    const key = operation.key ?? name;
    result[key] = catalogOperation(key, operation);
  }
  return result;
}

/**
 * The catalog entry of a component: its actions, triggers, connections and data sources with their inputs, and
 * none of its functions. Definition validation checks steps against it: give the component a code-native
 * integration compiles to, and its YAML validates with
 * `createComponentCatalog(builtins, [componentManifest(component)])`.
 */
export function componentManifest(component: ComponentShape): CatalogComponent {
  const connections: Record<string, CatalogConnection> = {};
  for (const connection of component.connections ?? [])
    connections[connection.key] = catalogConnection(connection);
  const dataSources: Record<string, CatalogDataSource> = {};
  for (const [name, dataSource] of Object.entries(component.dataSources ?? {})) {
    const key = dataSource.key ?? name;
    dataSources[key] = { ...catalogOperation(key, dataSource), dataSourceType: dataSource.dataSourceType };
  }
  const entry: CatalogComponent = {
    key: component.key,
    isPublic: component.public === true,
    actions: operations(component.actions),
    triggers: operations(component.triggers),
    connections,
    dataSources,
  };
  if (component.display?.label !== undefined) entry.label = component.display.label;
  return entry;
}
