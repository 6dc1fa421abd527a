/**
 * From an author's declarations to the platform's component objects, as Spectral's `convertComponent` does: inputs
 * become arrays with their keys, every function cleans its inputs once and passes what it throws through the
 * component's error hook, and a polling trigger's perform gets `context.polling`. Shared by `component()` and the
 * test kit (which runs a lone action, trigger or data source definition exactly as `component()` would).
 */

import type {
  ComponentAction,
  ComponentDataSource,
  ComponentInput,
  ComponentTrigger,
  ComponentTriggerEventFunction,
} from './component.js';
import type {
  ActionDefinition,
  DataSourceDefinition,
  ErrorHandler,
  InputDefinition,
  InputDefinitions,
  PollingTriggerDefinition,
  TriggerDefinition,
} from './component-builders.js';
import { dataSourceTypes } from './config-vars.js';
import type {
  ActionContext,
  PollingContext,
  PollingState,
  TriggerPayload,
  TriggerResult,
} from './context.js';

/** Throws what the component's error hook makes of an error (or the error itself when there is no hook). */
export type Rethrow = (error: unknown) => Promise<never>;

function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The component's error hook, applied once per error: a poll action's error goes through `invokeAction` (so that
 * the trigger's perform sees it transformed, as in Spectral) and then leaves the trigger's perform too.
 */
export function errorRethrower(handler: ErrorHandler | undefined): Rethrow {
  const handled = new WeakSet<object>();
  return async (error) => {
    if (!handler || (isObject(error) && handled.has(error))) throw error;
    const transformed = await handler(error);
    if (isObject(transformed)) handled.add(transformed);
    throw transformed;
  };
}

function guarded<TArgs extends unknown[], TResult>(
  run: (...args: TArgs) => Promise<TResult>,
  rethrow: Rethrow,
): (...args: TArgs) => Promise<TResult> {
  return async (...args) => {
    try {
      return await run(...args);
    } catch (error) {
      return rethrow(error);
    }
  };
}

function labelText(label: InputDefinition['label']): string {
  return typeof label === 'string' ? label : label.value;
}

export function convertInputs(inputs: InputDefinitions): ComponentInput[] {
  return Object.entries(inputs).map(([key, { clean: _clean, label, ...rest }]) => {
    const converted: ComponentInput = { key, ...rest, label: labelText(label) };
    if (typeof label === 'object' && rest.collection === 'keyvaluelist') converted.keyLabel = label.key;
    return converted;
  });
}

/** Applies each input's `clean` function; its error names the input so the step error says which one is wrong. */
function cleanParams(inputs: InputDefinitions, params: Record<string, unknown>): Record<string, unknown> {
  const cleaned: Record<string, unknown> = { ...params };
  for (const [key, definition] of Object.entries(inputs)) {
    if (!definition.clean) continue;
    try {
      cleaned[key] = definition.clean(params[key]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`input '${key}' (${labelText(definition.label)}): ${reason}`, { cause: error });
    }
  }
  return cleaned;
}

function eventFunction(
  run: ComponentTriggerEventFunction | undefined,
  inputs: InputDefinitions,
  rethrow: Rethrow,
): ComponentTriggerEventFunction | undefined {
  if (!run) return undefined;
  return guarded((context, params) => run(context, cleanParams(inputs, params)), rethrow);
}

export function convertAction(key: string, definition: ActionDefinition, rethrow: Rethrow): ComponentAction {
  const { inputs = {}, perform, ...rest } = definition;
  return {
    key,
    ...rest,
    inputs: convertInputs(inputs),
    perform: guarded(
      async (context: ActionContext, params: Record<string, unknown>) =>
        perform(context, cleanParams(inputs, params) as never),
      rethrow,
    ),
  };
}

/**
 * Spectral's polling state, where Spectral keeps it (so that a trigger moved between the two keeps its cursor):
 * `instanceState.__prismaticInternal.polling`. It is written into the context's own `instanceState` object, which
 * the platform stores after the trigger runs.
 */
function pollingState(context: ActionContext): PollingState {
  return {
    getState: () => {
      const internal = context.instanceState.__prismaticInternal;
      const polling = isRecord(internal) ? internal.polling : undefined;
      return isRecord(polling) ? polling : {};
    },
    setState: (state) => {
      const internal = context.instanceState.__prismaticInternal;
      context.instanceState.__prismaticInternal = { ...(isRecord(internal) ? internal : {}), polling: state };
    },
  };
}

function isPollingTrigger(
  definition: TriggerDefinition | PollingTriggerDefinition,
): definition is PollingTriggerDefinition {
  return (definition as PollingTriggerDefinition).triggerType === 'polling';
}

function convertPollingTrigger(
  key: string,
  definition: PollingTriggerDefinition,
  rethrow: Rethrow,
): ComponentTrigger {
  const {
    inputs = {},
    pollAction,
    perform,
    onInstanceDeploy,
    onInstanceDelete,
    triggerType: _triggerType,
    ...rest
  } = definition;
  const actionInputs = pollAction?.inputs ?? {};
  for (const inputKey of Object.keys(actionInputs)) {
    if (Object.hasOwn(inputs, inputKey)) {
      throw new Error(
        `polling trigger '${key}' declares the input '${inputKey}', which its pollAction '${pollAction?.display.label}' declares too; give the trigger's input another key.`,
      );
    }
  }
  const allInputs = { ...actionInputs, ...inputs };
  const invokeAction = (context: ActionContext) =>
    guarded(async (params: Record<string, unknown>) => {
      if (!pollAction) {
        throw new Error(
          `polling trigger '${key}' has no pollAction for context.polling.invokeAction to run.`,
        );
      }
      return pollAction.perform(context, params as never);
    }, rethrow);
  const run = async (
    context: ActionContext,
    payload: TriggerPayload,
    params: Record<string, unknown>,
  ): Promise<TriggerResult> => {
    const pollingContext: PollingContext = {
      ...context,
      polling: { ...pollingState(context), invokeAction: invokeAction(context) },
    };
    const result = await perform(pollingContext as never, payload, cleanParams(allInputs, params) as never);
    if (!result) return { payload, resultType: 'completed' };
    const { polledNoChanges, ...others } = result;
    return { ...others, resultType: polledNoChanges ? 'polled_no_changes' : 'completed' };
  };
  return {
    key,
    ...rest,
    scheduleSupport: 'required',
    synchronousResponseSupport: 'invalid',
    isPollingTrigger: true,
    hasOnInstanceDeploy: Boolean(onInstanceDeploy),
    hasOnInstanceDelete: Boolean(onInstanceDelete),
    ...withEventFunctions(onInstanceDeploy, onInstanceDelete, inputs, rethrow),
    inputs: [...convertInputs(inputs), ...convertInputs(actionInputs)],
    perform: guarded(run, rethrow),
  };
}

function withEventFunctions(
  onInstanceDeploy: ComponentTriggerEventFunction | undefined,
  onInstanceDelete: ComponentTriggerEventFunction | undefined,
  inputs: InputDefinitions,
  rethrow: Rethrow,
): Pick<ComponentTrigger, 'onInstanceDeploy' | 'onInstanceDelete'> {
  const deploy = eventFunction(onInstanceDeploy, inputs, rethrow);
  const remove = eventFunction(onInstanceDelete, inputs, rethrow);
  return { ...(deploy ? { onInstanceDeploy: deploy } : {}), ...(remove ? { onInstanceDelete: remove } : {}) };
}

/** As Spectral: `webhookLifecycleHandlers` become `webhookCreate` / `webhookDelete` with their presence flags. */
function withWebhookLifecycle(
  handlers: TriggerDefinition['webhookLifecycleHandlers'],
  inputs: InputDefinitions,
  rethrow: Rethrow,
): Pick<
  ComponentTrigger,
  'webhookCreate' | 'webhookDelete' | 'hasWebhookCreateFunction' | 'hasWebhookDeleteFunction'
> {
  const create = eventFunction(handlers?.create, inputs, rethrow);
  const remove = eventFunction(handlers?.delete, inputs, rethrow);
  return {
    ...(create ? { webhookCreate: create, hasWebhookCreateFunction: true } : {}),
    ...(remove ? { webhookDelete: remove, hasWebhookDeleteFunction: true } : {}),
  };
}

export function convertTrigger(
  key: string,
  definition: TriggerDefinition | PollingTriggerDefinition,
  rethrow: Rethrow,
): ComponentTrigger {
  if (isPollingTrigger(definition)) return convertPollingTrigger(key, definition, rethrow);
  const {
    inputs = {},
    perform,
    onInstanceDeploy,
    onInstanceDelete,
    webhookLifecycleHandlers,
    ...rest
  } = definition;
  return {
    key,
    scheduleSupport: 'valid',
    synchronousResponseSupport: 'valid',
    ...rest,
    hasOnInstanceDeploy: Boolean(onInstanceDeploy),
    hasOnInstanceDelete: Boolean(onInstanceDelete),
    ...withEventFunctions(onInstanceDeploy, onInstanceDelete, inputs, rethrow),
    ...withWebhookLifecycle(webhookLifecycleHandlers, inputs, rethrow),
    inputs: convertInputs(inputs),
    perform: guarded(
      async (context, payload, params) => perform(context, payload, cleanParams(inputs, params) as never),
      rethrow,
    ),
  };
}

/** A data source already in the platform's shape (inputs as an array) is used as it is. */
export function isComponentDataSource(
  value: DataSourceDefinition | ComponentDataSource,
): value is ComponentDataSource {
  return Array.isArray(value.inputs);
}

export function convertDataSource(
  key: string,
  definition: DataSourceDefinition,
  rethrow: Rethrow,
): ComponentDataSource {
  const { inputs = {}, perform, ...rest } = definition;
  if (!dataSourceTypes.includes(rest.dataSourceType)) {
    throw new Error(
      `data source '${key}' has the dataSourceType '${String(rest.dataSourceType)}'; it must be one of ${dataSourceTypes.join(', ')}.`,
    );
  }
  return {
    key,
    ...rest,
    inputs: convertInputs(inputs),
    perform: guarded(
      async (context, params: Record<string, unknown>) =>
        perform(context, cleanParams(inputs, params) as never),
      rethrow,
    ),
  };
}
