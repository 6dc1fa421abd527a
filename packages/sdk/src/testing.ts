/**
 * Testing helpers for component authors, with Spectral's names: a complete context with in-memory state and
 * captured logs, `invokeAction` / `invokeTrigger` / `invokeDataSource` to call an operation as the platform would
 * (input defaults filled in, `clean` functions applied once, a polling trigger's `context.polling` working), and
 * `createHarness` to call a component's operations by key.
 */
import type { Component, ComponentDataSource, ComponentInput, ComponentTrigger } from './component.js';
import type {
  ActionDefinition,
  DataSourceDefinition,
  InputDefinitions,
  PollingTrigger,
  TriggerDefinition,
} from './component-builders.js';
import { convertAction, convertDataSource, convertTrigger, errorRethrower } from './component-conversion.js';
import type { DataSourceResult, DataSourceType } from './config-vars.js';
import type {
  ActionContext,
  ActionLogger,
  ActionPerformReturn,
  CustomerAttributes,
  DataSourceContext,
  FlowAttributes,
  InstanceAttributes,
  IntegrationAttributes,
  TriggerEventFunctionReturn,
  TriggerPayload,
  TriggerResult,
  UserAttributes,
} from './context.js';
import type { Connection } from './inputs.js';

export interface CapturedLog {
  level: 'metric' | 'trace' | 'debug' | 'info' | 'log' | 'warn' | 'error';
  message: string;
}

/** A logger that records what it is given into `logs` (its `logs` property), one entry per call. */
export function loggerMock(logs: CapturedLog[] = []): ActionLogger & { logs: CapturedLog[] } {
  const write =
    (level: CapturedLog['level']) =>
    (...args: unknown[]) => {
      logs.push({
        level,
        message: args
          .map((arg) => (typeof arg === 'string' ? arg : (JSON.stringify(arg) ?? String(arg))))
          .join(' '),
      });
    };
  return {
    logs,
    metric: write('metric'),
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    log: write('log'),
    warn: write('warn'),
    error: write('error'),
  };
}

const testCustomer: CustomerAttributes = {
  id: 'test-customer',
  externalId: 'test-customer',
  name: 'Test Customer',
};
const testInstance: InstanceAttributes = { id: 'test-instance', name: 'Test Instance' };
const testUser: UserAttributes = {
  id: 'test-user',
  email: 'test@example.test',
  name: 'Test User',
  externalId: 'test-user',
};
const testIntegration: IntegrationAttributes = {
  id: 'test-integration',
  name: 'Test Integration',
  versionSequenceId: '1',
  externalVersion: '',
};
const testFlow: FlowAttributes = { id: 'test-flow', name: 'Test Flow' };
const testInvokeUrl = 'http://127.0.0.1/trigger/test';

/**
 * An action context for tests: empty state, no config variables, a logger that records into `logs`. State objects
 * given in `overrides` are used as they are (not copied), so what the code under test writes into them stays there.
 */
export function createTestContext(
  overrides: Partial<ActionContext> = {},
  logs: CapturedLog[] = [],
): ActionContext {
  const context: ActionContext = {
    logger: loggerMock(logs),
    instanceState: {},
    crossFlowState: {},
    executionState: {},
    integrationState: {},
    configVars: {},
    components: {},
    stepId: 'test-step',
    executionId: 'test-execution',
    webhookUrls: {},
    webhookApiKeys: {},
    invokeUrl: testInvokeUrl,
    customer: testCustomer,
    instance: testInstance,
    user: testUser,
    integration: testIntegration,
    flow: testFlow,
    startedAt: new Date().toISOString(),
    invokeFlow: async () => {
      throw new Error('invokeFlow is not available in this test context; pass one in the overrides');
    },
    executionFrame: { invokedByExecutionJWT: '', invokedByExecutionStartedAt: '', customSource: 'test' },
    debug: {
      enabled: false,
      timeElapsed: { mark: () => {}, measure: () => {} },
      memoryUsage: () => {},
      results: { timeElapsed: { marks: {}, measurements: {} }, allowedMemory: 0, memoryUsage: [] },
    },
    ...overrides,
  };
  return context;
}

/** What a data source receives on the platform: no execution runs, so there is no state and no flow. */
function createDataSourceContext(
  overrides: Partial<DataSourceContext>,
  logs: CapturedLog[],
): DataSourceContext {
  return {
    logger: loggerMock(logs),
    configVars: {},
    customer: testCustomer,
    instance: testInstance,
    user: testUser,
    ...overrides,
  };
}

/** A webhook request with a small JSON body (`{"foo":"bar"}`), as the platform hands it to a trigger. */
export function defaultTriggerPayload(): TriggerPayload {
  const text = JSON.stringify({ foo: 'bar' });
  const contentType = 'application/json';
  return {
    headers: { 'content-type': contentType },
    queryParameters: {},
    rawBody: { data: text, contentType },
    body: { data: JSON.parse(text), contentType },
    pathFragment: '',
    webhookUrls: { [testFlow.name]: testInvokeUrl },
    webhookApiKeys: {},
    invokeUrl: testInvokeUrl,
    executionId: 'test-execution',
    customer: testCustomer,
    instance: testInstance,
    user: testUser,
    integration: testIntegration,
    flow: testFlow,
    startedAt: new Date().toISOString(),
    globalDebug: false,
  };
}

/**
 * A connection input's value, as a step receives it: the connection definition's key (only its `key` is read),
 * the field values, and for OAuth 2.0 the token (`{access_token, ...}`).
 */
export function createConnection(
  connection: { key: string },
  fields: Record<string, unknown>,
  token?: Record<string, unknown>,
  configVarKey = '',
): Connection {
  return { key: connection.key, configVarKey, fields, ...(token ? { token } : {}) };
}

/** The four state stores after the call: what the function returned in their place, else the context's own. */
export interface StatesAfter {
  instanceState: Record<string, unknown>;
  crossFlowState: Record<string, unknown>;
  executionState: Record<string, unknown>;
  integrationState: Record<string, unknown>;
}

export interface Invocation<TResult> {
  result: TResult;
  logs: CapturedLog[];
}

export type ActionInvocation = Invocation<ActionPerformReturn> & StatesAfter;
/** Pass `instanceState` back in the context overrides of the next call to run a polling trigger again. */
export type TriggerInvocation = Invocation<TriggerResult> & StatesAfter;
export type TriggerEventInvocation = Invocation<TriggerEventFunctionReturn | undefined> & StatesAfter;
export type DataSourceInvocation<TDataSourceType extends DataSourceType = DataSourceType> = Invocation<
  DataSourceResult<TDataSourceType>
>;

/** Input values for a lone definition: its input keys (a typo is a compile error), values as the step gives them. */
export type TestParams<TInputs extends InputDefinitions> = { [K in keyof TInputs]?: unknown };

/** Fills in the defaults of the inputs the test leaves out (given as undefined, or not given). */
function withDefaults(inputs: ComponentInput[], params: Record<string, unknown>): Record<string, unknown> {
  const filled = { ...params };
  for (const { key, default: fallback } of inputs) {
    if (fallback !== undefined && filled[key] === undefined) filled[key] = fallback;
  }
  return filled;
}

function statesAfter(context: ActionContext, result: unknown): StatesAfter {
  const returned = (typeof result === 'object' && result !== null ? result : {}) as Partial<StatesAfter>;
  return {
    instanceState: returned.instanceState ?? context.instanceState,
    crossFlowState: returned.crossFlowState ?? context.crossFlowState,
    executionState: returned.executionState ?? context.executionState,
    integrationState: returned.integrationState ?? context.integrationState,
  };
}

/** A lone definition runs exactly as `component()` would run it, without an error hook; its label is its key. */
const noErrorHook = errorRethrower(undefined);

function isComponent(value: unknown): value is Component {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { perform?: unknown }).perform !== 'function' &&
    typeof (value as { actions?: unknown }).actions === 'object'
  );
}

function operationOf<T>(component: Component, kind: 'actions' | 'triggers' | 'dataSources', key: string): T {
  const operation = (component[kind] as Record<string, T>)[key];
  if (operation) return operation;
  const noun = { actions: 'action', triggers: 'trigger', dataSources: 'data source' }[kind];
  const known = Object.keys(component[kind]);
  throw new Error(
    `component '${component.key}' has no ${noun} '${key}' (its ${kind}: ${known.join(', ') || 'none'})`,
  );
}

/** Runs one action of a component with the given input values; returns its result, the logs and the state. */
export function invokeAction(
  component: Component,
  actionKey: string,
  params?: Record<string, unknown>,
  contextOverrides?: Partial<ActionContext>,
): Promise<ActionInvocation>;
/** Runs an action definition (from `action()`) as its component would. */
export function invokeAction<const TInputs extends InputDefinitions>(
  action: ActionDefinition<TInputs>,
  params?: TestParams<TInputs>,
  contextOverrides?: Partial<ActionContext>,
): Promise<ActionInvocation>;
export async function invokeAction(
  target: Component | ActionDefinition,
  ...rest: unknown[]
): Promise<ActionInvocation> {
  const [action, params, overrides] = isComponent(target)
    ? [operationOf<Component['actions'][string]>(target, 'actions', rest[0] as string), rest[1], rest[2]]
    : [convertAction(target.display.label, target, noErrorHook), rest[0], rest[1]];
  const logs: CapturedLog[] = [];
  const context = createTestContext((overrides ?? {}) as Partial<ActionContext>, logs);
  const result = await action.perform(
    context,
    withDefaults(action.inputs, (params ?? {}) as Record<string, unknown>),
  );
  return { result, logs, ...statesAfter(context, result) };
}

/**
 * Runs one trigger of a component with a payload (`defaultTriggerPayload()` when none is given); returns its result,
 * the logs and the state. A polling trigger's state is in the returned `instanceState`.
 */
export function invokeTrigger(
  component: Component,
  triggerKey: string,
  payload?: TriggerPayload,
  params?: Record<string, unknown>,
  contextOverrides?: Partial<ActionContext>,
): Promise<TriggerInvocation>;
/** Runs a polling trigger definition (from `pollingTrigger()`) as its component would. */
export function invokeTrigger<
  const TInputs extends InputDefinitions,
  const TActionInputs extends InputDefinitions,
>(
  trigger: PollingTrigger<TInputs, TActionInputs>,
  payload?: TriggerPayload,
  params?: TestParams<TInputs & TActionInputs>,
  contextOverrides?: Partial<ActionContext>,
): Promise<TriggerInvocation>;
/** Runs a trigger definition (from `trigger()`) as its component would. */
export function invokeTrigger<const TInputs extends InputDefinitions>(
  trigger: TriggerDefinition<TInputs>,
  payload?: TriggerPayload,
  params?: TestParams<TInputs>,
  contextOverrides?: Partial<ActionContext>,
): Promise<TriggerInvocation>;
export async function invokeTrigger(
  target: Component | TriggerDefinition | PollingTrigger,
  ...rest: unknown[]
): Promise<TriggerInvocation> {
  const [trigger, payload, params, overrides] = isComponent(target)
    ? [operationOf<ComponentTrigger>(target, 'triggers', rest[0] as string), rest[1], rest[2], rest[3]]
    : [convertTrigger(target.display.label, target, noErrorHook), rest[0], rest[1], rest[2]];
  const logs: CapturedLog[] = [];
  const context = createTestContext((overrides ?? {}) as Partial<ActionContext>, logs);
  const result = await trigger.perform(
    context,
    (payload as TriggerPayload | undefined) ?? defaultTriggerPayload(),
    withDefaults(trigger.inputs, (params ?? {}) as Record<string, unknown>),
  );
  return { result, logs, ...statesAfter(context, result) };
}

/** Runs one data source of a component; returns its result (`{result, supplementalData?}`) and the logs. */
export function invokeDataSource(
  component: Component,
  dataSourceKey: string,
  params?: Record<string, unknown>,
  contextOverrides?: Partial<DataSourceContext>,
): Promise<DataSourceInvocation>;
/** Runs a data source definition (from `dataSource()`) as its component would. */
export function invokeDataSource<
  const TInputs extends InputDefinitions,
  TDataSourceType extends DataSourceType,
>(
  dataSource: DataSourceDefinition<TInputs, TDataSourceType>,
  params?: TestParams<TInputs>,
  contextOverrides?: Partial<DataSourceContext>,
): Promise<DataSourceInvocation<TDataSourceType>>;
export async function invokeDataSource(
  target: Component | DataSourceDefinition,
  ...rest: unknown[]
): Promise<DataSourceInvocation> {
  const [dataSource, params, overrides] = isComponent(target)
    ? [operationOf<ComponentDataSource>(target, 'dataSources', rest[0] as string), rest[1], rest[2]]
    : [convertDataSource(target.display.label, target, noErrorHook), rest[0], rest[1]];
  const logs: CapturedLog[] = [];
  const context = createDataSourceContext((overrides ?? {}) as Partial<DataSourceContext>, logs);
  const result = await dataSource.perform(
    context,
    withDefaults(dataSource.inputs, (params ?? {}) as Record<string, unknown>),
  );
  return { result, logs };
}

async function invokeTriggerEvent(
  component: Component,
  triggerKey: string,
  event: 'onInstanceDeploy' | 'onInstanceDelete' | 'webhookCreate' | 'webhookDelete',
  params: Record<string, unknown>,
  overrides: Partial<ActionContext>,
): Promise<TriggerEventInvocation> {
  const trigger = operationOf<ComponentTrigger>(component, 'triggers', triggerKey);
  const run = trigger[event];
  if (!run)
    throw new Error(`trigger '${triggerKey}' of component '${component.key}' has no ${event} function`);
  const logs: CapturedLog[] = [];
  const context = createTestContext(overrides, logs);
  const result = (await run(context, withDefaults(trigger.inputs, params))) ?? undefined;
  return { result, logs, ...statesAfter(context, result) };
}

/**
 * Calls a component's operations by key (Spectral's `ComponentTestHarness`); each call returns `{result, logs}`
 * and, but for data sources, the state. As in Spectral, `trigger` fills in what its payload leaves out from
 * `defaultTriggerPayload()`.
 */
export class ComponentTestHarness {
  constructor(readonly component: Component) {}

  action(
    key: string,
    params: Record<string, unknown> = {},
    context: Partial<ActionContext> = {},
  ): Promise<ActionInvocation> {
    return invokeAction(this.component, key, params, context);
  }

  trigger(
    key: string,
    payload?: Partial<TriggerPayload>,
    params: Record<string, unknown> = {},
    context: Partial<ActionContext> = {},
  ): Promise<TriggerInvocation> {
    return invokeTrigger(this.component, key, { ...defaultTriggerPayload(), ...payload }, params, context);
  }

  triggerOnInstanceDeploy(
    key: string,
    params: Record<string, unknown> = {},
    context: Partial<ActionContext> = {},
  ): Promise<TriggerEventInvocation> {
    return invokeTriggerEvent(this.component, key, 'onInstanceDeploy', params, context);
  }

  triggerOnInstanceDelete(
    key: string,
    params: Record<string, unknown> = {},
    context: Partial<ActionContext> = {},
  ): Promise<TriggerEventInvocation> {
    return invokeTriggerEvent(this.component, key, 'onInstanceDelete', params, context);
  }

  /** The trigger's `webhookLifecycleHandlers.create` (`webhookCreate`), with the state it leaves. */
  triggerWebhookCreate(
    key: string,
    params: Record<string, unknown> = {},
    context: Partial<ActionContext> = {},
  ): Promise<TriggerEventInvocation> {
    return invokeTriggerEvent(this.component, key, 'webhookCreate', params, context);
  }

  /** The trigger's `webhookLifecycleHandlers.delete` (`webhookDelete`), with the state it leaves. */
  triggerWebhookDelete(
    key: string,
    params: Record<string, unknown> = {},
    context: Partial<ActionContext> = {},
  ): Promise<TriggerEventInvocation> {
    return invokeTriggerEvent(this.component, key, 'webhookDelete', params, context);
  }

  dataSource(
    key: string,
    params: Record<string, unknown> = {},
    context: Partial<DataSourceContext> = {},
  ): Promise<DataSourceInvocation> {
    return invokeDataSource(this.component, key, params, context);
  }
}

export function createHarness(component: Component): ComponentTestHarness {
  return new ComponentTestHarness(component);
}
