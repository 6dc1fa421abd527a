import {
  type CatalogComponent,
  type CatalogDataSource,
  type CatalogInput,
  type CatalogInputType,
  type CatalogOperation,
  catalogInputTypes,
} from '@weft/definition';
import type { Component, ComponentInput } from './component.js';

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

function catalogInput(input: ComponentInput): CatalogInput {
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
  return entry;
}

function catalogOperation(key: string, operation: OperationShape, label?: string, description?: string) {
  const entry: CatalogOperation = { key, inputs: (operation.inputs ?? []).map(catalogInput) };
  const shownLabel = label ?? operation.display?.label;
  if (shownLabel !== undefined) entry.label = shownLabel;
  const shownDescription = description ?? operation.display?.description;
  if (shownDescription !== undefined) entry.description = shownDescription;
  if (operation.loop) entry.kind = 'loop';
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
  const connections: Record<string, CatalogOperation> = {};
  for (const connection of component.connections ?? []) {
    connections[connection.key] = catalogOperation(
      connection.key,
      { inputs: connection.inputs },
      connection.label,
      connection.comments,
    );
  }
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
