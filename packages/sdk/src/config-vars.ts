/**
 * Config variables and config wizard pages of a code-native integration, and the type of `context.configVars`
 * that follows from them.
 *
 * Typing works as in Spectral: the SDK declares the empty interfaces `IntegrationDefinitionConfigPages` and
 * `IntegrationDefinitionUserLevelConfigPages`, and a project augments them with the type of its own pages
 * (usually in `.weft/index.ts`):
 *
 * ```ts
 * import type { configPages } from '../src/configPages';
 * type TConfigPages = typeof configPages;
 * declare module '@weft/sdk' {
 *   interface IntegrationDefinitionConfigPages extends TConfigPages {}
 * }
 * ```
 *
 * From then on `context.configVars["Var Name"]` is checked: unknown names are errors and each variable has the
 * type of its value (a `Connection` for connections, `boolean` for booleans, ...). Without the augmentation
 * `configVars` is a `Record<string, unknown>`.
 */
import type { ComponentReference } from './component-registry.js';
import type { DataSourceContext } from './context.js';
import type {
  Connection,
  ConnectionInput,
  Credential,
  Element,
  InputVisibility,
  JSONForm,
  KeyValuePair,
  OAuth2PkceMethod,
  OAuth2Type,
  ObjectFieldMap,
  ObjectSelection,
  Schedule,
} from './inputs.js';

/** The data types of config variables (connections and data sources have their own kinds). */
export type ConfigVarDataType =
  | 'string'
  | 'date'
  | 'timestamp'
  | 'picklist'
  | 'code'
  | 'boolean'
  | 'number'
  | 'schedule'
  | 'credential'
  | 'objectSelection'
  | 'objectFieldMap'
  | 'jsonForm'
  | 'htmlElement';

/** Multi-value config variables: a list of values, or a list of key/value pairs. */
export type CollectionType = 'valuelist' | 'keyvaluelist';

/** Syntax highlighting of a code config variable. */
export type CodeLanguageType = 'json' | 'xml' | 'html';

/** How a schedule config variable's value is chosen (`custom`: a cron expression). */
export type ScheduleType = 'none' | 'once' | 'custom' | 'minute' | 'hour' | 'day' | 'week';

/** How a JSON Forms config variable's data is validated. */
export type ValidationMode = 'ValidateAndShow' | 'ValidateAndHide' | 'NoValidation';

/** What every config variable has. */
export interface BaseConfigVar extends InputVisibility {
  /** Identity that survives renames: deployed instances keep their values through it. */
  stableKey: string;
  description?: string;
}

type CollectionProperties<TValue> =
  | { collectionType?: undefined; defaultValue?: TValue }
  | { collectionType: 'valuelist'; defaultValue?: TValue[] }
  | {
      collectionType: 'keyvaluelist';
      defaultValue?: Record<string, TValue> | Array<KeyValuePair<TValue>>;
    };

type SingleValueProperties<TValue> = { collectionType?: undefined; defaultValue?: TValue };

export type StringConfigVar = BaseConfigVar & { dataType: 'string' } & CollectionProperties<string>;
export type DateConfigVar = BaseConfigVar & { dataType: 'date' } & CollectionProperties<string>;
export type TimestampConfigVar = BaseConfigVar & { dataType: 'timestamp' } & CollectionProperties<string>;
export type PicklistConfigVar = BaseConfigVar & {
  dataType: 'picklist';
  /** The values a deployer chooses from. */
  pickList: string[];
} & CollectionProperties<string>;
export type CodeConfigVar = BaseConfigVar & {
  dataType: 'code';
  codeLanguage: CodeLanguageType;
} & CollectionProperties<string>;
export type BooleanConfigVar = BaseConfigVar & { dataType: 'boolean' } & CollectionProperties<boolean>;
export type NumberConfigVar = BaseConfigVar & { dataType: 'number' } & CollectionProperties<number>;
export type ScheduleConfigVar = BaseConfigVar & {
  dataType: 'schedule';
  /** IANA time zone of the schedule (empty: UTC). */
  timeZone?: string;
  /** Default `custom` (the value is a cron expression). */
  scheduleType?: ScheduleType;
} & SingleValueProperties<string>;
export type CredentialConfigVar = BaseConfigVar & {
  dataType: 'credential';
  collectionType?: undefined;
  defaultValue?: undefined;
};
export type ObjectSelectionConfigVar = BaseConfigVar & {
  dataType: 'objectSelection';
} & SingleValueProperties<ObjectSelection>;
export type ObjectFieldMapConfigVar = BaseConfigVar & {
  dataType: 'objectFieldMap';
} & SingleValueProperties<ObjectFieldMap>;
export type JsonFormConfigVar = BaseConfigVar & {
  dataType: 'jsonForm';
  validationMode?: ValidationMode;
} & SingleValueProperties<JSONForm>;
/** HTML shown on a config page among the variables; its name is the HTML. */
export type HtmlElementConfigVar = BaseConfigVar & {
  dataType: 'htmlElement';
} & SingleValueProperties<string>;

/** A config variable of one of the plain data types (what `configVar()` takes). */
export type StandardConfigVar =
  | StringConfigVar
  | DateConfigVar
  | TimestampConfigVar
  | PicklistConfigVar
  | CodeConfigVar
  | BooleanConfigVar
  | NumberConfigVar
  | ScheduleConfigVar
  | CredentialConfigVar
  | ObjectSelectionConfigVar
  | ObjectFieldMapConfigVar
  | JsonFormConfigVar
  | HtmlElementConfigVar;

/** What a data source returns for each of its types. */
interface DataSourceResultMap {
  string: string;
  date: string;
  timestamp: string;
  picklist: string[] | Element[];
  schedule: { value: string };
  code: string;
  boolean: boolean;
  number: number;
  objectSelection: ObjectSelection;
  objectFieldMap: ObjectFieldMap;
  jsonForm: JSONForm;
}

/** The kinds of value a data source produces; the config variable gets that data type. */
export type DataSourceType = keyof DataSourceResultMap;

export type CollectionDataSourceType = Exclude<
  DataSourceType,
  'objectSelection' | 'objectFieldMap' | 'jsonForm'
>;

// A record, not an array, so that the type checker fails here when DataSourceResultMap gains or loses a type.
const dataSourceTypeSet: Record<DataSourceType, true> = {
  string: true,
  date: true,
  timestamp: true,
  picklist: true,
  schedule: true,
  code: true,
  boolean: true,
  number: true,
  objectSelection: true,
  objectFieldMap: true,
  jsonForm: true,
};

/** Every data source type, for checks at run time (`dataSource({dataSourceType})` from JavaScript). */
export const dataSourceTypes = Object.keys(dataSourceTypeSet) as DataSourceType[];

export interface DataSourceResult<TDataSourceType extends DataSourceType = DataSourceType> {
  result: DataSourceResultMap[TDataSourceType];
  /** Extra data kept with the deployer's choice. */
  supplementalData?: { data: unknown; contentType: string };
}

/**
 * Lists a data source's choices while an instance is configured. Its context's `configVars` holds the values
 * set on earlier pages (untyped: the pages' own types are still being worked out when it is declared).
 */
export type DataSourcePerformFunction<TDataSourceType extends DataSourceType = DataSourceType> = (
  context: DataSourceContext,
  params: Record<string, unknown>,
) => Promise<DataSourceResult<TDataSourceType>>;

/** Reset a JSON Forms data source when config variables it depends on change. */
export interface DataSourceReset {
  mode: 'prompt' | 'always';
  dependencies?: string[];
}

/** A config variable whose choices come from a data source defined in the integration's code. */
export type DataSourceDefinitionConfigVar<TDataSourceType extends DataSourceType = DataSourceType> =
  BaseConfigVar & {
    dataSourceType: TDataSourceType;
    /** Lists (valuelist/keyvaluelist) are allowed for the simple types only. */
    collectionType?: TDataSourceType extends CollectionDataSourceType ? CollectionType : undefined;
    perform: DataSourcePerformFunction<TDataSourceType>;
    validationMode?: ValidationMode;
    dataSourceReset?: DataSourceReset;
  };

/** A data source config variable of any data source type (discriminated by `dataSourceType`). */
export type AnyDataSourceDefinitionConfigVar = {
  [TDataSourceType in DataSourceType]: DataSourceDefinitionConfigVar<TDataSourceType>;
}[DataSourceType];

/** A config variable whose choices come from a data source of a component in the registry. */
export type DataSourceReferenceConfigVar = BaseConfigVar & {
  dataSource: ComponentReference;
  collectionType?: CollectionType;
  validationMode?: ValidationMode;
  dataSourceReset?: Omit<DataSourceReset, 'dependencies'>;
};

export type DataSourceConfigVar = AnyDataSourceDefinitionConfigVar | DataSourceReferenceConfigVar;

export type OnPremiseConnectionConfigType = 'allowed' | 'disallowed' | 'required';

/** OAuth 2.0 settings of a connection. */
export interface OAuth2Config {
  overrideGrantType?: string;
  allowedTokenParams?: string[];
  /** Where users go after they authorize. */
  oAuthSuccessRedirectUri?: string;
  oAuthFailureRedirectUri?: string;
}

/** A connection defined in the integration's code: the fields a deployer fills in. */
export type ConnectionDefinitionConfigVar = BaseConfigVar & {
  dataType: 'connection';
  inputs: Record<string, ConnectionInput>;
  oauth2Type?: OAuth2Type;
  oauth2PkceMethod?: OAuth2PkceMethod;
  oauth2Config?: OAuth2Config;
  icons?: { avatarPath?: string; oauth2ConnectionIconPath?: string };
  onPremConnectionConfig?: OnPremiseConnectionConfigType;
};

/** A connection of a component in the registry. */
export type ConnectionReferenceConfigVar = BaseConfigVar & {
  dataType: 'connection';
  connection: ComponentReference & { onPremiseConnectionConfig?: OnPremiseConnectionConfigType };
};

export type ConnectionConfigVar = ConnectionDefinitionConfigVar | ConnectionReferenceConfigVar;

export type ConfigVar = StandardConfigVar | DataSourceConfigVar | ConnectionConfigVar;

/** An element of a config page: a config variable, or HTML text shown between them. */
export type ConfigPageElement = string | ConfigVar;

/** A page of the config wizard shown when an instance is deployed. Elements keep their order. */
export interface ConfigPage {
  /** The elements by name; a config variable's name is how flows and steps refer to it. */
  elements: Record<string, ConfigPageElement>;
  tagline?: string;
}

/** A page asked of each customer user (user-level configuration). */
export type UserLevelConfigPage = ConfigPage;

/**
 * A set of config pages by name. With a type argument it is that type, checked to be pages: a project may
 * augment with `interface IntegrationDefinitionConfigPages extends ConfigPages<typeof configPages> {}`.
 */
export type ConfigPages<TPages extends Record<string, ConfigPage> = Record<string, ConfigPage>> = TPages;

/**
 * The integration's config pages, as the project declares them: augment it with `typeof configPages` (see the
 * module comment) to type `context.configVars`.
 */
// biome-ignore lint/suspicious/noEmptyInterface: declared empty so that projects can augment it
export interface IntegrationDefinitionConfigPages {}

/** The integration's user-level config pages; augment it like `IntegrationDefinitionConfigPages`. */
// biome-ignore lint/suspicious/noEmptyInterface: declared empty so that projects can augment it
export interface IntegrationDefinitionUserLevelConfigPages {}

/** The run-time value of a config variable of each data type. */
interface ConfigVarRuntimeValueMap {
  string: string;
  date: string;
  timestamp: string;
  picklist: string;
  code: string;
  boolean: boolean;
  number: number;
  schedule: Schedule;
  credential: Credential;
  objectSelection: ObjectSelection;
  objectFieldMap: ObjectFieldMap;
  jsonForm: unknown;
  htmlElement: string;
}

type CollectionTypeOf<TElement> = TElement extends { collectionType?: infer TCollection }
  ? TCollection
  : undefined;

type WithCollectionType<TValue, TCollection> = [TCollection] extends ['valuelist']
  ? TValue[]
  : [TCollection] extends ['keyvaluelist']
    ? Array<KeyValuePair<TValue>>
    : TValue;

/** The run-time value of a config page element (a connection for connections, and so on). */
export type ConfigVarValue<TElement> = TElement extends { dataType: 'connection' }
  ? Connection
  : TElement extends { dataSourceType: infer TType extends DataSourceType }
    ? WithCollectionType<ConfigVarRuntimeValueMap[TType], CollectionTypeOf<TElement>>
    : TElement extends { dataType: infer TType extends keyof ConfigVarRuntimeValueMap }
      ? WithCollectionType<ConfigVarRuntimeValueMap[TType], CollectionTypeOf<TElement>>
      : unknown;

/** The config variables of one page: every element except HTML. */
type PageConfigVars<TPage> = TPage extends { elements: infer TElements }
  ? {
      [Key in keyof TElements as Key extends string
        ? TElements[Key] extends string | { dataType: 'htmlElement' }
          ? never
          : Key
        : never]: ConfigVarValue<TElements[Key]>;
    }
  : never;

type UnionToIntersection<TUnion> = (TUnion extends unknown ? (value: TUnion) => void : never) extends (
  value: infer TIntersection,
) => void
  ? TIntersection
  : never;

type PagesConfigVars<TPages> = UnionToIntersection<
  { [Page in keyof TPages]: PageConfigVars<TPages[Page]> }[keyof TPages]
>;

type Prettify<T> = { [Key in keyof T]: T[Key] } & {};

/** The config variables of pages declared as `TPages` (`typeof configPages`), by name, with their value types. */
export type ConfigVarsOf<TPages> = Prettify<PagesConfigVars<TPages>>;

/**
 * The type of `context.configVars`: every config variable of the augmented config pages with the type of its
 * value, or `Record<string, unknown>` when the project has not augmented them.
 */
export type ConfigVars = [
  keyof IntegrationDefinitionConfigPages | keyof IntegrationDefinitionUserLevelConfigPages,
] extends [never]
  ? Record<string, unknown>
  : Prettify<
      PagesConfigVars<IntegrationDefinitionConfigPages> &
        PagesConfigVars<IntegrationDefinitionUserLevelConfigPages>
    >;
