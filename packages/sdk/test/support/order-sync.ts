// A code-native integration that uses every feature the compiler maps: a webhook flow with its own trigger and
// response, a scheduled flow driven by a schedule config variable, a plain webhook flow, a connection, a picklist,
// a data source, config variables of every data type, HTML on a page, and a user-level page.
import type { CatalogComponent } from '@weft/definition';
import {
  type ActionContext,
  configPage,
  configVar,
  connectionConfigVar,
  dataSourceConfigVar,
  flow,
  type IntegrationDefinition,
  type TriggerPayload,
} from '../../src/index.js';

export const configPages = {
  Connections: configPage({
    tagline: 'Connect to Acme',
    elements: {
      '<h2>Acme account</h2>': '<h2>Acme account</h2>',
      'Acme Connection': connectionConfigVar({
        stableKey: 'acme-connection',
        dataType: 'connection',
        description: 'Your Acme API credentials',
        inputs: {
          baseUrl: { label: 'Base URL', type: 'string', default: 'https://api.acme.test', required: true },
          apiKey: {
            label: 'API Key',
            type: 'password',
            required: true,
            permissionAndVisibilityType: 'embedded',
          },
          sandbox: { label: 'Sandbox', type: 'boolean', comments: 'Use the sandbox' },
          internal: { label: 'Internal', type: 'string', default: 'x', shown: false },
        },
      }),
    },
  }),
  Settings: configPage({
    elements: {
      'Sync Schedule': configVar({
        stableKey: 'sync-schedule',
        dataType: 'schedule',
        defaultValue: '0 2 * * *',
        timeZone: 'America/Chicago',
      }),
      Region: configVar({
        stableKey: 'region',
        dataType: 'picklist',
        pickList: ['us', 'eu'],
        defaultValue: 'us',
      }),
      'Target Channel': dataSourceConfigVar({
        stableKey: 'target-channel',
        dataSourceType: 'picklist',
        description: 'Where to post',
        perform: async () => ({ result: ['general', 'orders'] }),
      }),
      'Dry Run': configVar({
        stableKey: 'dry-run',
        dataType: 'boolean',
        defaultValue: false,
        permissionAndVisibilityType: 'organization',
      }),
      'Batch Size': configVar({ stableKey: 'batch-size', dataType: 'number', defaultValue: 50 }),
      Template: configVar({
        stableKey: 'template',
        dataType: 'code',
        codeLanguage: 'json',
        defaultValue: '{}',
      }),
      'Start Date': configVar({ stableKey: 'start-date', dataType: 'date' }),
      'Last Run': configVar({ stableKey: 'last-run', dataType: 'timestamp' }),
      'Legacy Credential': configVar({ stableKey: 'legacy-credential', dataType: 'credential' }),
      Objects: configVar({ stableKey: 'objects', dataType: 'objectSelection' }),
      'Field Map': configVar({ stableKey: 'field-map', dataType: 'objectFieldMap' }),
      'Form Settings': configVar({ stableKey: 'form-settings', dataType: 'jsonForm' }),
      Tags: configVar({
        stableKey: 'tags',
        dataType: 'string',
        collectionType: 'valuelist',
        defaultValue: ['new', 'paid'],
      }),
      'Extra Headers': configVar({
        stableKey: 'extra-headers',
        dataType: 'string',
        collectionType: 'keyvaluelist',
        defaultValue: { 'X-Team': 'orders' },
        visibleToOrgDeployer: false,
      }),
    },
  }),
};

export const userLevelConfigPages = {
  'Your Preferences': configPage({
    elements: {
      'Notify Me': configVar({ stableKey: 'notify-me', dataType: 'boolean', defaultValue: true }),
    },
  }),
};

/** Calls the onTrigger and onExecution functions received, for the tests to inspect. */
export const calls: Array<{ fn: string; context: unknown; params: unknown }> = [];

export const receiveOrder = flow({
  name: 'Receive Order',
  stableKey: 'receive-order',
  description: 'Acme calls this when an order is placed',
  isSynchronous: true,
  endpointSecurityType: 'customer_required',
  errorConfig: { errorHandlerType: 'retry', maxAttempts: 3, delaySeconds: 5 },
  onTrigger: async (context, payload) => {
    calls.push({ fn: 'receiveOrder.onTrigger', context, params: payload });
    return {
      payload: { ...payload, body: { data: { parsed: true } } },
      response: { statusCode: 202, contentType: 'text/plain', body: 'queued' },
    };
  },
  onExecution: async (context, params) => {
    calls.push({ fn: 'receiveOrder.onExecution', context, params });
    return { data: { received: params.onTrigger.results.body.data, executionId: context.executionId } };
  },
});

export const nightlySync = flow({
  name: 'Nightly Sync',
  stableKey: 'nightly-sync',
  description: 'Pushes the day’s orders',
  schedule: { configVar: 'Sync Schedule' },
  queueConfig: { singletonExecutions: true },
  onExecution: async () => ({ data: 'synced' }),
});

export const echoWebhook = flow({
  name: 'Echo Webhook',
  stableKey: 'echo-webhook',
  retryConfig: {
    maxAttempts: 3,
    delayMinutes: 1,
    usesExponentialBackoff: true,
    uniqueRequestIdField: 'body.data.id',
  },
  queueConfig: { usesFifoQueue: true, dedupeIdField: 'body.data.id' },
  onExecution: async (_context, params) => ({ data: params.onTrigger.results.body.data }),
});

export const deployHooks = flow({
  name: 'Deploy Hooks',
  stableKey: 'deploy-hooks',
  schedule: { value: '*/15 * * * *', timezone: 'Europe/Paris' },
  onInstanceDeploy: async (context) => {
    calls.push({ fn: 'deployHooks.onInstanceDeploy', context, params: undefined });
    return { crossFlowState: { deployed: true } };
  },
  onExecution: async () => ({ data: null }),
});

export function orderSyncDefinition(): IntegrationDefinition {
  return {
    name: 'Acme Orders',
    description: 'Keeps Acme orders in sync',
    category: 'ERP',
    documentation: '# Acme Orders\n\nDeploy it, then connect.',
    version: '1.2.0',
    labels: ['acme', 'orders'],
    iconPath: 'assets/icon.png',
    flows: [receiveOrder, nightlySync, echoWebhook, deployHooks],
    configPages,
    userLevelConfigPages,
  };
}

/** The built-in triggers a code-native YAML may use when a flow has no trigger function of its own. */
export const builtinStubs: CatalogComponent[] = [
  {
    key: 'webhook-triggers',
    isPublic: true,
    actions: {},
    triggers: { webhook: { key: 'webhook', inputs: [] } },
  },
  {
    key: 'schedule-triggers',
    isPublic: true,
    actions: {},
    triggers: { schedule: { key: 'schedule', inputs: [] } },
  },
];

/** A context with every field a flow function may read; fields a test cares about are overridden. */
export function fakeContext(overrides: Partial<ActionContext> = {}): ActionContext {
  const logger = { metric() {}, trace() {}, debug() {}, info() {}, log() {}, warn() {}, error() {} };
  return {
    logger,
    instanceState: {},
    crossFlowState: {},
    executionState: {},
    integrationState: {},
    configVars: {},
    components: {},
    stepId: 'step-1',
    executionId: 'exec-1',
    webhookUrls: {},
    webhookApiKeys: {},
    invokeUrl: 'http://weft.test/trigger/1',
    customer: { id: 'c1', externalId: 'acme', name: 'Acme' },
    instance: { id: 'i1', name: 'Acme Orders' },
    user: { id: 'u1', email: 'ops@acme.test', name: 'Ops', externalId: 'ops' },
    integration: { id: 'n1', name: 'Acme Orders', versionSequenceId: 'v1', externalVersion: '1.2.0' },
    flow: { id: 'f1', name: 'Receive Order' },
    startedAt: '2025-01-01T00:00:00.000Z',
    invokeFlow: async () => ({ status: 200, headers: {}, data: null }),
    executionFrame: { invokedByExecutionJWT: '', invokedByExecutionStartedAt: '', customSource: 'test' },
    debug: {
      enabled: false,
      timeElapsed: { mark() {}, measure() {} },
      memoryUsage() {},
      results: { timeElapsed: { marks: {}, measurements: {} }, allowedMemory: 0, memoryUsage: [] },
    },
    ...overrides,
  };
}

/** A webhook request's payload as a trigger receives it. */
export function fakePayload(data: unknown): TriggerPayload {
  const context = fakeContext();
  return {
    headers: { 'content-type': 'application/json' },
    queryParameters: {},
    rawBody: { data: JSON.stringify(data), contentType: 'application/json' },
    body: { data, contentType: 'application/json' },
    pathFragment: '',
    webhookUrls: {},
    webhookApiKeys: {},
    invokeUrl: context.invokeUrl,
    executionId: context.executionId,
    customer: context.customer,
    instance: context.instance,
    user: context.user,
    integration: context.integration,
    flow: context.flow,
    startedAt: context.startedAt,
    globalDebug: false,
  };
}
