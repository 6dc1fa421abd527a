/**
 * What validation needs to know about components: which actions and triggers exist and which inputs they take.
 * The server builds a catalog from the built-in components and the custom components uploaded to it; a code-native
 * integration adds the component generated from its own code.
 */

export const catalogInputTypes = [
  'string',
  'text',
  'password',
  'boolean',
  'number',
  'code',
  'date',
  'timestamp',
  'picklist',
  'connection',
  'data',
  'jsonForm',
  'dynamicObjectSelection',
  'dynamicFieldSelection',
  'conditional',
  'objectSelection',
  'objectFieldMap',
  'template',
] as const;
export type CatalogInputType = (typeof catalogInputTypes)[number];

export interface CatalogInput {
  key: string;
  label?: string;
  type: CatalogInputType;
  /** A required input without a default must be given by every step that uses the action. */
  required?: boolean;
  default?: unknown;
  collection?: 'valuelist' | 'keyvaluelist';
  /** The allowed values of a picklist input. */
  model?: Array<{ label: string; value: string }>;
}

export interface CatalogOperation {
  key: string;
  label?: string;
  description?: string;
  inputs: CatalogInput[];
  /** Loop actions hold child `steps`; branch actions hold named `branches`. */
  kind?: 'loop' | 'branch';
  /** Branch actions whose branch names are fixed by the action (for example `branchOnValue`'s Else). */
  staticBranchNames?: string[];
  /** The input whose entries name the branches (branchOnExpression's `conditions`). */
  dynamicBranchInput?: string;
}

export interface CatalogDataSource extends CatalogOperation {
  dataSourceType: string;
}

export interface CatalogComponent {
  key: string;
  label?: string;
  /** Built-in (public) components; custom components are private to their organization. */
  isPublic: boolean;
  /** Versions that exist; an ActionRef with a number must name one of them. Empty means any version is accepted. */
  versions?: number[];
  actions: Record<string, CatalogOperation>;
  triggers: Record<string, CatalogOperation>;
  connections?: Record<string, CatalogOperation>;
  dataSources?: Record<string, CatalogDataSource>;
}

export interface ComponentCatalog {
  /** The component with this key (public and private keys share one namespace per organization). */
  get(key: string): CatalogComponent | undefined;
  keys(): string[];
}

/** A catalog over a fixed list of components; later entries win over earlier ones with the same key. */
export function createComponentCatalog(...lists: CatalogComponent[][]): ComponentCatalog {
  const byKey = new Map<string, CatalogComponent>();
  for (const list of lists) for (const component of list) byKey.set(component.key, component);
  return {
    get: (key) => byKey.get(key),
    keys: () => [...byKey.keys()],
  };
}
