/**
 * The component object the platform runs ("server types" in Spectral): plain data plus `perform` functions. A
 * code-native integration compiles to one of these, with its YAML definition attached.
 */
import type { CatalogOAuth2Config } from '@weft/definition';
import type { DataSourceResult, DataSourceType, OAuth2Config } from './config-vars.js';
import type {
  ActionContext,
  ActionPerformReturn,
  DataSourceContext,
  TriggerEventFunctionReturn,
  TriggerPayload,
  TriggerResult,
} from './context.js';
import type { InputFieldChoice, OAuth2PkceMethod, OAuth2Type } from './inputs.js';

export interface ComponentDisplay {
  label: string;
  description: string;
  iconPath?: string;
  category?: string;
}

export interface OperationDisplay {
  label: string;
  description: string;
  directions?: string;
  important?: boolean;
}

/** An input of an action, trigger, data source or connection. */
export interface ComponentInput {
  key: string;
  label: string;
  /** Key/value lists: the label of the key. */
  keyLabel?: string;
  type: string;
  collection?: 'valuelist' | 'keyvaluelist';
  placeholder?: string;
  default?: unknown;
  comments?: string;
  example?: string;
  required?: boolean;
  model?: InputFieldChoice[];
  language?: string;
  onPremiseControlled?: boolean;
  dataSource?: string;
  shown?: boolean;
  /** Connection inputs of type `template`: the value, computed from the other inputs (`{{#domain}}`). */
  templateValue?: string;
}

export type ActionPerformFunction = (
  context: ActionContext,
  params: Record<string, unknown>,
) => Promise<ActionPerformReturn>;

export interface ComponentAction {
  key: string;
  display: OperationDisplay;
  inputs: ComponentInput[];
  perform: ActionPerformFunction;
  /** The platform ends the execution after this action (stop-execution). */
  terminateExecution?: boolean;
  /** The platform leaves the innermost loop after this action (loop's breakLoop). */
  breakLoop?: boolean;
  /**
   * Weft: a loop action. The platform runs the step's child steps once per element of the array the action returns
   * as `data`, with the element as `<step>.currentItem` and its position as `<step>.index`.
   */
  loop?: boolean;
  allowsBranching?: boolean;
  staticBranchNames?: string[];
  dynamicBranchInput?: string;
  examplePayload?: unknown;
}

export type ComponentTriggerPerformFunction = (
  context: ActionContext,
  payload: TriggerPayload,
  params: Record<string, unknown>,
) => Promise<TriggerResult>;

export type ComponentTriggerEventFunction = (
  context: ActionContext,
  params: Record<string, unknown>,
  // biome-ignore lint/suspicious/noConfusingVoidType: lets `async () => {}` (no return) be an instance event handler
) => Promise<TriggerEventFunctionReturn | undefined | void>;

/** Whether a trigger can be used with a schedule, or by a synchronous flow. */
export type TriggerOptionChoice = 'invalid' | 'valid' | 'required';

export interface ComponentTrigger {
  key: string;
  display: OperationDisplay;
  inputs: ComponentInput[];
  perform: ComponentTriggerPerformFunction;
  onInstanceDeploy?: ComponentTriggerEventFunction;
  hasOnInstanceDeploy?: boolean;
  onInstanceDelete?: ComponentTriggerEventFunction;
  hasOnInstanceDelete?: boolean;
  /**
   * Registers the flow's webhook URL at the provider (Spectral's `webhookLifecycleHandlers.create`): run at deploy
   * and unpause when the flow is not registered for its current URL and inputs; what it returns (or sets in place)
   * in `crossFlowState` / `instanceState` is kept for the trigger's perform (a signing secret, the subscription id).
   */
  webhookCreate?: ComponentTriggerEventFunction;
  hasWebhookCreateFunction?: boolean;
  /** Removes that registration (`webhookLifecycleHandlers.delete`): run at pause, delete, and before re-registering. */
  webhookDelete?: ComponentTriggerEventFunction;
  hasWebhookDeleteFunction?: boolean;
  scheduleSupport: TriggerOptionChoice;
  synchronousResponseSupport: TriggerOptionChoice;
  /**
   * A polling trigger (Spectral's `pollingTrigger`): it runs on the flow's schedule, keeps its cursor in the
   * instance state, and ends the execution early when its result has `resultType: 'polled_no_changes'`.
   */
  isPollingTrigger?: boolean;
  allowsBranching?: boolean;
  staticBranchNames?: string[];
  dynamicBranchInput?: string;
  examplePayload?: unknown;
}

export interface ComponentDataSource {
  key: string;
  display: OperationDisplay;
  inputs: ComponentInput[];
  perform: (context: DataSourceContext, params: Record<string, unknown>) => Promise<DataSourceResult>;
  dataSourceType: DataSourceType;
  examplePayload?: unknown;
  /** Another data source of the component that gives details (example values) of what this one lists. */
  detailDataSource?: string;
}

/**
 * How an OAuth 2.0 connection gets and keeps its token: Spectral's settings, and Weft's (parameters the provider
 * wants on top of the standard ones, how the client authenticates, which API answers mean the token expired).
 */
export interface ConnectionOAuth2Config extends OAuth2Config, CatalogOAuth2Config {}

export interface ComponentConnection {
  key: string;
  label: string;
  comments?: string;
  oauth2Type?: OAuth2Type;
  oauth2PkceMethod?: OAuth2PkceMethod;
  oauth2Config?: ConnectionOAuth2Config;
  iconPath?: string;
  avatarIconPath?: string;
  inputs: Array<ComponentInput & { onPremControlled?: boolean }>;
}

/** A component as the platform loads it. */
export interface Component {
  key: string;
  /** Built-in components are public; custom and code-native ones are private to their organization. */
  public?: boolean;
  documentationUrl?: string;
  display: ComponentDisplay;
  actions: Record<string, ComponentAction>;
  triggers: Record<string, ComponentTrigger>;
  dataSources: Record<string, ComponentDataSource>;
  connections: ComponentConnection[];
  /** Set on the component of a code-native integration: the integration's YAML definition. */
  codeNativeIntegrationYAML?: string;
}

/** What `integration()` returns: the generated component, private, with the integration's YAML definition. */
export interface CodeNativeIntegration extends Component {
  public: false;
  codeNativeIntegrationYAML: string;
}
