// What a code-native integration compiles to on the definition side: the flow model and the definitionVersion 7
// YAML that integration() attaches as codeNativeIntegrationYAML, which must read back through the same parser as
// hand-written YAML, with the generated component in the catalog.
import {
  createComponentCatalog,
  exportIntegrationYaml,
  type Flow,
  formatProblem,
  type Integration,
  parseIntegrationYaml,
  toDefinitionDocument,
} from '@weft/definition';
import { describe, expect, it } from 'vitest';
import {
  codeNativeIntegrationModel,
  componentManifest,
  configPage,
  configVar,
  connectionConfigVar,
  dataSourceConfigVar,
  flow,
  type IntegrationDefinition,
  integration,
} from '../src/index.js';
import { builtinStubs, orderSyncDefinition } from './support/order-sync.js';

const cni = { key: 'cni-acme-orders', version: 'LATEST', isPublic: false };

function flowNamed(model: Integration, name: string): Flow {
  const found = model.flows.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no flow ${name}`);
  return found;
}

function configVarNamed(model: Integration, name: string) {
  const found = model.configVars.find((candidate) => candidate.key === name);
  if (!found) throw new Error(`no config variable ${name}`);
  return found;
}

const noop = async () => ({ data: null });

describe('codeNativeIntegrationYAML', () => {
  it('is the flow model serialized: integration fields, isCodeNative, definitionVersion 7', () => {
    const component = integration(orderSyncDefinition());
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(component.codeNativeIntegrationYAML).toBe(exportIntegrationYaml(model));
    expect(model).toMatchObject({
      definitionVersion: 7,
      isCodeNative: true,
      name: 'Acme Orders',
      description: 'Keeps Acme orders in sync',
      category: 'ERP',
      documentation: '# Acme Orders\n\nDeploy it, then connect.',
      version: '1.2.0',
      labels: ['acme', 'orders'],
      endpointType: 'flow_specific',
    });
    expect(component.codeNativeIntegrationYAML).toMatch(/^definitionVersion: 7\nisCodeNative: true\n/);
  });

  it('gives each flow an "On Trigger" step and one "On Execution" step that calls the generated action', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(model.flows.map((candidate) => candidate.name)).toEqual([
      'Receive Order',
      'Nightly Sync',
      'Echo Webhook',
      'Deploy Hooks',
    ]);
    const receive = flowNamed(model, 'Receive Order');
    expect(receive).toMatchObject({
      stableKey: 'receive-order',
      description: 'Acme calls this when an order is placed',
      isSynchronous: true,
      endpointSecurityType: 'customer_required',
    });
    expect(receive.trigger).toMatchObject({
      name: 'On Trigger',
      key: 'onTrigger',
      stableKey: 'receive-order-onTrigger',
      action: { key: 'receiveOrder_onTrigger', component: cni },
      errorConfig: { errorHandlerType: 'retry', maxAttempts: 3, delaySeconds: 5 },
    });
    expect(receive.steps).toEqual([
      {
        name: 'On Execution',
        key: 'onExecution',
        stableKey: 'receive-order-onExecution',
        description: 'The function that will be executed by the flow.',
        action: { key: 'receiveOrder_onExecution', component: cni },
        inputs: {},
        errorConfig: { errorHandlerType: 'retry', maxAttempts: 3, delaySeconds: 5 },
      },
    ]);
    // Defaults of a flow that says nothing.
    expect(flowNamed(model, 'Echo Webhook')).toMatchObject({
      description: '',
      isSynchronous: false,
      endpointSecurityType: 'customer_optional',
    });
  });

  it('uses the webhook or schedule trigger when a flow has no trigger function of its own', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(flowNamed(model, 'Echo Webhook').trigger.action).toEqual({
      key: 'webhook',
      component: { key: 'webhook-triggers', version: 'LATEST', isPublic: true },
    });
    expect(flowNamed(model, 'Nightly Sync').trigger.action).toEqual({
      key: 'schedule',
      component: { key: 'schedule-triggers', version: 'LATEST', isPublic: true },
    });
    // onInstanceDeploy alone is enough for a generated trigger (which passes the payload through).
    expect(flowNamed(model, 'Deploy Hooks').trigger.action).toEqual({
      key: 'deployHooks_onTrigger',
      component: cni,
    });
  });

  it('maps a schedule to the flow schedule: a config variable or a cron value, with its time zone', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(flowNamed(model, 'Nightly Sync').schedule).toEqual({
      type: 'configVar',
      value: 'Sync Schedule',
      scheduleType: 'custom',
      timeZone: '',
    });
    expect(flowNamed(model, 'Deploy Hooks').schedule).toEqual({
      type: 'value',
      value: '*/15 * * * *',
      scheduleType: 'custom',
      timeZone: 'Europe/Paris',
    });
    expect(flowNamed(model, 'Echo Webhook').schedule).toBeUndefined();
    const document = toDefinitionDocument(model) as {
      flows: Array<{ steps: Array<{ schedule?: unknown }> }>;
    };
    expect(document.flows[1]?.steps[0]?.schedule).toEqual({
      type: 'configVar',
      value: 'Sync Schedule',
      meta: { scheduleType: 'custom', timeZone: '' },
    });
  });

  it('maps retry and queue settings, turning payload fields into references to the trigger results', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(flowNamed(model, 'Echo Webhook').retryConfig).toEqual({
      maxAttempts: 3,
      delayMinutes: 1,
      usesExponentialBackoff: true,
      uniqueRequestIdField: { type: 'reference', value: 'onTrigger.results.body.data.id' },
    });
    expect(flowNamed(model, 'Echo Webhook').queueConfig).toEqual({
      usesFifoQueue: true,
      dedupeIdField: { type: 'reference', value: 'onTrigger.results.body.data.id' },
    });
    expect(flowNamed(model, 'Nightly Sync').queueConfig).toEqual({
      usesFifoQueue: false,
      singletonExecutions: true,
    });
  });

  it('lists config variables in page and element order, HTML elements left out', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(model.configVars.map((entry) => [entry.key, entry.stableKey, entry.dataType])).toEqual([
      ['Acme Connection', 'acme-connection', 'connection'],
      ['Sync Schedule', 'sync-schedule', 'schedule'],
      ['Region', 'region', 'picklist'],
      ['Target Channel', 'target-channel', 'picklist'],
      ['Dry Run', 'dry-run', 'boolean'],
      ['Batch Size', 'batch-size', 'number'],
      ['Template', 'template', 'code'],
      ['Start Date', 'start-date', 'date'],
      ['Last Run', 'last-run', 'timestamp'],
      ['Legacy Credential', 'legacy-credential', 'credential'],
      ['Objects', 'objects', 'objectSelection'],
      ['Field Map', 'field-map', 'objectFieldMap'],
      ['Form Settings', 'form-settings', 'jsonForm'],
      ['Tags', 'tags', 'string'],
      ['Extra Headers', 'extra-headers', 'string'],
      ['Notify Me', 'notify-me', 'boolean'],
    ]);
  });

  it('keeps each data type’s settings and stores defaults as text', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    const visible = { visibleToCustomerDeployer: true, visibleToOrgDeployer: true };
    expect(configVarNamed(model, 'Sync Schedule')).toEqual({
      key: 'Sync Schedule',
      stableKey: 'sync-schedule',
      dataType: 'schedule',
      defaultValue: '0 2 * * *',
      scheduleType: 'custom',
      timeZone: 'America/Chicago',
      orgOnly: false,
      meta: visible,
    });
    expect(configVarNamed(model, 'Region')).toMatchObject({ pickList: ['us', 'eu'], defaultValue: 'us' });
    expect(configVarNamed(model, 'Batch Size').defaultValue).toBe('50');
    expect(configVarNamed(model, 'Template')).toMatchObject({ codeLanguage: 'json', defaultValue: '{}' });
    expect(configVarNamed(model, 'Form Settings').meta).toEqual({
      ...visible,
      validationMode: 'ValidateAndShow',
    });
    expect(configVarNamed(model, 'Tags')).toMatchObject({
      collectionType: 'valuelist',
      defaultValue: '["new","paid"]',
    });
    expect(configVarNamed(model, 'Extra Headers')).toMatchObject({
      collectionType: 'keyvaluelist',
      defaultValue: '[{"key":"X-Team","value":"orders"}]',
      meta: { visibleToCustomerDeployer: true, visibleToOrgDeployer: false },
    });
    expect(configVarNamed(model, 'Start Date').defaultValue).toBeUndefined();
  });

  it('turns permissionAndVisibilityType into orgOnly and meta, as Spectral does', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(configVarNamed(model, 'Dry Run')).toMatchObject({
      defaultValue: 'false',
      orgOnly: true,
      meta: { visibleToCustomerDeployer: false, visibleToOrgDeployer: true },
    });
    expect(configVarNamed(model, 'Region')).toMatchObject({
      orgOnly: false,
      meta: { visibleToCustomerDeployer: true, visibleToOrgDeployer: true },
    });
  });

  it('refers connections and data sources to the generated component, by camelCased name', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(configVarNamed(model, 'Acme Connection')).toEqual({
      key: 'Acme Connection',
      stableKey: 'acme-connection',
      description: 'Your Acme API credentials',
      dataType: 'connection',
      orgOnly: false,
      connection: { key: 'acmeConnection', component: cni },
      inputs: {
        baseUrl: {
          type: 'value',
          value: 'https://api.acme.test',
          meta: { orgOnly: false, visibleToOrgDeployer: true, visibleToCustomerDeployer: true },
        },
        apiKey: {
          type: 'value',
          value: '',
          meta: { orgOnly: false, visibleToOrgDeployer: true, visibleToCustomerDeployer: false },
        },
        sandbox: {
          type: 'value',
          value: '',
          meta: { orgOnly: false, visibleToOrgDeployer: true, visibleToCustomerDeployer: true },
        },
      },
      meta: { visibleToCustomerDeployer: true, visibleToOrgDeployer: true },
    });
    expect(configVarNamed(model, 'Target Channel')).toMatchObject({
      dataType: 'picklist',
      description: 'Where to post',
      dataSource: { key: 'targetChannel', component: cni },
    });
  });

  it('lists config pages with their elements in order, HTML included, user-level pages last', () => {
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(model.configPages.map((page) => [page.name, page.userLevelConfigured, page.tagline])).toEqual([
      ['Connections', false, 'Connect to Acme'],
      ['Settings', false, undefined],
      ['Your Preferences', true, undefined],
    ]);
    expect(model.configPages[0]?.elements).toEqual([
      { type: 'htmlElement', value: '<h2>Acme account</h2>' },
      { type: 'configVar', value: 'Acme Connection' },
    ]);
    expect(model.configPages[1]?.elements.slice(0, 3)).toEqual([
      { type: 'configVar', value: 'Sync Schedule' },
      { type: 'configVar', value: 'Region' },
      { type: 'configVar', value: 'Target Channel' },
    ]);
  });

  it('is the same text every time the same code is built', () => {
    const first = integration(orderSyncDefinition());
    const second = integration(orderSyncDefinition());
    expect(second.key).toBe(first.key);
    expect(second.codeNativeIntegrationYAML).toBe(first.codeNativeIntegrationYAML);
    expect(first.codeNativeIntegrationYAML).toContain('key: cni-acme-orders');
  });

  it('reads back through parseIntegrationYaml with no problems when the generated component is in the catalog', () => {
    const component = integration(orderSyncDefinition());
    const catalog = createComponentCatalog(builtinStubs, [componentManifest(component)]);
    const result = parseIntegrationYaml(component.codeNativeIntegrationYAML, {
      catalog,
      fileName: 'acme.yml',
    });
    if (!result.ok) expect.fail(result.problems.map((problem) => formatProblem(problem)).join('\n'));
    expect(result.warnings.map((problem) => formatProblem(problem))).toEqual([]);
    const model = codeNativeIntegrationModel(orderSyncDefinition());
    expect(result.integration.flows.map((entry) => [entry.stableKey, entry.trigger.stableKey])).toEqual(
      model.flows.map((entry) => [entry.stableKey, entry.trigger.stableKey]),
    );
    expect(result.integration.configVars.map((entry) => entry.stableKey)).toEqual(
      model.configVars.map((entry) => entry.stableKey),
    );
    expect(result.integration).toEqual(model);
  });

  it('is refused by the parser when the catalog lacks the generated component', () => {
    const component = integration(orderSyncDefinition());
    const result = parseIntegrationYaml(component.codeNativeIntegrationYAML, {
      catalog: createComponentCatalog(builtinStubs),
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map((problem) => problem.code)).toContain('COMPONENT_UNKNOWN');
  });
});

describe('integration() routing and registry references', () => {
  it('routes instance-specific endpoints through the preprocess flow', () => {
    const model = codeNativeIntegrationModel({
      name: 'Routed',
      endpointType: 'instance_specific',
      flows: [
        flow({
          name: 'Router',
          stableKey: 'router',
          preprocessFlowConfig: { flowNameField: 'flow', externalCustomerIdField: 'customer' },
          onExecution: noop,
        }),
        flow({ name: 'Work', stableKey: 'work', onExecution: noop }),
      ],
    });
    expect(model).toMatchObject({
      endpointType: 'instance_specific',
      preprocessFlowName: 'Router',
      flowNameField: { type: 'reference', value: 'onExecution.results.flow' },
      externalCustomerIdField: { type: 'reference', value: 'onExecution.results.customer' },
    });
  });

  it('refers to registry components by reference, with their input values', () => {
    const definition: IntegrationDefinition = {
      name: 'Slack Alerts',
      componentRegistry: {
        slack: {
          key: 'slack',
          public: true,
          signature: null,
          actions: {},
          triggers: { webhook: { inputs: { secret: { inputType: 'string', default: '' } } } },
          dataSources: {
            selectChannel: {
              dataSourceType: 'picklist',
              inputs: { connection: { inputType: 'connection', required: true } },
            },
          },
          connections: {
            oauth: {
              inputs: { clientId: { inputType: 'string' }, scopes: { inputType: 'string', default: 'chat' } },
            },
          },
        },
      },
      configPages: {
        Slack: configPage({
          elements: {
            'Slack Connection': connectionConfigVar({
              stableKey: 'slack-connection',
              dataType: 'connection',
              connection: { component: 'slack', key: 'oauth', values: { clientId: { value: 'abc' } } },
            }),
            Channel: dataSourceConfigVar({
              stableKey: 'channel',
              dataSource: {
                component: 'slack',
                key: 'selectChannel',
                values: { connection: { configVar: 'Slack Connection' } },
              },
            }),
          },
        }),
      },
      flows: [
        flow({
          name: 'Slack Events',
          stableKey: 'slack-events',
          onTrigger: { component: 'slack', key: 'webhook', values: { secret: { configVar: 'Channel' } } },
          onExecution: noop,
        }),
      ],
    };
    const model = codeNativeIntegrationModel(definition);
    const slack = { key: 'slack', version: 'LATEST', isPublic: true };
    expect(model.flows[0]?.trigger).toMatchObject({
      action: { key: 'webhook', component: slack },
      inputs: { secret: { type: 'configVar', value: 'Channel' } },
    });
    expect(model.flows[0]?.supplementalComponents).toEqual([slack]);
    expect(configVarNamed(model, 'Slack Connection')).toMatchObject({
      dataType: 'connection',
      connection: { key: 'oauth', component: slack },
      inputs: { clientId: { type: 'value', value: 'abc' }, scopes: { type: 'value', value: 'chat' } },
    });
    expect(configVarNamed(model, 'Channel')).toMatchObject({
      dataType: 'picklist',
      dataSource: { key: 'selectChannel', component: slack },
      inputs: { connection: { type: 'configVar', value: 'Slack Connection' } },
    });
    // Nothing of the registry's components is generated.
    const component = integration(definition);
    expect(component.triggers).toEqual({});
    expect(component.connections).toEqual([]);
  });
});

describe('integration() refuses definitions it cannot compile, saying what to change', () => {
  const base = (overrides: Partial<IntegrationDefinition>): IntegrationDefinition => ({
    name: 'Broken',
    flows: [flow({ name: 'One', stableKey: 'one', onExecution: noop })],
    ...overrides,
  });

  it.each<[string, Partial<IntegrationDefinition>, RegExp]>([
    [
      'two flows with one name',
      {
        flows: [
          flow({ name: 'One', stableKey: 'a', onExecution: noop }),
          flow({ name: 'One', stableKey: 'b', onExecution: noop }),
        ],
      },
      /Two flows are named "One"/,
    ],
    [
      'two flows with one stable key',
      {
        flows: [
          flow({ name: 'One', stableKey: 'same', onExecution: noop }),
          flow({ name: 'Two', stableKey: 'same', onExecution: noop }),
        ],
      },
      /Flows "One" and "Two" have the same stableKey "same"/,
    ],
    [
      'flow names that compile to one action key',
      {
        flows: [
          flow({ name: 'Sync orders', stableKey: 'a', onExecution: noop }),
          flow({ name: 'sync-Orders', stableKey: 'b', onExecution: noop }),
        ],
      },
      /would both compile to the action "syncOrders_onExecution"/,
    ],
    [
      'a schedule naming a missing config variable',
      {
        flows: [flow({ name: 'One', stableKey: 'one', schedule: { configVar: 'Nope' }, onExecution: noop })],
      },
      /names the config variable "Nope", which no config page declares/,
    ],
    [
      'a schedule naming a config variable that is not a schedule',
      {
        configPages: {
          P: configPage({ elements: { When: configVar({ stableKey: 'when', dataType: 'string' }) } }),
        },
        flows: [flow({ name: 'One', stableKey: 'one', schedule: { configVar: 'When' }, onExecution: noop })],
      },
      /"When" must have dataType "schedule"/,
    ],
    [
      'one config variable name on two pages',
      {
        configPages: {
          A: configPage({ elements: { Key: configVar({ stableKey: 'k1', dataType: 'string' }) } }),
          B: configPage({ elements: { Key: configVar({ stableKey: 'k2', dataType: 'string' }) } }),
        },
      },
      /"Key" is declared on page "A" and again on page "B"/,
    ],
    [
      'a FIFO queue on a scheduled flow',
      {
        flows: [
          flow({
            name: 'One',
            stableKey: 'one',
            schedule: { value: '* * * * *' },
            queueConfig: { usesFifoQueue: true },
            onExecution: noop,
          }),
        ],
      },
      /scheduled flows cannot use a FIFO queue/,
    ],
    [
      'an instance-specific endpoint without a preprocess flow',
      { endpointType: 'instance_specific' },
      /needs triggerPreprocessFlowConfig or a flow with preprocessFlowConfig/,
    ],
    ['no name', { name: ' ' }, /needs a name/],
  ])('%s', (_label, overrides, message) => {
    expect(() => integration(base(overrides))).toThrow(message);
  });
});
