import type { CatalogComponent, CatalogOperation } from '@weft/definition';
import type {
  ActionContext,
  Component,
  ComponentAction,
  ComponentDataSource,
  ComponentInput,
  ComponentTrigger,
} from '@weft/sdk';
import type {
  ComponentSandboxes,
  SandboxBundle,
  SandboxCallKind,
  SandboxStates,
} from './component-sandboxes.js';

/**
 * A component whose code runs in a sandbox process, as the engine sees it: the manifest gives its operations and
 * inputs (what the engine needs to resolve and convert a step's inputs), and every `perform` sends the call, with
 * its context as plain data, to the bundle's sandbox. The engine cannot tell it from a built-in component.
 */
export function sandboxedComponent(
  manifest: CatalogComponent,
  bundle: SandboxBundle,
  sandboxes: ComponentSandboxes,
): Component {
  const call = (kind: SandboxCallKind, key: string, context: object, params: unknown, payload?: unknown) =>
    callSandbox(sandboxes, bundle, kind, key, context as ActionContext, params, payload);
  const actions: Record<string, ComponentAction> = {};
  for (const [key, operation] of Object.entries(manifest.actions)) {
    actions[key] = {
      key,
      display: displayOf(operation),
      inputs: inputsOf(operation),
      ...(operation.kind === 'loop' ? { loop: true } : {}),
      ...(operation.kind === 'branch'
        ? {
            allowsBranching: true,
            ...(operation.staticBranchNames ? { staticBranchNames: operation.staticBranchNames } : {}),
            ...(operation.dynamicBranchInput ? { dynamicBranchInput: operation.dynamicBranchInput } : {}),
          }
        : {}),
      ...(operation.breakLoop ? { breakLoop: true } : {}),
      ...(operation.terminateExecution ? { terminateExecution: true } : {}),
      perform: (context, params) => call('action', key, context, params) as never,
    };
  }
  const triggers: Record<string, ComponentTrigger> = {};
  for (const [key, operation] of Object.entries(manifest.triggers)) {
    triggers[key] = {
      key,
      display: displayOf(operation),
      inputs: inputsOf(operation),
      scheduleSupport: operation.scheduleSupport ?? 'valid',
      synchronousResponseSupport: operation.synchronousResponseSupport ?? 'valid',
      perform: (context, payload, params) => call('trigger', key, context, params, payload) as never,
      ...(operation.hasOnInstanceDeploy
        ? {
            hasOnInstanceDeploy: true,
            onInstanceDeploy: (context, params) => call('onInstanceDeploy', key, context, params) as never,
          }
        : {}),
      ...(operation.hasOnInstanceDelete
        ? {
            hasOnInstanceDelete: true,
            onInstanceDelete: (context, params) => call('onInstanceDelete', key, context, params) as never,
          }
        : {}),
      ...(operation.hasWebhookCreateFunction
        ? {
            hasWebhookCreateFunction: true,
            webhookCreate: (context, params) => call('webhookCreate', key, context, params) as never,
          }
        : {}),
      ...(operation.hasWebhookDeleteFunction
        ? {
            hasWebhookDeleteFunction: true,
            webhookDelete: (context, params) => call('webhookDelete', key, context, params) as never,
          }
        : {}),
    };
  }
  const dataSources: Record<string, ComponentDataSource> = {};
  for (const [key, operation] of Object.entries(manifest.dataSources ?? {})) {
    dataSources[key] = {
      key,
      display: displayOf(operation),
      inputs: inputsOf(operation),
      dataSourceType: operation.dataSourceType as ComponentDataSource['dataSourceType'],
      perform: (context, params) => call('dataSource', key, context, params) as never,
    };
  }
  return {
    key: manifest.key,
    public: false,
    display: { label: manifest.label ?? manifest.key, description: manifest.description ?? '' },
    actions,
    triggers,
    dataSources,
    connections: Object.entries(manifest.connections ?? {}).map(([key, connection]) => ({
      key,
      label: connection.label ?? key,
      inputs: inputsOf(connection) as Component['connections'][number]['inputs'],
    })),
  };
}

function displayOf(operation: CatalogOperation) {
  return { label: operation.label ?? operation.key, description: operation.description ?? '' };
}

function inputsOf(operation: CatalogOperation): ComponentInput[] {
  return operation.inputs.map((input) => ({ ...input, label: input.label ?? input.key }));
}

/** The context fields a component may read, as plain data (functions and the engine's internals stay behind). */
const contextFields = [
  'instanceState',
  'crossFlowState',
  'executionState',
  'integrationState',
  'configVars',
  'stepId',
  'executionId',
  'webhookUrls',
  'webhookApiKeys',
  'invokeUrl',
  'customer',
  'instance',
  'user',
  'integration',
  'flow',
  'startedAt',
  'executionFrame',
  'stepResults',
] as const;

function plainContext(context: ActionContext): Record<string, unknown> {
  const plain: Record<string, unknown> = {};
  for (const field of contextFields) {
    const value = (context as unknown as Record<string, unknown>)[field];
    if (value !== undefined) plain[field] = value;
  }
  return plain;
}

async function callSandbox(
  sandboxes: ComponentSandboxes,
  bundle: SandboxBundle,
  kind: SandboxCallKind,
  key: string,
  context: ActionContext,
  params: unknown,
  payload: unknown,
): Promise<unknown> {
  const logger = context.logger as unknown as Record<string, (message: string) => void>;
  const outcome = await sandboxes.call(
    bundle,
    {
      kind,
      key,
      context: plainContext(context),
      params: (params ?? {}) as Record<string, unknown>,
      ...(kind === 'trigger' ? { payload } : {}),
    },
    {
      onLog: (level, message) => (logger[level] ?? logger.info)?.(message),
      invokeFlow: (flowName, data, config) =>
        context.invokeFlow(
          flowName,
          data as Record<string, unknown>,
          config as { headers?: Record<string, string> },
        ),
      signal: (context as { signal?: AbortSignal }).signal,
    },
  );
  copyStatesBack(context, outcome.states);
  return outcome.result;
}

/** The sandbox's state objects replace the context's, so changes made in place there are seen here too. */
function copyStatesBack(context: ActionContext, states: SandboxStates): void {
  const target = context as unknown as Record<string, Record<string, unknown> | undefined>;
  for (const [field, value] of Object.entries(states)) {
    const current = target[field];
    if (!current || !value) continue;
    for (const key of Object.keys(current)) delete current[key];
    Object.assign(current, value);
  }
}
