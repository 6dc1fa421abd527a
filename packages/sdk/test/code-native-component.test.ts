// The component a code-native integration compiles to: Prismatic's "server types" shape, whose actions and
// triggers run the flows' own functions, and its catalog entry (componentManifest).
import { catalogInputTypes } from '@weft/definition';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  codeNativeComponentKey,
  componentManifest,
  flow,
  flowFunctionKey,
  integration,
} from '../src/index.js';
import { calls, fakeContext, fakePayload, orderSyncDefinition } from './support/order-sync.js';

beforeEach(() => {
  calls.length = 0;
});

describe('integration() component', () => {
  it('is a private component keyed by the integration name, with the YAML attached', () => {
    const component = integration(orderSyncDefinition());
    expect(component).toMatchObject({
      key: 'cni-acme-orders',
      public: false,
      display: {
        label: 'Acme Orders',
        description: 'Keeps Acme orders in sync',
        iconPath: 'assets/icon.png',
      },
    });
    expect(typeof component.codeNativeIntegrationYAML).toBe('string');
  });

  it('has one action per flow and a trigger only for flows with trigger functions', () => {
    const component = integration(orderSyncDefinition());
    expect(Object.keys(component.actions)).toEqual([
      'receiveOrder_onExecution',
      'nightlySync_onExecution',
      'echoWebhook_onExecution',
      'deployHooks_onExecution',
    ]);
    expect(component.actions.receiveOrder_onExecution).toMatchObject({
      key: 'receiveOrder_onExecution',
      display: {
        label: 'Receive Order - onExecution',
        description: 'The function that will be executed by the flow.',
      },
      inputs: [],
    });
    expect(Object.keys(component.triggers)).toEqual(['receiveOrder_onTrigger', 'deployHooks_onTrigger']);
    expect(component.triggers.receiveOrder_onTrigger).toMatchObject({
      key: 'receiveOrder_onTrigger',
      display: { label: 'Receive Order - onTrigger' },
      inputs: [],
      hasOnInstanceDeploy: false,
      hasOnInstanceDelete: false,
      scheduleSupport: 'valid',
      synchronousResponseSupport: 'valid',
    });
    expect(component.triggers.deployHooks_onTrigger).toMatchObject({
      hasOnInstanceDeploy: true,
      hasOnInstanceDelete: false,
    });
  });

  it("runs a flow's onExecution when its action performs, and returns what it returns", async () => {
    const component = integration(orderSyncDefinition());
    const context = fakeContext({ executionId: 'exec-42' });
    const params = { onTrigger: { results: fakePayload({ orderId: 7 }) } };
    const result = await component.actions.receiveOrder_onExecution?.perform(context, params);
    expect(result).toEqual({ data: { received: { orderId: 7 }, executionId: 'exec-42' } });
    expect(calls).toEqual([{ fn: 'receiveOrder.onExecution', context, params }]);
    await expect(component.actions.nightlySync_onExecution?.perform(context, params)).resolves.toEqual({
      data: 'synced',
    });
  });

  it("runs a flow's onTrigger, which may answer the webhook with its own response", async () => {
    const component = integration(orderSyncDefinition());
    const payload = fakePayload('<order id="7"/>');
    const result = await component.triggers.receiveOrder_onTrigger?.perform(fakeContext(), payload, {});
    expect(result).toEqual({
      payload: { ...payload, body: { data: { parsed: true } } },
      response: { statusCode: 202, contentType: 'text/plain', body: 'queued' },
    });
  });

  it('passes the payload through when the flow has instance events but no onTrigger, and runs the events', async () => {
    const component = integration(orderSyncDefinition());
    const trigger = component.triggers.deployHooks_onTrigger;
    const payload = fakePayload({ tick: 1 });
    await expect(trigger?.perform(fakeContext(), payload, {})).resolves.toEqual({ payload });
    const context = fakeContext();
    await expect(trigger?.onInstanceDeploy?.(context, {})).resolves.toEqual({
      crossFlowState: { deployed: true },
    });
    expect(calls).toEqual([{ fn: 'deployHooks.onInstanceDeploy', context, params: undefined }]);
    expect(trigger?.onInstanceDelete).toBeUndefined();
  });

  it("runs a flow's webhookLifecycleHandlers as its trigger's webhookCreate and webhookDelete", async () => {
    const seen: string[] = [];
    const component = integration({
      ...orderSyncDefinition(),
      flows: [
        flow({
          name: 'Repo Events',
          stableKey: 'repo-events',
          webhookLifecycleHandlers: {
            create: async (context) => {
              seen.push(`create ${context.webhookUrls['Repo Events']}`);
              return { crossFlowState: { hookId: 7 } };
            },
            delete: async () => {
              seen.push('delete');
            },
          },
          onExecution: async () => ({ data: null }),
        }),
      ],
    });
    const trigger = component.triggers.repoEvents_onTrigger;
    expect(trigger).toMatchObject({ hasWebhookCreateFunction: true, hasWebhookDeleteFunction: true });
    const context = fakeContext({ webhookUrls: { 'Repo Events': 'https://weft.test/trigger/abc' } });
    await expect(trigger?.webhookCreate?.(context, {})).resolves.toEqual({ crossFlowState: { hookId: 7 } });
    await trigger?.webhookDelete?.(context, {});
    expect(seen).toEqual(['create https://weft.test/trigger/abc', 'delete']);
    expect(() =>
      integration({
        ...orderSyncDefinition(),
        flows: [
          flow({
            name: 'Half',
            stableKey: 'half',
            webhookLifecycleHandlers: { create: async () => undefined } as never,
            onExecution: async () => ({ data: null }),
          }),
        ],
      }),
    ).toThrow(/needs a create and a delete function/);
  });

  it('has a data source per data source config variable, keyed by its camelCased name', async () => {
    const component = integration(orderSyncDefinition());
    expect(Object.keys(component.dataSources)).toEqual(['targetChannel']);
    const dataSource = component.dataSources.targetChannel;
    expect(dataSource).toMatchObject({
      key: 'targetChannel',
      dataSourceType: 'picklist',
      display: { label: 'Target Channel', description: 'Where to post' },
      inputs: [],
    });
    const { logger, customer, instance, user } = fakeContext();
    await expect(
      dataSource?.perform({ logger, customer, instance, user, configVars: {} }, {}),
    ).resolves.toEqual({
      result: ['general', 'orders'],
    });
  });

  it('has a connection per connection config variable, with its fields as inputs', () => {
    const component = integration(orderSyncDefinition());
    expect(component.connections).toEqual([
      {
        key: 'acmeConnection',
        label: 'Acme Connection',
        comments: 'Your Acme API credentials',
        inputs: [
          {
            key: 'baseUrl',
            label: 'Base URL',
            type: 'string',
            default: 'https://api.acme.test',
            required: true,
          },
          { key: 'apiKey', label: 'API Key', type: 'password', default: '', required: true },
          {
            key: 'sandbox',
            label: 'Sandbox',
            type: 'boolean',
            default: 'false',
            comments: 'Use the sandbox',
          },
          { key: 'internal', label: 'Internal', type: 'string', default: 'x', shown: false },
        ],
      },
    ]);
  });
});

describe('componentManifest()', () => {
  it('is the catalog entry of the component: operations and inputs, no functions', () => {
    const manifest = componentManifest(integration(orderSyncDefinition()));
    expect(JSON.parse(JSON.stringify(manifest))).toEqual(manifest);
    expect(manifest).toMatchObject({ key: 'cni-acme-orders', label: 'Acme Orders', isPublic: false });
    expect(Object.keys(manifest.actions)).toHaveLength(4);
    expect(manifest.actions.echoWebhook_onExecution).toEqual({
      key: 'echoWebhook_onExecution',
      label: 'Echo Webhook - onExecution',
      description: 'The function that will be executed by the flow.',
      inputs: [],
    });
    expect(Object.keys(manifest.triggers)).toEqual(['receiveOrder_onTrigger', 'deployHooks_onTrigger']);
    expect(manifest.dataSources).toEqual({
      targetChannel: {
        key: 'targetChannel',
        label: 'Target Channel',
        description: 'Where to post',
        inputs: [],
        dataSourceType: 'picklist',
      },
    });
    expect(manifest.connections?.acmeConnection).toEqual({
      key: 'acmeConnection',
      label: 'Acme Connection',
      description: 'Your Acme API credentials',
      inputs: [
        {
          key: 'baseUrl',
          label: 'Base URL',
          type: 'string',
          required: true,
          default: 'https://api.acme.test',
        },
        { key: 'apiKey', label: 'API Key', type: 'password', required: true, default: '' },
        { key: 'sandbox', label: 'Sandbox', type: 'boolean', default: 'false' },
        { key: 'internal', label: 'Internal', type: 'string', default: 'x', shown: false },
      ],
    });
  });

  it('reads any component of the same shape, mapping unknown input types to string', () => {
    const manifest = componentManifest({
      key: 'acme',
      public: true,
      display: { label: 'Acme', description: 'Acme API' },
      actions: {
        route: {
          key: 'route',
          display: { label: 'Route', description: 'Branch on the order' },
          inputs: [
            { key: 'mode', label: 'Mode', type: 'string', model: [{ label: 'Fast', value: 'fast' }] },
            { key: 'odd', label: 'Odd', type: 'somethingElse', collection: 'valuelist' },
          ],
          perform: async () => ({ data: null }),
          allowsBranching: true,
          staticBranchNames: ['Big', 'Small'],
        },
      },
      triggers: {},
    });
    expect(manifest).toEqual({
      key: 'acme',
      label: 'Acme',
      isPublic: true,
      actions: {
        route: {
          key: 'route',
          label: 'Route',
          description: 'Branch on the order',
          kind: 'branch',
          staticBranchNames: ['Big', 'Small'],
          inputs: [
            { key: 'mode', label: 'Mode', type: 'string', model: [{ label: 'Fast', value: 'fast' }] },
            { key: 'odd', label: 'Odd', type: 'string', collection: 'valuelist' },
          ],
        },
      },
      triggers: {},
      connections: {},
      dataSources: {},
    });
    expect(catalogInputTypes).toContain(manifest.actions.route?.inputs[0]?.type);
  });
});

describe('generated keys', () => {
  it.each([
    ['Acme Orders', 'cni-acme-orders'],
    ['Acme ERP — Orders (v2)', 'cni-acme-erp-orders-v2'],
    ['  Café Sync!  ', 'cni-cafe-sync'],
    ['Salesforce_to_HubSpot', 'cni-salesforce-to-hubspot'],
  ])('the component of "%s" is %s', (name, key) => {
    expect(codeNativeComponentKey(name)).toBe(key);
    expect(integration({ name, flows: [] }).key).toBe(key);
  });

  it('keeps keys short and stable for long names and names without ASCII letters', () => {
    expect(codeNativeComponentKey('x'.repeat(500))).toBe(`cni-${'x'.repeat(100)}`);
    expect(codeNativeComponentKey('注文の同期')).toMatch(/^cni-[0-9a-f]{8}$/);
    expect(codeNativeComponentKey('注文の同期')).toBe(codeNativeComponentKey('注文の同期'));
    expect(codeNativeComponentKey('注文の同期')).not.toBe(codeNativeComponentKey('在庫の同期'));
  });

  it("names a flow's action and trigger as Spectral does", () => {
    expect(flowFunctionKey('Sync New Orders', 'onExecution')).toBe('syncNewOrders_onExecution');
    expect(flowFunctionKey('HTTP-to-SFTP flow', 'onTrigger')).toBe('httpToSftpFlow_onTrigger');
    const component = integration({
      name: 'Keys',
      flows: [flow({ name: 'My 2nd Flow', stableKey: 'second', onExecution: async () => ({ data: 2 }) })],
    });
    expect(Object.keys(component.actions)).toEqual(['my2ndFlow_onExecution']);
  });
});
