/**
 * Writing components: `component()`, `action()`, `trigger()` and `input()`, named and shaped like Spectral's. An
 * author declares inputs as a record; `component()` turns the declarations into the component object the platform
 * runs (inputs as arrays with their keys, `clean` functions applied before `perform`).
 */
import type {
  ActionPerformFunction,
  Component,
  ComponentAction,
  ComponentConnection,
  ComponentDataSource,
  ComponentDisplay,
  ComponentInput,
  ComponentTrigger,
  ComponentTriggerEventFunction,
  OperationDisplay,
  TriggerOptionChoice,
} from './component.js';
import { type ConnectionDefinition, toComponentConnection } from './connection-builders.js';
import type { ActionContext, ActionPerformReturn, TriggerPayload, TriggerResult } from './context.js';
import type { InputFieldChoice, KeyValuePair } from './inputs.js';

/** The input types of actions and triggers. */
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
  label: string;
  type: InputType;
  required?: boolean;
  default?: unknown;
  comments?: string;
  placeholder?: string;
  example?: string;
  collection?: 'valuelist' | 'keyvaluelist';
  model?: InputFieldChoice[];
  language?: string;
  /** Turns the raw value into what `perform` receives (and throws with a clear message when it cannot). */
  clean?: (value: unknown) => unknown;
}

export type InputDefinitions = Record<string, InputDefinition>;

/** What `perform` receives for an input: the `clean` function's result, or the raw value by type. */
export type InputValue<T extends InputDefinition> = T['clean'] extends (value: unknown) => infer R
  ? R
  : T['collection'] extends 'keyvaluelist'
    ? KeyValuePair[]
    : T['collection'] extends 'valuelist'
      ? unknown[]
      : T['type'] extends 'boolean'
        ? boolean
        : T['type'] extends 'number'
          ? number
          : T['type'] extends
                | 'string'
                | 'text'
                | 'password'
                | 'picklist'
                | 'code'
                | 'date'
                | 'timestamp'
                | 'template'
            ? string
            : unknown;

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
  display: OperationDisplay;
  inputs: TInputs;
  perform: (
    context: ActionContext,
    payload: TriggerPayload,
    params: InputValues<TInputs>,
  ) => Promise<TriggerResult>;
  onInstanceDeploy?: ComponentTriggerEventFunction;
  onInstanceDelete?: ComponentTriggerEventFunction;
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

export interface ComponentDefinition {
  key: string;
  public?: boolean;
  documentationUrl?: string;
  display: ComponentDisplay;
  // biome-ignore lint/suspicious/noExplicitAny: each action has its own input declarations
  actions?: Record<string, ActionDefinition<any>>;
  // biome-ignore lint/suspicious/noExplicitAny: each trigger has its own input declarations
  triggers?: Record<string, TriggerDefinition<any>>;
  dataSources?: Record<string, ComponentDataSource>;
  /** Declared with `connection()` / `oauth2Connection()`, or already in the platform's shape. */
  connections?: Array<ConnectionDefinition | ComponentConnection>;
}

function inputList(inputs: InputDefinitions): ComponentInput[] {
  return Object.entries(inputs).map(([key, { clean: _clean, ...rest }]) => ({ key, ...rest }));
}

/** Applies each input's `clean` function; its error names the input so the step error says which one is wrong. */
function cleanParams(inputs: InputDefinitions, params: Record<string, unknown>): Record<string, unknown> {
  const cleaned: Record<string, unknown> = { ...params };
  for (const [key, definition] of Object.entries(inputs)) {
    if (!definition.clean) continue;
    try {
      cleaned[key] = definition.clean(params[key]);
    } catch (error) {
      throw new Error(`input '${key}' (${definition.label}): ${(error as Error).message}`);
    }
  }
  return cleaned;
}

/** The component object the platform runs. */
export function component(definition: ComponentDefinition): Component {
  const actions: Record<string, ComponentAction> = {};
  for (const [key, { inputs, perform, ...rest }] of Object.entries(definition.actions ?? {})) {
    const run: ActionPerformFunction = (context, params) =>
      perform(context, cleanParams(inputs, params) as never);
    actions[key] = { key, ...rest, inputs: inputList(inputs), perform: run };
  }
  const triggers: Record<string, ComponentTrigger> = {};
  for (const [key, { inputs, perform, ...rest }] of Object.entries(definition.triggers ?? {})) {
    triggers[key] = {
      key,
      scheduleSupport: 'valid',
      synchronousResponseSupport: 'valid',
      ...rest,
      hasOnInstanceDeploy: Boolean(rest.onInstanceDeploy),
      hasOnInstanceDelete: Boolean(rest.onInstanceDelete),
      inputs: inputList(inputs),
      perform: (context, payload, params) => perform(context, payload, cleanParams(inputs, params) as never),
    };
  }
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
    dataSources: definition.dataSources ?? {},
    connections,
  };
}
