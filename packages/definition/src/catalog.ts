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
  /** Connection inputs: false hides the input from deployers (its default is always used). */
  shown?: boolean;
  /** Connection inputs of type `template`: the value, computed from the other inputs (`{{#domain}}`). */
  templateValue?: string;
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
  /** Actions: the platform leaves the innermost loop after this action. */
  breakLoop?: boolean;
  /** Actions: the platform ends the execution after this action. */
  terminateExecution?: boolean;
  /** Triggers: whether the trigger may (or must) run on a schedule, or answer a synchronous caller. */
  scheduleSupport?: 'invalid' | 'valid' | 'required';
  synchronousResponseSupport?: 'invalid' | 'valid' | 'required';
  /** Triggers: functions the platform calls when an instance is deployed or deleted. */
  hasOnInstanceDeploy?: boolean;
  hasOnInstanceDelete?: boolean;
  /**
   * Triggers: Spectral's `webhookLifecycleHandlers` (`webhookCreate` / `webhookDelete` on the wire), which register
   * the flow's webhook URL at the provider and remove it again.
   */
  hasWebhookCreateFunction?: boolean;
  hasWebhookDeleteFunction?: boolean;
  /** Triggers: a polling trigger (Spectral's `pollingTrigger`), run on the flow's schedule. */
  isPollingTrigger?: boolean;
}

/** How a connection gets and keeps an OAuth 2.0 token, beyond the inputs Prismatic names (authorizeUrl, tokenUrl...). */
export interface CatalogOAuth2Config {
  /** Added to the authorize URL's query. */
  extraAuthParams?: Record<string, string>;
  /** Added to every token request's form. */
  extraTokenParams?: Record<string, string>;
  /** Where the client id and secret go in token requests (default `body`). */
  clientAuthentication?: 'body' | 'basic';
  /**
   * Which API answers mean the access token expired early: the step is run once more with a refreshed token.
   * Default: status 401.
   */
  refreshOn?: { statuses?: number[]; bodyIncludes?: string[] };
}

/** A connection: its inputs (secret ones are of type `password`) and, for OAuth 2.0, its grant and settings. */
export interface CatalogConnection extends CatalogOperation {
  oauth2Type?: 'authorization_code' | 'client_credentials';
  oauth2PkceMethod?: 'S256' | 'plain';
  oauth2Config?: CatalogOAuth2Config;
}

export interface CatalogDataSource extends CatalogOperation {
  dataSourceType: string;
}

export interface CatalogComponent {
  key: string;
  label?: string;
  description?: string;
  /** Built-in (public) components; custom components are private to their organization. */
  isPublic: boolean;
  /** Versions that exist; an ActionRef with a number must name one of them. Empty means any version is accepted. */
  versions?: number[];
  actions: Record<string, CatalogOperation>;
  triggers: Record<string, CatalogOperation>;
  connections?: Record<string, CatalogConnection>;
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
