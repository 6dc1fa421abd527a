/**
 * What a flow's functions receive and return: the context (Spectral's `ActionContext`), the trigger payload, and
 * the result shapes. Types only: the engine builds the context when it runs a step.
 */

import type { StateUpdater } from './state-operations.js';

/** Contains attributes of the customer for whom an instance is being executed. */
export interface CustomerAttributes {
  /** The customer's id. */
  id: string;
  /** The id the customer has in your own app. */
  externalId: string;
  name: string;
}

/** Contains attributes of the instance that is being executed. */
export interface InstanceAttributes {
  id: string;
  name: string;
}

/** Contains attributes of the user whose user-level configuration is being used. */
export interface UserAttributes {
  id: string;
  /** The email address (or embedded id) of the user. */
  email: string;
  name: string;
  /** The id the user has in your own app. */
  externalId: string;
}

/** Contains attributes of the integration that is being executed. */
export interface IntegrationAttributes {
  id: string;
  name: string;
  /** The id of the published version that runs. */
  versionSequenceId: string;
  /** The version label of the source (`integration({version})`). */
  externalVersion: string;
}

/** Contains attributes of the flow that is being executed. */
export interface FlowAttributes {
  id: string;
  name: string;
}

export type ActionLoggerFunction = (...args: unknown[]) => void;

/** Logs kept with the execution (console calls are captured too). */
export interface ActionLogger {
  metric: ActionLoggerFunction;
  trace: ActionLoggerFunction;
  debug: ActionLoggerFunction;
  info: ActionLoggerFunction;
  log: ActionLoggerFunction;
  warn: ActionLoggerFunction;
  error: ActionLoggerFunction;
}

/** The answer of a flow invoked with `context.invokeFlow`. */
export interface FlowInvocationResponse {
  status: number;
  headers: Record<string, string>;
  data: unknown;
}

/** Starts an execution of another flow of the same instance (a cross-flow invocation). */
export type FlowInvoker = (
  flowName: string,
  data?: Record<string, unknown>,
  config?: { headers?: Record<string, string> },
  source?: string,
) => Promise<FlowInvocationResponse>;

/** Where the running step sits: the execution that invoked this one, for cross-flow lineage. */
export type ExecutionFrame =
  | {
      invokedByExecutionJWT: string;
      invokedByExecutionStartedAt: string;
      componentActionKey: string;
      executionId: string;
      executionStartedAt: string;
      stepName: string;
      loopPath: string;
    }
  | { invokedByExecutionJWT: string; invokedByExecutionStartedAt: string; customSource: string };

export interface MemoryUsage {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

/** Measurements taken while debug mode is on. */
export interface DebugContext {
  /** Whether the execution runs in debug mode. */
  enabled: boolean;
  timeElapsed: {
    mark: (context: ActionContext, label: string) => void;
    measure: (context: ActionContext, label: string, marks: { start: string; end: string }) => void;
  };
  memoryUsage: (context: ActionContext, label: string, showDetail?: boolean) => void;
  results: {
    timeElapsed: {
      marks: Record<string, number>;
      measurements: Record<string, { marks: { start: string; end: string }; duration: number }>;
    };
    allowedMemory: number;
    memoryUsage: Array<{ mark: string; rss: number; detail?: MemoryUsage }>;
  };
}

/** A component action as a code-native flow calls it: its input values in, its result out. */
export type ComponentActionInvoker = (values: Record<string, unknown>) => Promise<unknown>;

/** The context a flow's `onTrigger`, `onExecution`, `onInstanceDeploy` and `onInstanceDelete` receive. */
export interface ActionContext<TConfigVars = Record<string, unknown>> {
  /** Logs kept with the execution. */
  logger: ActionLogger;
  /** This flow's key/value store, kept across executions of the instance. */
  instanceState: Record<string, unknown>;
  /** A key/value store shared by the flows of the instance, kept across executions. */
  crossFlowState: Record<string, unknown>;
  /** A key/value store that lasts for this execution only. */
  executionState: Record<string, unknown>;
  /** A key/value store shared by every instance of every version of the integration. */
  integrationState: Record<string, unknown>;
  /** The values of the integration's config variables, by name. */
  configVars: TConfigVars;
  /** The actions of the components in the integration's `componentRegistry`, by component key then action key. */
  components: Record<string, Record<string, ComponentActionInvoker>>;
  /** The id of the running step. */
  stepId: string;
  /** The id of this execution. */
  executionId: string;
  /** The webhook URL of each flow of the instance, by flow name. */
  webhookUrls: Record<string, string>;
  /** The API keys of each flow of the instance, by flow name. */
  webhookApiKeys: Record<string, string[]>;
  /** The URL that invoked this execution. */
  invokeUrl: string;
  customer: CustomerAttributes;
  instance: InstanceAttributes;
  user: UserAttributes;
  integration: IntegrationAttributes;
  flow: FlowAttributes;
  /** When the execution started (ISO 8601, UTC). */
  startedAt: string;
  /** Starts an execution of another flow of this instance. */
  invokeFlow: FlowInvoker;
  executionFrame: ExecutionFrame;
  debug: DebugContext;
  /**
   * Weft only (Spectral has no such field): applies a read-modify-write operation (add to a number, append to a
   * list, ...) to one key of a state store atomically, across concurrent executions and processes, and answers the
   * key's value after it. The change is stored at once, not with the step's returned state. Absent elsewhere.
   */
  updateState?: StateUpdater;
}

/** The request (or schedule tick) that invoked a flow, as its trigger receives it. */
export interface TriggerPayload {
  headers: Record<string, string>;
  queryParameters: Record<string, string>;
  /** The body as received. */
  rawBody: { data: unknown; contentType?: string };
  /** The body, parsed when its content type is JSON. */
  body: { data: unknown; contentType?: string };
  /** The part of the URL path after the flow's webhook URL. */
  pathFragment: string;
  webhookUrls: Record<string, string>;
  webhookApiKeys: Record<string, string[]>;
  invokeUrl: string;
  executionId: string;
  customer: CustomerAttributes;
  instance: InstanceAttributes;
  user: UserAttributes;
  integration: IntegrationAttributes;
  flow: FlowAttributes;
  startedAt: string;
  globalDebug: boolean;
}

/** The HTTP response a trigger sends to the caller that invoked the flow. */
export interface HttpResponse {
  statusCode: number;
  contentType: string;
  headers?: Record<string, string>;
  body?: string;
}

/** State a function hands back to be kept. */
export interface StateChanges {
  /** Replaces this flow's instance state (spread `context.instanceState` to keep the other keys). */
  instanceState?: Record<string, unknown>;
  /** Replaces the instance's cross-flow state. */
  crossFlowState?: Record<string, unknown>;
  /** Replaces this execution's state. */
  executionState?: Record<string, unknown>;
  /** Replaces the integration-wide state. */
  integrationState?: Record<string, unknown>;
}

/** What a trigger returns: the payload the flow's steps see, and optionally the HTTP response to send. */
export interface TriggerBaseResult<TPayload extends TriggerPayload = TriggerPayload> extends StateChanges {
  payload: TPayload;
  response?: HttpResponse;
  /** Set by the platform when the trigger failed. */
  failed?: boolean;
  error?: Record<string, unknown>;
  /** A polling trigger that found nothing new. */
  polledNoChanges?: boolean;
  /**
   * Set by the perform `component()` makes of a `pollingTrigger()` (from `polledNoChanges`): `polled_no_changes`
   * ends the execution after the trigger, as a success.
   */
  resultType?: TriggerResultType;
}

/** How a polling trigger's run ended: with records for the flow, or with nothing new. */
export type TriggerResultType = 'completed' | 'polled_no_changes';

export interface TriggerBranchingResult<TPayload extends TriggerPayload = TriggerPayload>
  extends TriggerBaseResult<TPayload> {
  /** The branch to take. */
  branch: string;
}

export type TriggerResult<TPayload extends TriggerPayload = TriggerPayload> =
  | TriggerBaseResult<TPayload>
  | TriggerBranchingResult<TPayload>
  | undefined;

/** What an action (a flow's `onExecution`) returns: its result data, and for synchronous flows the response. */
export interface ActionPerformDataReturn<TData = unknown> extends StateChanges {
  data: TData;
  contentType?: string;
  /** The HTTP status sent when this step ends a synchronous execution. */
  statusCode?: number;
  /** The HTTP headers sent when this step ends a synchronous execution. */
  headers?: Record<string, string>;
  failed?: boolean;
  error?: Record<string, unknown>;
}

export interface ActionPerformBranchingDataReturn<TData = unknown> extends ActionPerformDataReturn<TData> {
  branch: string;
}

export type ActionPerformReturn<TData = unknown> =
  | ActionPerformDataReturn<TData>
  | ActionPerformBranchingDataReturn<TData>
  | undefined;

/** What `onInstanceDeploy` / `onInstanceDelete` may return: state to keep. */
export type TriggerEventFunctionReturn = StateChanges;

/** The context a data source receives: fewer fields, since no execution is running. */
export type DataSourceContext<TConfigVars = Record<string, unknown>> = Pick<
  ActionContext<TConfigVars>,
  'logger' | 'customer' | 'instance' | 'user' | 'configVars'
>;

/** The state a polling trigger keeps between runs: a cursor, a page number, an "updated since" timestamp. */
export interface PollingState {
  /** The state the previous run saved, or `{}` on the first run. */
  getState: () => Record<string, unknown>;
  /** Replaces the saved state; the next run reads it. Kept in the flow's instance state when the trigger ends. */
  setState: (state: Record<string, unknown>) => void;
}

/** The context a `pollingTrigger()`'s perform receives: an action context with `polling`. */
export interface PollingContext<
  TActionParams = Record<string, unknown>,
  TConfigVars = Record<string, unknown>,
> extends ActionContext<TConfigVars> {
  polling: PollingState & {
    /** Runs the trigger's `pollAction` with these values, as its perform takes them (they are not cleaned again). */
    invokeAction: (params: TActionParams) => Promise<ActionPerformReturn>;
  };
}
