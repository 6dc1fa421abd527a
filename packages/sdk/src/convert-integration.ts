/**
 * Compiles a code-native integration, as Spectral's `convertIntegration` does: a component whose actions and
 * triggers are the flows' functions (and whose data sources and connections are the integration's own), plus the
 * integration's definition in the flow model, serialized as `definitionVersion: 7` YAML that references them.
 */
import {
  type ActionRef,
  type ComponentRef,
  DEFINITION_VERSION,
  exportIntegrationYaml,
  type Input,
  type Integration,
  type JsonValue,
  legacyStepKey,
  type ConfigPage as ModelConfigPage,
  type ConfigVar as ModelConfigVar,
  type Flow as ModelFlow,
  type QueueConfig as ModelQueueConfig,
  type RetryConfig as ModelRetryConfig,
  type ReferenceInput,
  type Schedule,
  type Step,
  stepKey,
} from '@weft/definition';

import type {
  CodeNativeIntegration,
  ComponentConnection,
  ComponentDataSource,
  ComponentInput,
} from './component.js';
import { codeNativeComponentKey, flowFunctionKey } from './component-key.js';
import {
  type ComponentManifest,
  type ComponentReference,
  type ComponentReferenceValue,
  type ComponentRegistry,
  isComponentReference,
} from './component-registry.js';
import type {
  AnyDataSourceDefinitionConfigVar,
  ConfigPage,
  ConfigVar,
  ConnectionDefinitionConfigVar,
  ConnectionReferenceConfigVar,
  DataSourceReferenceConfigVar,
  StandardConfigVar,
} from './config-vars.js';
import { componentConnectionInput } from './connection-builders.js';
import type { ActionContext, TriggerPayload } from './context.js';
import type { ConnectionInput, ConnectionTemplateInputField, PermissionAndVisibilityType } from './inputs.js';
import type {
  Flow,
  FlowExecutionContext,
  FlowExecutionParams,
  IntegrationDefinition,
  PreprocessFlowConfig,
  QueueConfig,
  TriggerEventFunction,
} from './integration-definition.js';

/**
 * The key of a connection or data source of the generated component: its config variable's name camelCased as
 * Spectral's `convertIntegration` does it (lodash's camelCase), so code-native connections keep their keys.
 */
const generatedOperationKey = legacyStepKey;

const onTriggerDescription = 'The function that will be executed by the flow to return an HTTP response.';
const onExecutionDescription = 'The function that will be executed by the flow.';

const standardDataTypes = new Set<string>([
  'string',
  'date',
  'timestamp',
  'picklist',
  'code',
  'boolean',
  'number',
  'schedule',
  'credential',
  'objectSelection',
  'objectFieldMap',
  'jsonForm',
  'htmlElement',
]);

/** A config variable with its name (its key in the page's elements). */
interface NamedConfigVar {
  name: string;
  page: string;
  configVar: ConfigVar;
}

class CodeNativeDefinitionError extends Error {
  override name = 'CodeNativeDefinitionError';
}

function fail(message: string): never {
  throw new CodeNativeDefinitionError(message);
}

/** Drops the fields whose value is undefined. */
function compact<T extends object>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

/** A value as JSON data (functions and undefined dropped, as JSON.stringify does). */
function jsonValue(value: unknown): JsonValue {
  return value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);
}

function isConnectionDefinition(configVar: ConfigVar): configVar is ConnectionDefinitionConfigVar {
  return 'dataType' in configVar && configVar.dataType === 'connection' && 'inputs' in configVar;
}

function isConnectionReference(configVar: ConfigVar): configVar is ConnectionReferenceConfigVar {
  return (
    'dataType' in configVar &&
    configVar.dataType === 'connection' &&
    'connection' in configVar &&
    isComponentReference(configVar.connection)
  );
}

function isDataSourceDefinition(configVar: ConfigVar): configVar is AnyDataSourceDefinitionConfigVar {
  return 'dataSourceType' in configVar && 'perform' in configVar && typeof configVar.perform === 'function';
}

function isDataSourceReference(configVar: ConfigVar): configVar is DataSourceReferenceConfigVar {
  return 'dataSource' in configVar && isComponentReference(configVar.dataSource);
}

function isHtmlElement(configVar: ConfigVar): boolean {
  return 'dataType' in configVar && configVar.dataType === 'htmlElement';
}

/** The pages of the integration, instance-wide first, each with whether it is user-level. */
function pagesOf(
  definition: IntegrationDefinition,
): Array<{ name: string; page: ConfigPage; userLevel: boolean }> {
  const pages: Array<{ name: string; page: ConfigPage; userLevel: boolean }> = [];
  const names = new Set<string>();
  for (const [list, userLevel] of [
    [definition.configPages, false],
    [definition.userLevelConfigPages, true],
  ] as const) {
    for (const [name, page] of Object.entries(list ?? {})) {
      if (names.has(name)) fail(`Config page "${name}" is declared twice: page names must be unique.`);
      names.add(name);
      if (!page || typeof page !== 'object' || !page.elements || typeof page.elements !== 'object') {
        fail(`Config page "${name}" has no elements: give it configPage({elements: {...}}).`);
      }
      pages.push({ name, page, userLevel });
    }
  }
  return pages;
}

/** Every config variable of every page, in page and element order; names and stable keys must be unique. */
function collectConfigVars(definition: IntegrationDefinition): NamedConfigVar[] {
  const byName = new Map<string, NamedConfigVar>();
  const byStableKey = new Map<string, string>();
  for (const { name: page, page: configPage } of pagesOf(definition)) {
    for (const [name, element] of Object.entries(configPage.elements)) {
      if (typeof element === 'string') continue;
      if (!element || typeof element !== 'object') {
        fail(`Config variable "${name}" on page "${page}" is not a config variable: use configVar({...}).`);
      }
      const earlier = byName.get(name);
      if (earlier) {
        fail(
          `Config variable "${name}" is declared on page "${earlier.page}" and again on page "${page}": config variable names must be unique.`,
        );
      }
      if (typeof element.stableKey !== 'string' || element.stableKey.trim() === '') {
        fail(
          `Config variable "${name}" has no stableKey: give it one that never changes (for example "${stepKey(name)}").`,
        );
      }
      const sameKey = byStableKey.get(element.stableKey);
      if (sameKey !== undefined) {
        fail(`Config variables "${sameKey}" and "${name}" have the same stableKey "${element.stableKey}".`);
      }
      byStableKey.set(element.stableKey, name);
      byName.set(name, { name, page, configVar: element });
    }
  }
  return [...byName.values()];
}

const visibilityByType: Record<
  PermissionAndVisibilityType,
  { orgOnly: boolean; visibleToOrgDeployer: boolean; visibleToCustomerDeployer: boolean }
> = {
  customer: { orgOnly: false, visibleToOrgDeployer: true, visibleToCustomerDeployer: true },
  embedded: { orgOnly: false, visibleToOrgDeployer: true, visibleToCustomerDeployer: false },
  organization: { orgOnly: true, visibleToOrgDeployer: true, visibleToCustomerDeployer: false },
};

function visibility(settings: {
  permissionAndVisibilityType?: PermissionAndVisibilityType;
  visibleToOrgDeployer?: boolean;
}) {
  const type = settings.permissionAndVisibilityType ?? 'customer';
  const values = visibilityByType[type];
  if (!values) fail(`permissionAndVisibilityType "${type}" is not one of customer, embedded, organization.`);
  return { ...values, visibleToOrgDeployer: settings.visibleToOrgDeployer ?? true };
}

/** `orgOnly` and `meta` of a config variable, from its permission and visibility settings. */
function configVarVisibility(configVar: ConfigVar): { orgOnly: boolean; meta: { [key: string]: JsonValue } } {
  const { orgOnly, visibleToCustomerDeployer, visibleToOrgDeployer } = visibility(configVar);
  return { orgOnly, meta: { visibleToCustomerDeployer, visibleToOrgDeployer } };
}

/** `meta` of an input of a connection (or of a referenced component), from its permission and visibility settings. */
function inputMeta(settings: {
  permissionAndVisibilityType?: PermissionAndVisibilityType;
  visibleToOrgDeployer?: boolean;
  writeOnly?: true;
}): { [key: string]: JsonValue } {
  return { ...visibility(settings), ...(settings.writeOnly ? { writeOnly: true } : {}) };
}

/** A default value as the definition stores it: text, with lists and objects as JSON text. */
function defaultValueText(configVar: StandardConfigVar): string | undefined {
  if (!('defaultValue' in configVar) || configVar.defaultValue === undefined) return undefined;
  let value: unknown = configVar.defaultValue;
  if (
    configVar.collectionType === 'keyvaluelist' &&
    value &&
    typeof value === 'object' &&
    !Array.isArray(value)
  ) {
    value = Object.entries(value).map(([key, entry]) => ({
      key,
      value: typeof entry === 'string' ? entry : JSON.stringify(entry),
    }));
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

class IntegrationCompiler {
  readonly componentKey: string;
  readonly registry: ComponentRegistry;
  readonly configVars: NamedConfigVar[];

  constructor(readonly definition: IntegrationDefinition) {
    if (!definition || typeof definition !== 'object') fail('integration() needs a definition object.');
    if (typeof definition.name !== 'string' || definition.name.trim() === '') {
      fail('integration() needs a name: integration({name: "My Integration", flows: [...]}).');
    }
    if (!Array.isArray(definition.flows)) fail(`Integration "${definition.name}" needs a list of flows.`);
    this.componentKey = codeNativeComponentKey(definition.name);
    this.registry = definition.componentRegistry ?? {};
    this.configVars = collectConfigVars(definition);
    this.checkFlows();
    this.checkGeneratedKeys();
  }

  /** How the YAML refers to the generated component: always its latest version, published with the YAML. */
  private get ownComponent(): ComponentRef {
    return { key: this.componentKey, version: 'LATEST', isPublic: false };
  }

  private checkFlows(): void {
    const names = new Set<string>();
    const stableKeys = new Map<string, string>();
    const functionKeys = new Map<string, string>();
    for (const flow of this.definition.flows) {
      if (!flow || typeof flow !== 'object' || typeof flow.name !== 'string' || flow.name.trim() === '') {
        fail('Every flow needs a name: flow({name, stableKey, onExecution}).');
      }
      if (names.has(flow.name)) fail(`Two flows are named "${flow.name}": flow names must be unique.`);
      names.add(flow.name);
      if (typeof flow.stableKey !== 'string' || flow.stableKey.trim() === '') {
        fail(
          `Flow "${flow.name}" has no stableKey: give it one that never changes (for example "${stepKey(flow.name)}").`,
        );
      }
      const sameKey = stableKeys.get(flow.stableKey);
      if (sameKey !== undefined)
        fail(`Flows "${sameKey}" and "${flow.name}" have the same stableKey "${flow.stableKey}".`);
      stableKeys.set(flow.stableKey, flow.name);
      const functionKey = flowFunctionKey(flow.name, 'onExecution');
      const sameFunctionKey = functionKeys.get(functionKey);
      if (sameFunctionKey !== undefined) {
        fail(
          `Flows "${sameFunctionKey}" and "${flow.name}" would both compile to the action "${functionKey}": rename one so that their names differ in more than case and punctuation.`,
        );
      }
      functionKeys.set(functionKey, flow.name);
      if (typeof flow.onExecution !== 'function') fail(`Flow "${flow.name}" needs an onExecution function.`);
      if (
        flow.onTrigger !== undefined &&
        typeof flow.onTrigger !== 'function' &&
        !isComponentReference(flow.onTrigger)
      ) {
        fail(`Flow "${flow.name}": onTrigger must be a function or a reference {component, key, values}.`);
      }
      if (
        isComponentReference(flow.onTrigger) &&
        (flow.onInstanceDeploy || flow.onInstanceDelete || flow.webhookLifecycleHandlers)
      ) {
        fail(
          `Flow "${flow.name}": onInstanceDeploy, onInstanceDelete and webhookLifecycleHandlers cannot be combined with an onTrigger that refers to a component's trigger; write onTrigger as a function instead.`,
        );
      }
      const handlers = flow.webhookLifecycleHandlers as Record<string, unknown> | undefined;
      if (
        handlers !== undefined &&
        (typeof handlers?.create !== 'function' || typeof handlers?.delete !== 'function')
      ) {
        fail(`Flow "${flow.name}": webhookLifecycleHandlers needs a create and a delete function.`);
      }
      this.checkSchedule(flow);
    }
  }

  private checkSchedule(flow: Flow): void {
    const { schedule } = flow;
    if (schedule === undefined) return;
    if (!schedule || typeof schedule !== 'object' || !('value' in schedule || 'configVar' in schedule)) {
      fail(
        `Flow "${flow.name}": schedule must be {value: "<cron>", timezone?} or {configVar: "<name>", timezone?}.`,
      );
    }
    if ('configVar' in schedule) {
      const named = this.configVars.find((entry) => entry.name === schedule.configVar);
      if (!named) {
        fail(
          `Flow "${flow.name}": its schedule names the config variable "${schedule.configVar}", which no config page declares.`,
        );
      }
      if (!('dataType' in named.configVar) || named.configVar.dataType !== 'schedule') {
        fail(
          `Flow "${flow.name}": its schedule's config variable "${schedule.configVar}" must have dataType "schedule".`,
        );
      }
    }
  }

  /** Connections and data sources are keyed by their camelCased names, which must not collide. */
  private checkGeneratedKeys(): void {
    const seen = new Map<string, string>();
    for (const { name, configVar } of this.configVars) {
      if (!isConnectionDefinition(configVar) && !isDataSourceDefinition(configVar)) continue;
      const key = generatedOperationKey(name);
      const other = seen.get(key);
      if (other !== undefined) {
        fail(`Config variables "${other}" and "${name}" would both compile to the key "${key}": rename one.`);
      }
      seen.set(key, name);
    }
  }

  private hasWrapperTrigger(flow: Flow): boolean {
    return (
      typeof flow.onTrigger === 'function' ||
      Boolean(flow.onInstanceDeploy) ||
      Boolean(flow.onInstanceDelete) ||
      Boolean(flow.webhookLifecycleHandlers)
    );
  }

  // ---- The generated component -------------------------------------------------------------------------

  component(): Omit<CodeNativeIntegration, 'codeNativeIntegrationYAML'> {
    const { definition } = this;
    const actions: CodeNativeIntegration['actions'] = {};
    const triggers: CodeNativeIntegration['triggers'] = {};
    for (const flow of definition.flows) {
      const actionKey = flowFunctionKey(flow.name, 'onExecution');
      const onExecution = flow.onExecution;
      actions[actionKey] = {
        key: actionKey,
        display: { label: `${flow.name} - onExecution`, description: onExecutionDescription },
        inputs: [],
        perform: (context, params) =>
          onExecution(context as FlowExecutionContext, params as unknown as FlowExecutionParams),
      };
      if (!this.hasWrapperTrigger(flow)) continue;
      const triggerKey = flowFunctionKey(flow.name, 'onTrigger');
      const onTrigger = typeof flow.onTrigger === 'function' ? flow.onTrigger : undefined;
      // A trigger event function of the flow, as the generated trigger's (the context is the flow's context).
      const asEvent = (run: TriggerEventFunction | undefined) =>
        run
          ? (context: ActionContext, params: Record<string, unknown>) =>
              run(context as FlowExecutionContext, params)
          : undefined;
      const { onInstanceDeploy, onInstanceDelete, webhookLifecycleHandlers } = flow;
      triggers[triggerKey] = compact({
        key: triggerKey,
        display: { label: `${flow.name} - onTrigger`, description: onTriggerDescription },
        inputs: [],
        perform: async (context: ActionContext, payload: TriggerPayload, params: Record<string, unknown>) =>
          onTrigger ? onTrigger(context as FlowExecutionContext, payload, params) : { payload },
        onInstanceDeploy: asEvent(onInstanceDeploy),
        hasOnInstanceDeploy: Boolean(onInstanceDeploy),
        onInstanceDelete: asEvent(onInstanceDelete),
        hasOnInstanceDelete: Boolean(onInstanceDelete),
        webhookCreate: asEvent(webhookLifecycleHandlers?.create),
        hasWebhookCreateFunction: Boolean(webhookLifecycleHandlers?.create),
        webhookDelete: asEvent(webhookLifecycleHandlers?.delete),
        hasWebhookDeleteFunction: Boolean(webhookLifecycleHandlers?.delete),
        scheduleSupport: 'valid' as const,
        synchronousResponseSupport: 'valid' as const,
      });
    }

    const dataSources: Record<string, ComponentDataSource> = {};
    const connections: ComponentConnection[] = [];
    for (const { name, configVar } of this.configVars) {
      if (isDataSourceDefinition(configVar)) {
        const key = generatedOperationKey(name);
        dataSources[key] = {
          key,
          display: { label: name, description: configVar.description ?? name },
          inputs: (configVar.dataSourceReset?.dependencies ?? []).map((dependency, index) => ({
            key: `input${index}`,
            label: dependency,
            type: 'string',
          })),
          perform: configVar.perform as ComponentDataSource['perform'],
          dataSourceType: configVar.dataSourceType,
        };
      } else if (isConnectionDefinition(configVar)) {
        connections.push(
          compact({
            key: generatedOperationKey(name),
            label: name,
            comments: configVar.description,
            oauth2Type: configVar.oauth2Type,
            oauth2PkceMethod: configVar.oauth2PkceMethod,
            oauth2Config: configVar.oauth2Config,
            iconPath: configVar.icons?.oauth2ConnectionIconPath,
            avatarIconPath: configVar.icons?.avatarPath,
            inputs: Object.entries(configVar.inputs).map(([key, input]) => connectionInput(key, input)),
          }),
        );
      }
    }

    return {
      key: this.componentKey,
      public: false,
      display: compact({
        label: definition.name,
        description: definition.description || definition.name,
        iconPath: definition.iconPath,
      }),
      actions,
      triggers,
      dataSources,
      connections,
    };
  }

  // ---- The flow model ------------------------------------------------------------------------------------

  model(): Integration {
    const { definition } = this;
    const preprocessFlows = definition.flows.filter((flow) => flow.preprocessFlowConfig);
    if (preprocessFlows.length > 1) fail('Only one flow may define a preprocessFlowConfig.');
    const preprocessFlow = preprocessFlows[0];
    if (preprocessFlow && definition.triggerPreprocessFlowConfig) {
      fail(
        'An integration cannot define both triggerPreprocessFlowConfig and a flow with preprocessFlowConfig.',
      );
    }
    const preprocessConfig: PreprocessFlowConfig | undefined =
      preprocessFlow?.preprocessFlowConfig ?? definition.triggerPreprocessFlowConfig;
    const endpointType = definition.endpointType ?? 'flow_specific';
    if (endpointType !== 'flow_specific' && !preprocessConfig) {
      fail(
        `An integration with endpointType "${endpointType}" needs triggerPreprocessFlowConfig or a flow with preprocessFlowConfig.`,
      );
    }
    const routingField = (field: string | undefined): ReferenceInput | undefined =>
      field
        ? { type: 'reference', value: `${preprocessFlow ? 'onExecution' : 'payload'}.results.${field}` }
        : undefined;

    const configVars: ModelConfigVar[] = [];
    for (const named of this.configVars) {
      if (!isHtmlElement(named.configVar)) configVars.push(this.configVarModel(named));
    }

    return compact<Integration>({
      definitionVersion: DEFINITION_VERSION,
      name: definition.name,
      description: definition.description ?? '',
      category: definition.category,
      documentation: definition.documentation,
      version: definition.version,
      labels: [...(definition.labels ?? [])],
      isCodeNative: true,
      endpointType,
      preprocessFlowName: preprocessFlow?.name,
      externalCustomerIdField: routingField(preprocessConfig?.externalCustomerIdField),
      externalCustomerUserIdField: routingField(preprocessConfig?.externalCustomerUserIdField),
      flowNameField: routingField(preprocessConfig?.flowNameField),
      defaultInstanceProfile: definition.instanceProfile,
      configVars,
      configPages: pagesOf(definition).map(({ name, page, userLevel }) =>
        configPageModel(name, page, userLevel),
      ),
      flows: definition.flows.map((flow) => this.flowModel(flow)),
    });
  }

  private flowModel(flow: Flow): ModelFlow {
    const hasSchedule = flow.schedule !== undefined;
    const errorConfig = flow.errorConfig ? { ...flow.errorConfig } : undefined;
    const trigger: Step = compact({
      name: 'On Trigger',
      key: 'onTrigger',
      stableKey: `${flow.stableKey}-onTrigger`,
      description: onTriggerDescription,
      action: { key: '', component: this.ownComponent } as ActionRef,
      inputs: {},
      errorConfig,
    });
    if (isComponentReference(flow.onTrigger)) {
      const { ref, inputs } = this.componentReference(flow.onTrigger, 'triggers');
      trigger.action = ref;
      trigger.inputs = inputs;
    } else if (this.hasWrapperTrigger(flow)) {
      trigger.action = { key: flowFunctionKey(flow.name, 'onTrigger'), component: this.ownComponent };
    } else {
      const key = hasSchedule ? 'schedule' : 'webhook';
      trigger.action = { key, component: { key: `${key}-triggers`, version: 'LATEST', isPublic: true } };
    }

    const onExecution: Step = compact({
      name: 'On Execution',
      key: 'onExecution',
      stableKey: `${flow.stableKey}-onExecution`,
      description: onExecutionDescription,
      action: { key: flowFunctionKey(flow.name, 'onExecution'), component: this.ownComponent },
      inputs: {},
      errorConfig: errorConfig ? { ...errorConfig } : undefined,
    });

    let schedule: Schedule | undefined;
    if (flow.schedule) {
      const configVar = 'configVar' in flow.schedule ? flow.schedule.configVar : undefined;
      schedule = {
        type: configVar !== undefined ? 'configVar' : 'value',
        value: configVar ?? ('value' in flow.schedule ? flow.schedule.value : ''),
        scheduleType: 'custom',
        timeZone: flow.schedule.timezone ?? '',
      };
    }

    const supplementalComponents = Object.values(this.registry).map((manifest) =>
      registryComponentRef(manifest),
    );

    return compact<ModelFlow>({
      name: flow.name,
      stableKey: flow.stableKey,
      description: flow.description ?? '',
      isSynchronous: flow.isSynchronous ?? false,
      endpointSecurityType: flow.endpointSecurityType ?? 'customer_optional',
      trigger,
      steps: [onExecution],
      schedule,
      retryConfig: flow.retryConfig ? retryConfigModel(flow.retryConfig) : undefined,
      queueConfig: flow.queueConfig ? queueConfigModel(flow, hasSchedule) : undefined,
      supplementalComponents: supplementalComponents.length > 0 ? supplementalComponents : undefined,
      schemas: flow.schemas
        ? Object.fromEntries(
            Object.entries(flow.schemas).map(([key, schema]) => [
              key,
              jsonValue({
                title: `${flow.stableKey}-${key}`,
                type: 'object',
                $schema: 'https://json-schema.org/draft/2020-12/schema',
                ...schema,
              }),
            ]),
          )
        : undefined,
    });
  }

  private configVarModel({ name, configVar }: NamedConfigVar): ModelConfigVar {
    const { orgOnly, meta } = configVarVisibility(configVar);
    const common = { key: name, stableKey: configVar.stableKey, description: configVar.description, orgOnly };

    if (isConnectionDefinition(configVar)) {
      const inputs: { [name: string]: Input } = {};
      for (const [key, input] of Object.entries(configVar.inputs)) {
        if (input.shown === false) continue;
        inputs[key] = connectionInputModel(input);
      }
      return compact<ModelConfigVar>({
        ...common,
        dataType: 'connection',
        connection: { key: generatedOperationKey(name), component: this.ownComponent },
        inputs,
        onPremiseConnectionConfig: configVar.onPremConnectionConfig,
        meta: { ...meta, ...(jsonValue(configVar.oauth2Config ?? {}) as { [key: string]: JsonValue }) },
      });
    }

    if (isConnectionReference(configVar)) {
      const { ref, inputs } = this.componentReference(configVar.connection, 'connections');
      return compact<ModelConfigVar>({
        ...common,
        dataType: 'connection',
        connection: compact({ ...ref, template: configVar.connection.template }),
        inputs,
        onPremiseConnectionConfig: configVar.connection.onPremiseConnectionConfig,
        meta,
      });
    }

    if (isDataSourceDefinition(configVar)) {
      const dataSourceMeta: { [key: string]: JsonValue } = { ...meta };
      let inputs: { [name: string]: Input } | undefined;
      if (configVar.dataSourceType === 'jsonForm')
        dataSourceMeta.validationMode = configVar.validationMode ?? 'ValidateAndShow';
      if (configVar.dataSourceReset) {
        dataSourceMeta.dataSourceReset = configVar.dataSourceReset.mode;
        inputs = Object.fromEntries(
          (configVar.dataSourceReset.dependencies ?? []).map((dependency, index) => [
            `input${index}`,
            { type: 'configVar', value: dependency } satisfies Input,
          ]),
        );
      }
      return compact<ModelConfigVar>({
        ...common,
        dataType: configVar.dataSourceType,
        collectionType: configVar.collectionType,
        dataSource: { key: generatedOperationKey(name), component: this.ownComponent },
        inputs,
        meta: dataSourceMeta,
      });
    }

    if (isDataSourceReference(configVar)) {
      const { ref, inputs } = this.componentReference(configVar.dataSource, 'dataSources');
      const manifest = this.registry[configVar.dataSource.component];
      const dataSourceType = manifest?.dataSources[configVar.dataSource.key]?.dataSourceType;
      if (!dataSourceType) {
        fail(
          `Config variable "${name}": the data source "${configVar.dataSource.key}" of component "${configVar.dataSource.component}" does not say its dataSourceType in the component registry.`,
        );
      }
      const dataSourceMeta: { [key: string]: JsonValue } = { ...meta };
      if (configVar.validationMode) dataSourceMeta.validationMode = configVar.validationMode;
      if (configVar.dataSourceReset) dataSourceMeta.dataSourceReset = configVar.dataSourceReset.mode;
      return compact<ModelConfigVar>({
        ...common,
        dataType: dataSourceType,
        collectionType: configVar.collectionType,
        dataSource: ref,
        inputs,
        meta: dataSourceMeta,
      });
    }

    const standard = configVar as StandardConfigVar;
    if (!('dataType' in standard) || !standardDataTypes.has(standard.dataType)) {
      fail(
        `Config variable "${name}" has dataType "${String((standard as { dataType?: unknown }).dataType)}"; use one of ${[...standardDataTypes].join(', ')} (or connectionConfigVar / dataSourceConfigVar).`,
      );
    }
    const standardMeta: { [key: string]: JsonValue } = { ...meta };
    if (standard.dataType === 'jsonForm')
      standardMeta.validationMode = standard.validationMode ?? 'ValidateAndShow';
    return compact<ModelConfigVar>({
      ...common,
      dataType: standard.dataType,
      defaultValue: defaultValueText(standard),
      pickList: standard.dataType === 'picklist' ? [...standard.pickList] : undefined,
      scheduleType: standard.dataType === 'schedule' ? (standard.scheduleType ?? 'custom') : undefined,
      timeZone: standard.dataType === 'schedule' ? standard.timeZone : undefined,
      codeLanguage: standard.dataType === 'code' ? standard.codeLanguage : undefined,
      collectionType: standard.collectionType,
      meta: standardMeta,
    });
  }

  /** A reference to a registry component's trigger, connection or data source, with its input values. */
  private componentReference(
    reference: ComponentReference,
    kind: 'triggers' | 'connections' | 'dataSources',
  ): { ref: ActionRef; inputs: { [name: string]: Input } } {
    const manifest = this.registry[reference.component];
    if (!manifest) {
      fail(`The component "${reference.component}" is not in the integration's componentRegistry.`);
    }
    const entry = manifest[kind]?.[reference.key];
    if (!entry) {
      fail(
        `The component "${reference.component}" has no ${kind.replace(/s$/, '')} "${reference.key}" in the component registry.`,
      );
    }
    const inputs: { [name: string]: Input } = {};
    for (const [key, manifestInput] of Object.entries(entry.inputs ?? {})) {
      const collection = manifestInput.collection;
      const given = reference.values?.[key];
      const value = (given ?? {
        value: collection
          ? manifestInput.default === ''
            ? []
            : (manifestInput.default ?? [])
          : (manifestInput.default ?? ''),
      }) as ComponentReferenceValue & { value?: unknown; configVar?: unknown; template?: unknown };
      if ('value' in value) {
        inputs[key] = collection
          ? { type: 'complex', value: collectionValue(value.value, collection), meta: inputMeta(value) }
          : {
              type: 'value',
              value: typeof value.value === 'string' ? value.value : JSON.stringify(value.value ?? ''),
              meta: inputMeta(value),
            };
      } else if ('configVar' in value && typeof value.configVar === 'string') {
        inputs[key] = { type: 'configVar', value: value.configVar };
      } else if ('template' in value && typeof value.template === 'string') {
        inputs[key] = { type: 'template', value: value.template };
      }
    }
    return { ref: { component: registryComponentRef(manifest), key: entry.key ?? reference.key }, inputs };
  }
}

/** A registry component as a definition refers to it: by signature when it has one, else its latest version. */
function registryComponentRef(manifest: ComponentManifest): ComponentRef {
  return manifest.signature
    ? { key: manifest.key, signature: manifest.signature, isPublic: manifest.public }
    : { key: manifest.key, version: 'LATEST', isPublic: manifest.public };
}

/** A list (or key/value list) value as the definition's complex input. */
function collectionValue(value: unknown, collection: 'valuelist' | 'keyvaluelist'): Input[] {
  if (collection === 'keyvaluelist' && value && typeof value === 'object' && !Array.isArray(value)) {
    return Object.entries(value).map(([key, entry]) => ({
      name: key,
      type: 'value',
      value: typeof entry === 'string' ? entry : JSON.stringify(entry),
    }));
  }
  if (!Array.isArray(value)) return [];
  return value.map((entry): Input => {
    if (entry && typeof entry === 'object' && 'key' in entry && 'value' in entry) {
      return { name: String(entry.key), type: 'value', value: jsonValue(entry.value) };
    }
    return { type: 'value', value: jsonValue(entry) };
  });
}

/** A connection field as the generated component declares it (Spectral's `convertInput`). */
function connectionInput(
  key: string,
  input: ConnectionInput,
): ComponentInput & { onPremControlled?: boolean } {
  // Not in ConnectionInput's type, but what templateConnectionInputs() returns, as Spectral accepts it here.
  if (isTemplateInput(input)) return componentConnectionInput(key, input);
  const {
    default: defaultValue,
    type,
    label,
    collection,
    permissionAndVisibilityType: _permission,
    visibleToOrgDeployer: _visible,
    writeOnly: _writeOnly,
    onPremControlled,
    ...rest
  } = input;
  return compact({
    ...rest,
    key,
    type,
    default: defaultValue ?? (type === 'boolean' ? 'false' : ''),
    collection,
    label: typeof label === 'string' ? label : label.value,
    keyLabel: collection === 'keyvaluelist' && typeof label === 'object' ? label.key : undefined,
    onPremiseControlled: onPremControlled || undefined,
  });
}

function isTemplateInput(input: unknown): input is ConnectionTemplateInputField {
  return (input as { type?: unknown }).type === 'template';
}

/** A connection field's default as the definition's input on the connection config variable. */
function connectionInputModel(input: ConnectionInput): Input {
  const meta = inputMeta(input);
  if (input.collection) {
    return { type: 'complex', value: collectionValue(input.default ?? [], input.collection), meta };
  }
  return { type: 'value', value: input.default || '', meta };
}

function configPageModel(name: string, page: ConfigPage, userLevelConfigured: boolean): ModelConfigPage {
  return compact<ModelConfigPage>({
    name,
    tagline: page.tagline,
    userLevelConfigured,
    elements: Object.entries(page.elements).map(([key, element]) =>
      typeof element === 'string'
        ? { type: 'htmlElement', value: element }
        : isHtmlElement(element)
          ? { type: 'htmlElement', value: key }
          : { type: 'configVar', value: key },
    ),
  });
}

/** A field of the trigger's result, as a reference input (`onTrigger.results.<field>`). */
function triggerField(field: string): ReferenceInput {
  return { type: 'reference', value: `onTrigger.results.${field}` };
}

function retryConfigModel(config: NonNullable<Flow['retryConfig']>): ModelRetryConfig {
  return compact<ModelRetryConfig>({
    maxAttempts: config.maxAttempts,
    delayMinutes: config.delayMinutes,
    usesExponentialBackoff: config.usesExponentialBackoff,
    uniqueRequestIdField: config.uniqueRequestIdField ? triggerField(config.uniqueRequestIdField) : undefined,
  });
}

function queueConfigModel(flow: Flow, hasSchedule: boolean): ModelQueueConfig {
  const config = flow.queueConfig as QueueConfig;
  if ('type' in config) {
    if (config.type === 'parallel') return { usesFifoQueue: false };
    if (config.type === 'throttled') {
      return compact<ModelQueueConfig>({
        usesFifoQueue: false,
        concurrencyLimit: config.concurrencyLimit,
        dedupeIdField: config.dedupeIdField ? triggerField(config.dedupeIdField) : undefined,
      });
    }
    if (config.type === 'sequential') {
      if (hasSchedule)
        fail(
          `Flow "${flow.name}" has a schedule and a sequential queue: scheduled flows cannot use a FIFO queue.`,
        );
      return compact<ModelQueueConfig>({
        usesFifoQueue: true,
        dedupeIdField: config.dedupeIdField ? triggerField(config.dedupeIdField) : undefined,
      });
    }
    fail(`Flow "${flow.name}": queueConfig.type must be parallel, throttled or sequential.`);
  }
  if (hasSchedule && config.usesFifoQueue) {
    fail(`Flow "${flow.name}" has a schedule and usesFifoQueue: scheduled flows cannot use a FIFO queue.`);
  }
  if (!hasSchedule && config.singletonExecutions) {
    fail(
      `Flow "${flow.name}" sets singletonExecutions but has no schedule: only scheduled flows run as singletons.`,
    );
  }
  if (config.usesFifoQueue && config.singletonExecutions) {
    fail(`Flow "${flow.name}" sets both usesFifoQueue and singletonExecutions; choose one.`);
  }
  return compact<ModelQueueConfig>({
    usesFifoQueue: config.usesFifoQueue ?? false,
    singletonExecutions: config.singletonExecutions,
    concurrencyLimit: config.concurrencyLimit,
    dedupeIdField: config.dedupeIdField ? triggerField(config.dedupeIdField) : undefined,
  });
}

/**
 * The integration in the flow model, exactly as `integration()` serializes it into `codeNativeIntegrationYAML`.
 * Throws when the definition cannot be compiled (duplicate names, a schedule naming a missing variable, ...).
 */
export function codeNativeIntegrationModel(definition: IntegrationDefinition): Integration {
  return new IntegrationCompiler(definition).model();
}

/** Compiles a code-native integration into its component, with the YAML definition attached. */
export function convertIntegration(definition: IntegrationDefinition): CodeNativeIntegration {
  const compiler = new IntegrationCompiler(definition);
  const codeNativeIntegrationYAML = exportIntegrationYaml(compiler.model());
  return { ...compiler.component(), public: false, codeNativeIntegrationYAML };
}
