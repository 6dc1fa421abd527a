/**
 * What a code-native integration is made of: `integration({...flows, configPages})`. Field names and shapes are
 * Spectral's (`IntegrationDefinition`, `Flow`), so a Spectral project's definitions read the same here.
 */
import type { ComponentReference, ComponentRegistry } from './component-registry.js';
import type { ConfigPage, ConfigVars } from './config-vars.js';
import type {
  ActionContext,
  ActionPerformReturn,
  TriggerEventFunctionReturn,
  TriggerPayload,
  TriggerResult,
} from './context.js';

/** How instances' webhook URLs are laid out: one per flow, one per instance, or one shared by all instances. */
export type EndpointType = 'flow_specific' | 'instance_specific' | 'shared_instance';

/** Who may call a flow's webhook. */
export type EndpointSecurityType = 'unsecured' | 'customer_optional' | 'customer_required' | 'organization';

export type StepErrorHandlerType = 'fail' | 'ignore' | 'retry';

/** What happens when the flow's trigger or `onExecution` throws. */
export interface StepErrorConfig {
  errorHandlerType: StepErrorHandlerType;
  /** Retries (0 to 5). */
  maxAttempts?: number;
  /** Seconds between retries (0 to 60). */
  delaySeconds?: number;
  usesExponentialBackoff?: boolean;
  ignoreFinalError?: boolean;
}

/** Automatic retry of a failed execution. */
export interface RetryConfig {
  /** 0 to 10. */
  maxAttempts: number;
  /** 0 to 60. */
  delayMinutes: number;
  usesExponentialBackoff: boolean;
  /** A field of the trigger's payload that identifies a request: a newer request cancels the retries of an older one. */
  uniqueRequestIdField?: string;
}

/** How executions of a flow queue. */
export interface StandardQueueConfig {
  /** One execution at a time, in the order received (not for synchronous or scheduled flows). */
  usesFifoQueue?: boolean;
  /** A field of the trigger's payload; an execution whose value is already queued is dropped. */
  dedupeIdField?: string;
  /** Scheduled flows: skip a tick while the previous execution still runs. */
  singletonExecutions?: boolean;
  /** At most this many executions at once (2 to 15). */
  concurrencyLimit?: number;
}
export interface ParallelQueueConfig {
  type: 'parallel';
}
export interface ThrottledQueueConfig {
  type: 'throttled';
  concurrencyLimit?: number;
  dedupeIdField?: string;
}
export interface SequentialQueueConfig {
  type: 'sequential';
  dedupeIdField?: string;
}
export type QueueConfig =
  | StandardQueueConfig
  | ParallelQueueConfig
  | ThrottledQueueConfig
  | SequentialQueueConfig;

/** Instance- or shared-endpoint integrations: where a request names its customer, user and flow. */
export interface PreprocessFlowConfig {
  flowNameField: string;
  externalCustomerIdField?: string;
  externalCustomerUserIdField?: string;
}

/** A cron schedule, or the name of a schedule config variable that holds one. */
export type FlowSchedule = ({ value: string } | { configVar: string }) & {
  /** IANA time zone (default UTC). */
  timezone?: string;
};

/** A flow's trigger function: it receives the request and returns the payload (and optionally the response). */
export type TriggerPerformFunction<TPayload extends TriggerPayload = TriggerPayload> = (
  context: ActionContext<ConfigVars>,
  payload: TriggerPayload,
  params: Record<string, unknown>,
) => Promise<TriggerResult<TPayload>>;

/** Runs when an instance is deployed (or deleted): set up (or tear down) webhooks in the other app, and so on. */
export type TriggerEventFunction = (
  context: ActionContext<ConfigVars>,
  params: Record<string, unknown>,
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async () => {}` (no return) be an instance event handler
) => Promise<TriggerEventFunctionReturn | undefined | void>;

/** What a flow's `onExecution` receives besides the context: the trigger's result. */
export interface FlowExecutionParams<TTriggerPayload extends TriggerPayload = TriggerPayload> {
  onTrigger: { results: TTriggerPayload };
}

/** The flow's main function. */
export type FlowOnExecution<TTriggerPayload extends TriggerPayload = TriggerPayload> = (
  context: ActionContext<ConfigVars>,
  params: FlowExecutionParams<TTriggerPayload>,
) => Promise<ActionPerformReturn>;

/** The context of a flow's functions, with the project's typed config variables. */
export type FlowExecutionContext = ActionContext<ConfigVars>;

/** A flow: a trigger (a webhook, a schedule, your `onTrigger`) and the function it runs. */
export interface Flow<TTriggerPayload extends TriggerPayload = TriggerPayload> {
  /** Unique in the integration; deployers see it. */
  name: string;
  /** Identity that survives renames: instances keep webhook URLs and state through it. */
  stableKey: string;
  description?: string;
  /** A synchronous flow answers its webhook with the result of its execution (default false). */
  isSynchronous?: boolean;
  /** Default `customer_optional`. */
  endpointSecurityType?: EndpointSecurityType;
  /** Makes this the preprocess flow of an instance- or shared-endpoint integration. */
  preprocessFlowConfig?: PreprocessFlowConfig;
  /** Run on a schedule instead of (or as well as) by webhook. */
  schedule?: FlowSchedule;
  retryConfig?: RetryConfig;
  queueConfig?: QueueConfig;
  /** Applied to both the trigger and `onExecution`. */
  errorConfig?: StepErrorConfig;
  /** JSON schemas of the flow's payloads (for example its `invoke` schema for AI agents). */
  schemas?: Record<string, Record<string, unknown>>;
  /**
   * The trigger: a function that receives the request and returns `{payload, response?}`, or a trigger of a
   * component in the registry. Without it the flow uses the webhook trigger (or the schedule trigger).
   */
  onTrigger?: TriggerPerformFunction<TTriggerPayload> | ComponentReference;
  onInstanceDeploy?: TriggerEventFunction;
  onInstanceDelete?: TriggerEventFunction;
  /**
   * As Spectral's: registers the flow's webhook URL with the third party (`create`) and removes it (`delete`);
   * Weft runs them on deploy, redeploy with changed inputs, pause/unpause and delete (docs/components.md).
   */
  webhookLifecycleHandlers?: { create: TriggerEventFunction; delete: TriggerEventFunction };
  /** The flow's main function: `params.onTrigger.results` is the trigger's payload. */
  onExecution: FlowOnExecution<TTriggerPayload>;
}

/** A code-native integration. */
export interface IntegrationDefinition {
  /** Unique in the organization. */
  name: string;
  description?: string;
  /** Path of the integration's icon, relative to the built bundle. */
  iconPath?: string;
  category?: string;
  /** Markdown shown to deployers. */
  documentation?: string;
  /** A version label of the source, kept with the definition. */
  version?: string;
  labels?: string[];
  /** Default `flow_specific`; the others need a preprocess flow or `triggerPreprocessFlowConfig`. */
  endpointType?: EndpointType;
  /** Instance- or shared-endpoint integrations whose trigger payload names the customer and flow. */
  triggerPreprocessFlowConfig?: PreprocessFlowConfig;
  /** The flows; each may declare its own trigger payload type, which `integration()` does not need to know. */
  // biome-ignore lint/suspicious/noExplicitAny: flows with different payload types share the list, as in Spectral
  flows: Flow<any>[];
  /** The config wizard's pages, in order; each page's elements in order. */
  configPages?: Record<string, ConfigPage>;
  /** Pages each customer user fills in for themselves. */
  userLevelConfigPages?: Record<string, ConfigPage>;
  /** The instance profile instances use (default: the organization's default profile). */
  instanceProfile?: string;
  /** Existing components the flows and config variables refer to. */
  componentRegistry?: ComponentRegistry;
}
