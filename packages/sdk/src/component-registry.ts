/**
 * Existing components a code-native integration uses: their manifests (Spectral's `componentRegistry`), and
 * references to one of their triggers, connections or data sources with the input values to give it.
 */
import type { DataSourceType } from './config-vars.js';
import type { InputFieldCollection, InputVisibility } from './inputs.js';

export type ValueExpression<TValue = unknown> = { value: TValue };
export type ConfigVarExpression = { configVar: string };
/** Text with `{{#Config Var Name}}` placeholders. */
export type TemplateExpression = { template: string };

/** The value given to one input of a referenced trigger, connection or data source. */
export type ComponentReferenceValue =
  | ((ValueExpression | ConfigVarExpression | TemplateExpression) & InputVisibility & { writeOnly?: true })
  | (InputVisibility & { writeOnly?: true });

/** One trigger, connection or data source of a component in the registry, with its input values. */
export interface ComponentReference {
  /** The component's key in the integration's `componentRegistry`. */
  component: string;
  /** The trigger's, connection's or data source's key. */
  key: string;
  values?: Record<string, ComponentReferenceValue>;
  /** Connections: the connection template to use. */
  template?: string;
}

export interface ComponentManifestInput {
  inputType: string;
  collection?: InputFieldCollection;
  required?: boolean;
  default?: unknown;
}

export interface ComponentManifestEntry {
  /** Older manifests leave it out; the entry's name in the manifest is used then. */
  key?: string;
  perform?: (values: never) => Promise<unknown>;
  inputs: Record<string, ComponentManifestInput>;
}

/** What a code-native integration knows of an existing component (a manifest package exports one). */
export interface ComponentManifest {
  key: string;
  public: boolean;
  /** Private components: the signature of the version to use. */
  signature?: string | null;
  actions: Record<string, ComponentManifestEntry>;
  triggers: Record<string, ComponentManifestEntry>;
  dataSources: Record<string, ComponentManifestEntry & { dataSourceType?: DataSourceType }>;
  connections: Record<string, ComponentManifestEntry & { onPremAvailable?: boolean }>;
}

/** The components a code-native integration uses, by the name its references use. */
export type ComponentRegistry = Record<string, ComponentManifest>;

export const isComponentReference = (value: unknown): value is ComponentReference =>
  typeof value === 'object' && value !== null && 'key' in value && 'component' in value;
