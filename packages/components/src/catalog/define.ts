/**
 * Small builders for the built-in catalog, so that each component file reads like the Prismatic documentation
 * page it transcribes: an operation's key, label and inputs, each input's key, type, default and collection.
 *
 * Defaults are strings because a Prismatic definition stores every literal input value as a string (`'0'`,
 * `'false'`); the action's input type converts it.
 */
import type {
  CatalogComponent,
  CatalogConnection,
  CatalogInput,
  CatalogInputType,
  CatalogOperation,
} from '@weft/definition';

type InputExtras = Pick<CatalogInput, 'required' | 'default' | 'collection' | 'model'>;
type OperationExtras = Pick<CatalogOperation, 'kind' | 'staticBranchNames' | 'dynamicBranchInput'>;
type ConnectionExtras = Pick<CatalogConnection, 'oauth2Type' | 'oauth2PkceMethod' | 'oauth2Config'>;

export function input(
  key: string,
  label: string,
  type: CatalogInputType,
  extras: InputExtras = {},
): CatalogInput {
  return { key, label, type, ...extras };
}

/** A single-line string input. */
export const str = (key: string, label: string, extras?: InputExtras) => input(key, label, 'string', extras);
/** A multi-line text input. */
export const text = (key: string, label: string, extras?: InputExtras) => input(key, label, 'text', extras);
/** An input that takes any value, typically a reference to an earlier step's result. */
export const data = (key: string, label: string, extras?: InputExtras) => input(key, label, 'data', extras);
export const bool = (key: string, label: string, extras?: InputExtras) =>
  input(key, label, 'boolean', extras);
/** A secret: the server encrypts it and never shows it again. */
export const password = (key: string, label: string, extras?: InputExtras) =>
  input(key, label, 'password', extras);
export const code = (key: string, label: string, extras?: InputExtras) => input(key, label, 'code', extras);
export const connection = (key: string, label: string, extras?: InputExtras) =>
  input(key, label, 'connection', extras);

/** A list of `{name, value}` pairs (`type: complex` in a definition): headers, query parameters, mappings. */
export const keyValueList = (
  key: string,
  label: string,
  type: CatalogInputType = 'string',
  extras?: InputExtras,
) => input(key, label, type, { ...extras, collection: 'keyvaluelist' });

/** A list of values (`type: complex` in a definition). */
export const valueList = (
  key: string,
  label: string,
  type: CatalogInputType = 'string',
  extras?: InputExtras,
) => input(key, label, type, { ...extras, collection: 'valuelist' });

/** A choice among fixed values; each value is also its label unless given as `{label, value}`. */
export const picklist = (
  key: string,
  label: string,
  values: Array<string | { label: string; value: string }>,
  extras?: InputExtras,
) =>
  input(key, label, 'picklist', {
    ...extras,
    model: values.map((value) => (typeof value === 'string' ? { label: value, value } : value)),
  });

export function operation(
  key: string,
  label: string,
  description: string,
  inputs: CatalogInput[] = [],
  extras: OperationExtras = {},
): CatalogOperation {
  return { key, label, description, inputs, ...extras };
}

/** A connection a step's connection input may hold: its inputs and, for OAuth 2.0, its grant. */
export function connectionDefinition(
  key: string,
  label: string,
  description: string,
  inputs: CatalogInput[],
  extras: ConnectionExtras = {},
): CatalogConnection {
  return { key, label, description, inputs, ...extras };
}

/** Indexes operations by key; a key given twice is a mistake in the catalog, not something to overwrite. */
function byKey<T extends CatalogOperation>(componentKey: string, operations: T[]): Record<string, T> {
  const record: Record<string, T> = {};
  for (const op of operations) {
    if (Object.hasOwn(record, op.key))
      throw new Error(`built-in catalog: ${componentKey}.${op.key} is defined twice`);
    record[op.key] = op;
  }
  return record;
}

export function component(
  key: string,
  label: string,
  operations: {
    actions?: CatalogOperation[];
    triggers?: CatalogOperation[];
    connections?: CatalogConnection[];
  },
): CatalogComponent {
  const entry: CatalogComponent = {
    key,
    label,
    isPublic: true,
    actions: byKey(key, operations.actions ?? []),
    triggers: byKey(key, operations.triggers ?? []),
  };
  if (operations.connections) entry.connections = byKey(key, operations.connections);
  return entry;
}
