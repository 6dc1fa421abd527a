/**
 * Writing components: `component()`, `action()`, `trigger()`, `pollingTrigger()`, `dataSource()` and `input()`,
 * named and shaped like Spectral's. An author declares inputs as a record; `component()` turns the declarations into
 * the component object the platform runs (inputs as arrays with their keys, `clean` functions applied before
 * `perform`, the component's error hook around every function).
 */
import { didYouMean } from '@weft/definition';
import type {
  Component,
  ComponentAction,
  ComponentConnection,
  ComponentDataSource,
  ComponentDisplay,
  ComponentTrigger,
  ComponentTriggerEventFunction,
  OperationDisplay,
  TriggerOptionChoice,
} from './component.js';
import {
  convertAction,
  convertDataSource,
  convertTrigger,
  errorRethrower,
  isComponentDataSource,
} from './component-conversion.js';
import type { DataSourceResult, DataSourceType } from './config-vars.js';
import { type ConnectionDefinition, toComponentConnection } from './connection-builders.js';
import type {
  ActionContext,
  ActionPerformReturn,
  DataSourceContext,
  PollingContext,
  TriggerPayload,
  TriggerResult,
} from './context.js';
import type {
  Connection,
  InputFieldChoice,
  InputFieldCollection,
  KeyValuePair,
  ObjectFieldMap,
  ObjectSelection,
} from './inputs.js';

/** The input types of actions, triggers and data sources. */
export type InputType =
  | 'string'
  | 'text'
  | 'password'
  | 'boolean'
  | 'number'
  | 'code'
  | 'date'
  | 'timestamp'
  | 'picklist'
  | 'connection'
  | 'data'
  | 'jsonForm'
  | 'conditional'
  | 'objectSelection'
  | 'objectFieldMap'
  | 'dynamicObjectSelection'
  | 'dynamicFieldSelection'
  | 'template';

export interface InputDefinition {
  /** What builders see; a key/value list may label its keys and its values: `{key: 'Header', value: 'Value'}`. */
  label: string | { key: string; value: string };
  type: InputType;
  required?: boolean;
  default?: unknown;
  comments?: string;
  placeholder?: string;
  example?: string;
  /** A list of values (`valuelist`) or of key/value pairs (`keyvaluelist`) instead of one value. */
  collection?: InputFieldCollection;
  /** The choices of a `picklist` input (or of a `string` input shown as a dropdown, as Spectral writes it). */
  model?: InputFieldChoice[];
  /** Syntax highlighting of a `code` input: `json`, `javascript`, `xml`, `sql`, ... */
  language?: string;
  /** The key of a data source of this component that lists the input's choices. */
  dataSource?: string;
  /** False hides the input from integration builders (it keeps its default). */
  shown?: boolean;
  /**
   * Turns the raw value into what `perform` receives, and throws with a clear message when it cannot; the step
   * error then names the input. Its return type becomes the parameter's type. See `util.types`.
   */
  clean?: (value: unknown) => unknown;
}

export type InputDefinitions = Record<string, InputDefinition>;

type TextInputType =
  | 'string'
  | 'text'
  | 'password'
  | 'picklist'
  | 'code'
  | 'date'
  | 'timestamp'
  | 'template'
  | 'dynamicObjectSelection'
  | 'dynamicFieldSelection';

/** The value of one element of an input of this type (the platform converts text to booleans and numbers). */
export type InputElementValue<TType> = TType extends 'boolean'
  ? boolean
  : TType extends 'number'
    ? number
    : TType extends 'connection'
      ? Connection
      : TType extends 'objectSelection'
        ? ObjectSelection
        : TType extends 'objectFieldMap'
          ? ObjectFieldMap
          : TType extends TextInputType
            ? string
            : unknown;

/**
 * What `perform` receives for an input: the `clean` function's result, or else the value by type and collection
 * (key/value lists hold whatever their entries were given; `data`, `jsonForm` and `conditional` values are
 * `unknown` until cleaned).
 */
export type InputValue<T extends InputDefinition> = T extends { clean: (value: never) => infer R }
  ? R
  : T extends { collection: 'keyvaluelist' }
    ? KeyValuePair[]
    : T extends { collection: 'valuelist' }
      ? Array<InputElementValue<T['type']>>
      : InputElementValue<T['type']>;

export type InputValues<TInputs extends InputDefinitions> = { [K in keyof TInputs]: InputValue<TInputs[K]> };

export function input<const T extends InputDefinition>(definition: T): T {
  return definition;
}

export interface ActionDefinition<TInputs extends InputDefinitions = InputDefinitions> {
  display: OperationDisplay;
  inputs: TInputs;
  perform: (context: ActionContext, params: InputValues<TInputs>) => Promise<ActionPerformReturn>;
  /** The platform leaves the innermost loop after this action (loop's breakLoop). */
  breakLoop?: boolean;
  /** The platform ends the execution after this action (stop-execution). */
  terminateExecution?: boolean;
  /** Weft: a loop; the child steps run once per element of the array returned as `data`. */
  loop?: boolean;
  allowsBranching?: boolean;
  staticBranchNames?: string[];
  dynamicBranchInput?: string;
  examplePayload?: unknown;
}

export function action<const TInputs extends InputDefinitions>(
  definition: ActionDefinition<TInputs>,
): ActionDefinition<TInputs> {
  return definition;
}

export interface TriggerDefinition<TInputs extends InputDefinitions = InputDefinitions> {
  /** Only polling triggers have one (`pollingTrigger()` sets it). */
  triggerType?: undefined;
  display: OperationDisplay;
  inputs: TInputs;
  perform: (
    context: ActionContext,
    payload: TriggerPayload,
    params: InputValues<TInputs>,
  ) => Promise<TriggerResult>;
  onInstanceDeploy?: ComponentTriggerEventFunction;
  onInstanceDelete?: ComponentTriggerEventFunction;
  /**
   * Spectral's webhook lifecycle handlers: `create` registers the flow's webhook URL (`context.webhookUrls[
   * context.flow.name]`) at the provider when the instance is deployed or unpaused, `delete` removes it when the
   * instance is paused or deleted, or before registering again with changed inputs. State they return is kept.
   */
  webhookLifecycleHandlers?: {
    create: ComponentTriggerEventFunction;
    delete: ComponentTriggerEventFunction;
  };
  scheduleSupport?: TriggerOptionChoice;
  synchronousResponseSupport?: TriggerOptionChoice;
  allowsBranching?: boolean;
  staticBranchNames?: string[];
  examplePayload?: unknown;
}

export function trigger<const TInputs extends InputDefinitions>(
  definition: TriggerDefinition<TInputs>,
): TriggerDefinition<TInputs> {
  return definition;
}

// Record<never, never> rather than {}: a trigger without inputs (or without a poll action) adds no parameters.
type NoInputs = Record<never, never>;

/**
 * A trigger that runs on the flow's schedule and looks for what changed since its last run. Its perform gets
 * `context.polling` to read and save its cursor, and to run `pollAction` (an action of the component, whose inputs
 * the trigger takes too); it returns `polledNoChanges: true` when it found nothing, which ends the execution.
 */
export interface PollingTriggerDefinition<
  TInputs extends InputDefinitions = InputDefinitions,
  TActionInputs extends InputDefinitions = InputDefinitions,
> {
  /** Set by `pollingTrigger()`: how `component()` tells a polling trigger from a plain one (as in Spectral). */
  triggerType?: 'polling';
  display: OperationDisplay;
  inputs?: TInputs;
  /** The action `context.polling.invokeAction` runs; its inputs are added to the trigger's. */
  pollAction?: ActionDefinition<TActionInputs>;
  perform: (
    context: PollingContext<InputValues<TActionInputs>>,
    payload: TriggerPayload,
    params: InputValues<TInputs & TActionInputs>,
  ) => Promise<TriggerResult>;
  onInstanceDeploy?: ComponentTriggerEventFunction;
  onInstanceDelete?: ComponentTriggerEventFunction;
  allowsBranching?: boolean;
  staticBranchNames?: string[];
  examplePayload?: unknown;
}

/** What `pollingTrigger()` returns: `triggerType` tells `component()` (and the type checker) it is one. */
export type PollingTrigger<
  TInputs extends InputDefinitions = InputDefinitions,
  TActionInputs extends InputDefinitions = InputDefinitions,
> = PollingTriggerDefinition<TInputs, TActionInputs> & { triggerType: 'polling' };

export function pollingTrigger<
  const TInputs extends InputDefinitions = NoInputs,
  const TActionInputs extends InputDefinitions = NoInputs,
>(definition: PollingTriggerDefinition<TInputs, TActionInputs>): PollingTrigger<TInputs, TActionInputs> {
  return { ...definition, triggerType: 'polling' };
}

/**
 * Lists choices while an instance is configured (channels, lists, fields to map): the config variable (or step
 * input) it feeds gets the `dataSourceType`'s kind of value.
 */
export interface DataSourceDefinition<
  TInputs extends InputDefinitions = InputDefinitions,
  TDataSourceType extends DataSourceType = DataSourceType,
> {
  display: OperationDisplay;
  inputs: TInputs;
  perform: (
    context: DataSourceContext,
    params: InputValues<TInputs>,
  ) => Promise<DataSourceResult<TDataSourceType>>;
  dataSourceType: TDataSourceType;
  examplePayload?: DataSourceResult<TDataSourceType>;
  /** Another data source of the component that gives details (example values) of what this one lists. */
  detailDataSource?: string;
}

export function dataSource<const TInputs extends InputDefinitions, TDataSourceType extends DataSourceType>(
  definition: DataSourceDefinition<TInputs, TDataSourceType>,
): DataSourceDefinition<TInputs, TDataSourceType> {
  return definition;
}

/**
 * Receives whatever an action, trigger or data source of the component threw; what it returns (or throws) is thrown
 * instead. Use it to turn an HTTP client's terse errors into ones that say what the API answered.
 */
export type ErrorHandler = (error: unknown) => unknown | Promise<unknown>;

export interface ComponentHooks {
  error?: ErrorHandler;
}

export interface ComponentDefinition {
  key: string;
  public?: boolean;
  documentationUrl?: string;
  display: ComponentDisplay;
  // biome-ignore lint/suspicious/noExplicitAny: each action has its own input declarations
  actions?: Record<string, ActionDefinition<any>>;
  // biome-ignore lint/suspicious/noExplicitAny: each trigger has its own input declarations
  triggers?: Record<string, TriggerDefinition<any> | PollingTrigger<any, any>>;
  /** Declared with `dataSource()`, or already in the platform's shape (`ComponentDataSource`). */
  // biome-ignore lint/suspicious/noExplicitAny: each data source has its own input declarations
  dataSources?: Record<string, DataSourceDefinition<any, any> | ComponentDataSource>;
  /** Declared with `connection()` / `oauth2Connection()`, or already in the platform's shape. */
  connections?: Array<ConnectionDefinition | ComponentConnection>;
  hooks?: ComponentHooks;
}

/** An input may name a data source only of its own component: the platform looks it up there. */
function checkDataSourceReferences(
  componentKey: string,
  dataSourceKeys: string[],
  groups: Array<[string, Record<string, { inputs: Array<{ key: string; dataSource?: string }> }>]>,
): void {
  for (const [kind, operations] of groups) {
    for (const [operationKey, operation] of Object.entries(operations)) {
      for (const { key, dataSource: named } of operation.inputs) {
        if (named === undefined || dataSourceKeys.includes(named)) continue;
        throw new Error(
          `component '${componentKey}': input '${key}' of ${kind} '${operationKey}' names the data source '${named}', which the component does not have (its data sources: ${dataSourceKeys.join(', ') || 'none'})${didYouMean(named, dataSourceKeys) ?? ''}`,
        );
      }
    }
  }
}

/** The component object the platform runs. */
export function component(definition: ComponentDefinition): Component {
  const rethrow = errorRethrower(definition.hooks?.error);
  const actions: Record<string, ComponentAction> = {};
  for (const [key, declared] of Object.entries(definition.actions ?? {})) {
    actions[key] = convertAction(key, declared, rethrow);
  }
  const triggers: Record<string, ComponentTrigger> = {};
  for (const [key, declared] of Object.entries(definition.triggers ?? {})) {
    triggers[key] = convertTrigger(key, declared, rethrow);
  }
  const dataSources: Record<string, ComponentDataSource> = {};
  for (const [key, declared] of Object.entries(definition.dataSources ?? {})) {
    dataSources[key] = isComponentDataSource(declared) ? declared : convertDataSource(key, declared, rethrow);
  }
  checkDataSourceReferences(definition.key, Object.keys(dataSources), [
    ['action', actions],
    ['trigger', triggers],
    ['data source', dataSources],
  ]);
  const connections: ComponentConnection[] = [];
  for (const declared of definition.connections ?? []) {
    const converted = toComponentConnection(definition.key, declared);
    if (connections.some((other) => other.key === converted.key)) {
      throw new Error(`component '${definition.key}' declares the connection '${converted.key}' twice.`);
    }
    connections.push(converted);
  }
  return {
    key: definition.key,
    public: definition.public,
    documentationUrl: definition.documentationUrl,
    display: definition.display,
    actions,
    triggers,
    dataSources,
    connections,
  };
}
