// Writing and testing a component as a Spectral author does: data sources, polling triggers, inputs with `clean`
// functions, `util.types`, the component's error hook and the test kit. The last block builds one component with
// @prismatic-io/spectral and with @weft/sdk and checks that the platform gets the same thing from both.
import {
  InputFieldDefaultMap as placeholderDefaults,
  action as spectralAction,
  component as spectralComponent,
  dataSource as spectralDataSource,
  input as spectralInput,
  pollingTrigger as spectralPollingTrigger,
  trigger as spectralTrigger,
  util as spectralUtil,
} from '@prismatic-io/spectral';
import { describe, expect, it } from 'vitest';
import {
  type ActionContext,
  action,
  type Component,
  type ComponentDataSource,
  type ComponentInput,
  componentManifest,
  connection,
  createConnection,
  createHarness,
  createTestContext,
  defaultTriggerPayload,
  invokeAction,
  invokeDataSource,
  invokeTrigger,
  loggerMock,
  type PollingContext,
  util,
  component as weftComponent,
  dataSource as weftDataSource,
  input as weftInput,
  pollingTrigger as weftPollingTrigger,
  trigger as weftTrigger,
} from '../src/index.js';

const display = (label: string) => ({ label, description: `${label} (test)` });
const componentDisplay = { label: 'Acme', description: 'Acme API', iconPath: 'icon.png' };

describe('dataSource()', () => {
  const channels = weftDataSource({
    display: display('Channels'),
    dataSourceType: 'picklist',
    inputs: {
      prefix: weftInput({ label: 'Prefix', type: 'string', default: '#' }),
      limit: weftInput({ label: 'Limit', type: 'string', clean: util.types.toInt }),
    },
    perform: async (context, { prefix, limit }) => {
      context.logger.info(`listing ${limit} channels`);
      const names = ['general', 'random', 'deploys'].slice(0, limit || undefined);
      return {
        result: names.map((name) => ({ key: name, label: `${prefix}${name}` })),
        supplementalData: { data: { count: names.length }, contentType: 'application/json' },
      };
    },
  });

  it('becomes a data source of the component, its inputs a list with their keys', () => {
    const acme = weftComponent({ key: 'acme', display: componentDisplay, dataSources: { channels } });
    const converted = acme.dataSources.channels;
    expect(converted?.key).toBe('channels');
    expect(converted?.dataSourceType).toBe('picklist');
    expect(converted?.inputs).toEqual([
      { key: 'prefix', label: 'Prefix', type: 'string', default: '#' },
      { key: 'limit', label: 'Limit', type: 'string' },
    ]);
    expect(componentManifest(acme).dataSources?.channels).toMatchObject({
      key: 'channels',
      dataSourceType: 'picklist',
    });
  });

  it('runs with cleaned inputs and defaults, from the component or the definition alone', async () => {
    const acme = weftComponent({ key: 'acme', display: componentDisplay, dataSources: { channels } });
    const fromComponent = await invokeDataSource(acme, 'channels', { limit: '2' });
    expect(fromComponent.result).toEqual({
      result: [
        { key: 'general', label: '#general' },
        { key: 'random', label: '#random' },
      ],
      supplementalData: { data: { count: 2 }, contentType: 'application/json' },
    });
    expect(fromComponent.logs).toEqual([{ level: 'info', message: 'listing 2 channels' }]);
    const alone = await invokeDataSource(channels, { prefix: '@', limit: 1 });
    expect(alone.result.result).toEqual([{ key: 'general', label: '@general' }]);
  });

  it('gets only what a data source gets on the platform: no state, no flow', async () => {
    let seen: string[] = [];
    const probe = weftDataSource({
      display: display('Probe'),
      dataSourceType: 'string',
      inputs: {},
      perform: async (context) => {
        seen = Object.keys(context).sort();
        return { result: String(context.configVars.Region) };
      },
    });
    const { result } = await invokeDataSource(probe, {}, { configVars: { Region: 'eu' } });
    expect(result.result).toBe('eu');
    expect(seen).toEqual(['configVars', 'customer', 'instance', 'logger', 'user']);
  });

  it('keeps data sources already in the platform shape as they are', () => {
    const legacy: ComponentDataSource = {
      key: 'legacy',
      display: display('Legacy'),
      inputs: [{ key: 'connection', label: 'Connection', type: 'connection' }],
      dataSourceType: 'string',
      perform: async () => ({ result: 'x' }),
    };
    const acme = weftComponent({ key: 'acme', display: componentDisplay, dataSources: { legacy, channels } });
    expect(acme.dataSources.legacy).toBe(legacy);
  });

  it('rejects an unknown dataSourceType, and an input naming a data source the component lacks', () => {
    const bad = { ...channels, dataSourceType: 'colour' } as unknown as typeof channels;
    expect(() => weftComponent({ key: 'acme', display: componentDisplay, dataSources: { bad } })).toThrow(
      "data source 'bad' has the dataSourceType 'colour'; it must be one of string, date, timestamp, picklist",
    );
    const post = action({
      display: display('Post'),
      inputs: { channel: weftInput({ label: 'Channel', type: 'string', dataSource: 'chanels' }) },
      perform: async (_context, { channel }) => ({ data: channel }),
    });
    expect(() =>
      weftComponent({ key: 'acme', display: componentDisplay, actions: { post }, dataSources: { channels } }),
    ).toThrow(
      "component 'acme': input 'channel' of action 'post' names the data source 'chanels', which the component does not have (its data sources: channels) — did you mean 'channels'?",
    );
  });
});

interface Item {
  id: number;
  name: string;
}
const catalog: Item[] = [
  { id: 1, name: 'one' },
  { id: 2, name: 'two' },
  { id: 3, name: 'three' },
];

describe('pollingTrigger()', () => {
  const listItems = action({
    display: display('List Items'),
    inputs: { since: weftInput({ label: 'Since', type: 'string', default: '0', clean: util.types.toInt }) },
    perform: async (_context, { since }) => ({ data: catalog.filter((item) => item.id > since) }),
  });
  const newItems = weftPollingTrigger({
    display: display('New Items'),
    pollAction: listItems,
    inputs: {
      pageSize: weftInput({ label: 'Page Size', type: 'string', default: '2', clean: util.types.toInt }),
    },
    perform: async (context, payload, { pageSize, since }) => {
      const cursor = Number(context.polling.getState().cursor ?? since);
      const answer = await context.polling.invokeAction({ since: cursor });
      const page = ((answer?.data ?? []) as Item[]).slice(0, pageSize);
      if (page.length === 0) return { payload, polledNoChanges: true };
      context.polling.setState({ cursor: page.at(-1)?.id });
      return { payload: { ...payload, body: { data: page } }, polledNoChanges: false };
    },
  });
  const acme = weftComponent({
    key: 'acme',
    display: componentDisplay,
    actions: { listItems },
    triggers: { newItems },
  });

  it('becomes a trigger that must run on a schedule, with its poll action inputs added to its own', () => {
    const converted = acme.triggers.newItems;
    expect(converted).toMatchObject({
      key: 'newItems',
      isPollingTrigger: true,
      scheduleSupport: 'required',
      synchronousResponseSupport: 'invalid',
    });
    expect(converted?.inputs.map((each) => each.key)).toEqual(['pageSize', 'since']);
    expect(converted).not.toHaveProperty('pollAction');
    expect(converted).not.toHaveProperty('triggerType');
    expect(componentManifest(acme).triggers.newItems?.isPollingTrigger).toBe(true);
  });

  it('keeps its cursor across runs in the instance state, and says when it found nothing new', async () => {
    const instanceState: Record<string, unknown> = { unrelated: 'kept' };
    const first = await invokeTrigger(acme, 'newItems', undefined, {}, { instanceState });
    expect(first.result?.payload.body.data).toEqual([catalog[0], catalog[1]]);
    expect(first.result?.resultType).toBe('completed');
    expect(first.result).not.toHaveProperty('polledNoChanges');
    expect(instanceState).toEqual({ unrelated: 'kept', __prismaticInternal: { polling: { cursor: 2 } } });

    const second = await invokeTrigger(acme, 'newItems', undefined, {}, { instanceState });
    expect(second.result?.payload.body.data).toEqual([catalog[2]]);

    // Chained through the returned state instead of a shared object.
    const third = await invokeTrigger(
      acme,
      'newItems',
      undefined,
      {},
      { instanceState: second.instanceState },
    );
    expect(third.result?.resultType).toBe('polled_no_changes');
    expect(third.instanceState).toEqual({
      unrelated: 'kept',
      __prismaticInternal: { polling: { cursor: 3 } },
    });
  });

  it('runs on its own (the definition, not the component) the same way', async () => {
    const first = await invokeTrigger(newItems, undefined, { pageSize: '1' });
    expect(first.result?.payload.body.data).toEqual([catalog[0]]);
    const second = await invokeTrigger(newItems, undefined, { pageSize: '5' }, first);
    expect(second.result?.payload.body.data).toEqual([catalog[1], catalog[2]]);
  });

  it('fails with a clear message when invokeAction has no poll action to run', async () => {
    const orphan = weftPollingTrigger({
      display: display('Orphan'),
      perform: async (context, payload) => {
        await context.polling.invokeAction({});
        return { payload };
      },
    });
    await expect(invokeTrigger(orphan)).rejects.toThrow(
      "polling trigger 'Orphan' has no pollAction for context.polling.invokeAction to run.",
    );
  });

  it('refuses a trigger input with the key of a poll action input', () => {
    const clash = weftPollingTrigger({
      display: display('Clash'),
      pollAction: listItems,
      inputs: { since: weftInput({ label: 'Since', type: 'string' }) },
      perform: async (_context, payload) => ({ payload }),
    });
    expect(() => weftComponent({ key: 'acme', display: componentDisplay, triggers: { clash } })).toThrow(
      "polling trigger 'clash' declares the input 'since', which its pollAction 'List Items' declares too",
    );
  });
});

describe('inputs', () => {
  it('supports every input type, keeping what the platform reads', () => {
    const everything = action({
      display: display('Everything'),
      inputs: {
        name: weftInput({
          label: 'Name',
          type: 'string',
          required: true,
          placeholder: 'Ada',
          example: 'Ada',
        }),
        notes: weftInput({ label: 'Notes', type: 'text' }),
        secret: weftInput({ label: 'Secret', type: 'password' }),
        dryRun: weftInput({ label: 'Dry Run', type: 'boolean', default: 'false' }),
        limit: weftInput({ label: 'Limit', type: 'number', default: 10 }),
        query: weftInput({ label: 'Query', type: 'code', language: 'sql' }),
        since: weftInput({ label: 'Since', type: 'date' }),
        at: weftInput({ label: 'At', type: 'timestamp' }),
        level: weftInput({ label: 'Level', type: 'picklist', model: [{ label: 'Info', value: 'info' }] }),
        connection: weftInput({ label: 'Connection', type: 'connection', required: true }),
        headers: weftInput({
          label: { key: 'Header', value: 'Value' },
          type: 'string',
          collection: 'keyvaluelist',
        }),
        tags: weftInput({ label: 'Tags', type: 'string', collection: 'valuelist' }),
        file: weftInput({ label: 'File', type: 'data' }),
        form: weftInput({ label: 'Form', type: 'jsonForm' }),
        objects: weftInput({ label: 'Objects', type: 'objectSelection' }),
        fieldMap: weftInput({ label: 'Field Map', type: 'objectFieldMap' }),
        channel: weftInput({ label: 'Channel', type: 'string', dataSource: 'channels', shown: true }),
      },
      perform: async (_context, params) => ({ data: params }),
    });
    const acme = weftComponent({
      key: 'acme',
      display: componentDisplay,
      actions: { everything },
      dataSources: {
        channels: weftDataSource({
          display: display('Channels'),
          dataSourceType: 'picklist',
          inputs: {},
          perform: async () => ({ result: ['general'] }),
        }),
      },
    });
    const inputs = acme.actions.everything?.inputs ?? [];
    const byKey = (key: string) => inputs.find((each) => each.key === key);
    expect(inputs.map((each) => each.type)).toEqual([
      'string',
      'text',
      'password',
      'boolean',
      'number',
      'code',
      'date',
      'timestamp',
      'picklist',
      'connection',
      'string',
      'string',
      'data',
      'jsonForm',
      'objectSelection',
      'objectFieldMap',
      'string',
    ]);
    expect(byKey('headers')).toEqual({
      key: 'headers',
      label: 'Value',
      keyLabel: 'Header',
      type: 'string',
      collection: 'keyvaluelist',
    });
    expect(byKey('query')).toMatchObject({ language: 'sql' });
    expect(byKey('level')).toMatchObject({ model: [{ label: 'Info', value: 'info' }] });
    expect(byKey('channel')).toMatchObject({ dataSource: 'channels', shown: true });
    expect(byKey('name')).toMatchObject({ required: true, placeholder: 'Ada', example: 'Ada' });
    expect(inputs.some((each) => 'clean' in each)).toBe(false);
  });

  it('applies clean functions exactly once, after the defaults', async () => {
    const seen: unknown[] = [];
    const count = action({
      display: display('Count'),
      inputs: {
        amount: weftInput({
          label: 'Amount',
          type: 'string',
          default: '7',
          clean: (value) => {
            seen.push(value);
            return util.types.toInt(value);
          },
        }),
      },
      perform: async (_context, { amount }) => ({ data: amount * 2 }),
    });
    const acme = weftComponent({ key: 'acme', display: componentDisplay, actions: { count } });
    expect((await invokeAction(acme, 'count', {})).result?.data).toBe(14);
    expect((await invokeAction(count, { amount: '3' })).result?.data).toBe(6);
    expect((await createHarness(acme).action('count', { amount: undefined })).result?.data).toBe(14);
    expect(seen).toEqual(['7', '3', '7']);
  });

  it('names the input whose clean function rejected the value, keeping the reason as the cause', async () => {
    const fetchPage = action({
      display: display('Fetch Page'),
      inputs: { page: weftInput({ label: 'Page Number', type: 'string', clean: util.types.toInt }) },
      perform: async (_context, { page }) => ({ data: page }),
    });
    const error = await invokeAction(fetchPage, { page: 'two' }).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe("input 'page' (Page Number): expected a whole number, got 'two'");
    expect(((error as Error).cause as Error).message).toBe("expected a whole number, got 'two'");
  });
});

describe('util.types', () => {
  const { types } = util;

  it('converts the usual spellings of input values', () => {
    expect(types.toInt('42')).toBe(42);
    expect(types.toInt(' 7.9 ')).toBe(7);
    expect(types.toInt('', 5)).toBe(5);
    expect(types.toNumber('2.5')).toBe(2.5);
    expect(types.toNumber(undefined)).toBe(0);
    expect(types.toBool('Yes')).toBe(true);
    expect(types.toBool('f')).toBe(false);
    expect(types.toBool('0')).toBe(false);
    expect(types.toBool(undefined, true)).toBe(true);
    expect(types.toString(12)).toBe('12');
    expect(types.toString(null, 'none')).toBe('none');
    expect(types.toString(Buffer.from('hé'))).toBe('hé');
    expect(types.toBigInt('9007199254740993')).toBe(9007199254740993n);
    expect(types.toDate('2024-05-01T12:00:00Z').toISOString()).toBe('2024-05-01T12:00:00.000Z');
    expect(types.toDate(0).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(types.toObject('{"a":[1]}')).toEqual({ a: [1] });
    expect(types.toObject({ a: 1 })).toEqual({ a: 1 });
    expect(types.toObject('', {})).toEqual({});
    expect(
      types.keyValPairListToObject([
        { key: 'a', value: '1' },
        { key: 'b', value: '2' },
      ]),
    ).toEqual({ a: '1', b: '2' });
    expect(types.keyValPairListToObject([{ key: 'n', value: '3' }], types.toInt)).toEqual({ n: 3 });
    expect(types.keyValPairListToObject(undefined)).toEqual({});
    expect(types.lowerCaseHeaders({ 'Content-Type': 'text/csv', 'X-Trace': '1' })).toEqual({
      'content-type': 'text/csv',
      'x-trace': '1',
    });
    expect(types.toJSON({ b: 1, a: [true] }, false)).toBe('{"a":[true],"b":1}');
    expect(types.isUrl('https://acme.test/api')).toBe(true);
    expect(types.isUrl('acme.test/api')).toBe(false);
    expect(types.isUrl('ftp://acme.test')).toBe(false);
    expect(types.cleanObject({ a: 1, b: '', c: null, d: undefined, e: 0 })).toEqual({ a: 1, e: 0 });
  });

  it('turns text, bytes and bodies into data with a content type', () => {
    expect(types.toData('a,b')).toEqual({ data: Buffer.from('a,b'), contentType: 'text/plain' });
    expect(types.toData(Buffer.from([1, 2]))).toEqual({
      data: Buffer.from([1, 2]),
      contentType: 'application/octet-stream',
    });
    expect(types.toData({ data: 'a,b', contentType: 'text/csv' })).toEqual({
      data: Buffer.from('a,b'),
      contentType: 'text/csv',
    });
    expect(types.toData({ id: 1 })).toEqual({
      data: Buffer.from('{"id":1}'),
      contentType: 'application/json',
    });
    expect(types.isData(types.toData('x'))).toBe(true);
  });

  it('says what was wrong with a value it cannot convert', () => {
    expect(() => types.toInt('12abc')).toThrow("expected a whole number, got '12abc'");
    expect(() => types.toNumber('ten')).toThrow("expected a number, got 'ten'");
    expect(() => types.toBool('maybe')).toThrow(
      "expected true or false (or yes/no, t/f, y/n, 1/0), got 'maybe'",
    );
    expect(() => types.toString({ a: 1 })).toThrow(
      'expected text, got an object: {"a":1}; use util.types.toJSON to turn an object into text',
    );
    expect(() => types.toObject('not json')).toThrow("expected an object or JSON text, got 'not json': ");
    expect(() => types.toObject('3')).toThrow("expected JSON text of an object or a list, got '3'");
    expect(() => types.toObject(undefined)).toThrow(
      'expected an object or JSON text, got nothing (undefined)',
    );
    expect(() => types.toData(undefined)).toThrow(
      'expected data (text, a Buffer, or {data, contentType}), got nothing (undefined)',
    );
    expect(() => types.keyValPairListToObject([{ key: 'a', value: 1 }, 'b'])).toThrow(
      "expected a list of {key, value} pairs, but entry 2 is 'b'",
    );
    expect(() => types.toDate('yesterday')).toThrow(
      "expected a date (ISO 8601, such as 2024-05-01T12:00:00Z, or Unix seconds), got 'yesterday'",
    );
    expect(() => types.toConnection({ key: 'apiKey' })).toThrow(
      'expected a connection (the value of a connection config variable: {key, fields}), got an object: {"key":"apiKey"}',
    );
  });

  it('checks connections, both declared ones and the values steps receive', () => {
    const apiKey = connection({
      key: 'apiKey',
      display: display('API Key'),
      inputs: { apiKey: { label: 'API Key', type: 'password', required: true } },
    });
    const acme = weftComponent({ key: 'acme', display: componentDisplay, connections: [apiKey] });
    expect(types.isConnection(acme.connections[0])).toBe(true);
    const value = createConnection(apiKey, { apiKey: 'k' });
    expect(types.isConnectionValue(value)).toBe(true);
    expect(types.toConnection(value)).toBe(value);
  });
});

describe('hooks.error', () => {
  class ApiError extends Error {
    constructor(
      readonly status: number,
      readonly body: string,
    ) {
      super(`Request failed with status code ${status}`);
    }
  }
  const hooks = {
    error: (error: unknown) =>
      error instanceof ApiError ? new Error(`Acme answered ${error.status}: ${error.body}`) : error,
  };
  const failing = action({
    display: display('Failing'),
    inputs: {},
    perform: async () => {
      throw new ApiError(404, 'no such contact');
    },
  });
  const strict = action({
    display: display('Strict'),
    inputs: { count: weftInput({ label: 'Count', type: 'string', clean: util.types.toInt }) },
    perform: async () => ({ data: null }),
  });

  it('surfaces a failing perform with its error intact when there is no hook', async () => {
    const plain = weftComponent({ key: 'acme', display: componentDisplay, actions: { failing } });
    const error = await invokeAction(plain, 'failing').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).message).toBe('Request failed with status code 404');
  });

  it('turns the errors of actions, triggers and data sources into what the hook returns', async () => {
    const acme = weftComponent({
      key: 'acme',
      display: componentDisplay,
      hooks,
      actions: { failing, strict },
      triggers: {
        webhook: weftTrigger({
          display: display('Webhook'),
          inputs: {},
          perform: async () => {
            throw new ApiError(401, 'bad signature');
          },
          onInstanceDeploy: async () => {
            throw new ApiError(409, 'webhook exists');
          },
        }),
      },
      dataSources: {
        contacts: weftDataSource({
          display: display('Contacts'),
          dataSourceType: 'picklist',
          inputs: {},
          perform: async () => {
            throw new ApiError(500, 'down');
          },
        }),
      },
    });
    const harness = createHarness(acme);
    await expect(harness.action('failing')).rejects.toThrow('Acme answered 404: no such contact');
    await expect(harness.trigger('webhook')).rejects.toThrow('Acme answered 401: bad signature');
    await expect(harness.triggerOnInstanceDeploy('webhook')).rejects.toThrow(
      'Acme answered 409: webhook exists',
    );
    await expect(harness.dataSource('contacts')).rejects.toThrow('Acme answered 500: down');
    // Errors the hook leaves alone (it returns them) are thrown as they are.
    await expect(harness.action('strict', { count: 'x' })).rejects.toThrow(
      "input 'count' (Count): expected a whole number, got 'x'",
    );
  });

  it('applies the hook once to an error of a poll action, which the trigger sees transformed', async () => {
    let calls = 0;
    let seenByTrigger = '';
    const acme = weftComponent({
      key: 'acme',
      display: componentDisplay,
      hooks: {
        error: (error) => {
          calls += 1;
          return new Error(`Acme: ${(error as Error).message}`);
        },
      },
      triggers: {
        poll: weftPollingTrigger({
          display: display('Poll'),
          pollAction: failing,
          perform: async (context) => {
            try {
              await context.polling.invokeAction({});
            } catch (error) {
              seenByTrigger = (error as Error).message;
              throw error;
            }
            return undefined;
          },
        }),
      },
    });
    await expect(invokeTrigger(acme, 'poll')).rejects.toThrow('Acme: Request failed with status code 404');
    expect(seenByTrigger).toBe('Acme: Request failed with status code 404');
    expect(calls).toBe(1);
  });
});

describe('test kit', () => {
  const apiKey = connection({
    key: 'apiKey',
    display: display('API Key'),
    inputs: { apiKey: { label: 'API Key', type: 'password', required: true } },
  });
  const whoAmI = action({
    display: display('Who Am I'),
    inputs: {
      connection: weftInput({ label: 'Connection', type: 'connection', required: true }),
      greeting: weftInput({ label: 'Greeting', type: 'string', default: 'Hello' }),
    },
    perform: async (context, { connection: given, greeting }) => {
      context.logger.info('token', given.token?.access_token);
      return {
        data: `${greeting}, ${String(given.fields.apiKey)}`,
        crossFlowState: { ...context.crossFlowState, calls: 1 },
      };
    },
  });
  const webhook = weftTrigger({
    display: display('Webhook'),
    inputs: {},
    perform: async (_context, payload) => ({
      payload,
      response: { statusCode: 202, contentType: 'text/plain', body: String(payload.headers['x-event']) },
    }),
    onInstanceDelete: async (context) => ({ crossFlowState: { ...context.crossFlowState, removed: true } }),
  });
  const acme = weftComponent({
    key: 'acme',
    display: componentDisplay,
    connections: [apiKey],
    actions: { whoAmI },
    triggers: { webhook },
  });

  it('creates connection values as a step receives them', () => {
    expect(createConnection(apiKey, { apiKey: 'k' }, { access_token: 't' }, 'Acme Connection')).toEqual({
      key: 'apiKey',
      configVarKey: 'Acme Connection',
      fields: { apiKey: 'k' },
      token: { access_token: 't' },
    });
    expect(createConnection(apiKey, { apiKey: 'k' })).toEqual({
      key: 'apiKey',
      configVarKey: '',
      fields: { apiKey: 'k' },
    });
  });

  it('runs actions by key or by definition, returning the result, the logs and the state', async () => {
    const given = createConnection(apiKey, { apiKey: 'k' }, { access_token: 't' });
    const harness = createHarness(acme);
    const byKey = await harness.action('whoAmI', { connection: given });
    expect(byKey.result?.data).toBe('Hello, k');
    expect(byKey.logs).toEqual([{ level: 'info', message: 'token t' }]);
    expect(byKey.crossFlowState).toEqual({ calls: 1 });
    const alone = await invokeAction(whoAmI, { connection: given, greeting: 'Hi' });
    expect(alone.result?.data).toBe('Hi, k');
  });

  it('runs triggers, the harness filling in what the payload leaves out', async () => {
    const payload = defaultTriggerPayload();
    expect(payload.body).toEqual({ data: { foo: 'bar' }, contentType: 'application/json' });
    expect(payload.rawBody).toEqual({ data: '{"foo":"bar"}', contentType: 'application/json' });
    const { result } = await createHarness(acme).trigger('webhook', { headers: { 'x-event': 'created' } });
    expect(result?.response).toEqual({ statusCode: 202, contentType: 'text/plain', body: 'created' });
    expect(result?.payload.body.data).toEqual({ foo: 'bar' });
    // invokeTrigger passes the payload as it is given.
    const alone = await invokeTrigger(webhook, { ...payload, headers: { 'x-event': 'deleted' } });
    expect(alone.result?.response?.body).toBe('deleted');
    const removed = await createHarness(acme).triggerOnInstanceDelete('webhook');
    expect(removed.crossFlowState).toEqual({ removed: true });
  });

  it('names what exists when a key is wrong', async () => {
    await expect(invokeAction(acme, 'whoami')).rejects.toThrow(
      "component 'acme' has no action 'whoami' (its actions: whoAmI)",
    );
    await expect(createHarness(acme).dataSource('channels')).rejects.toThrow(
      "component 'acme' has no data source 'channels' (its dataSources: none)",
    );
  });

  it('records logs with loggerMock, and a test context keeps the state objects it is given', async () => {
    const logger = loggerMock();
    logger.warn('slow', { ms: 900 });
    expect(logger.logs).toEqual([{ level: 'warn', message: 'slow {"ms":900}' }]);
    const instanceState = { a: 1 };
    const context: ActionContext = createTestContext({ instanceState, logger });
    expect(context.instanceState).toBe(instanceState);
    const { logs } = await invokeAction(
      acme,
      'whoAmI',
      { connection: createConnection(apiKey, {}) },
      { logger },
    );
    expect(logs).toEqual([]);
    expect(logger.logs.at(-1)).toEqual({ level: 'info', message: 'token undefined' });
  });
});

/*
 * The same component, built with Spectral's functions and with Weft's. The definition is written once and given
 * each library's builders, loosely typed: the two libraries' types differ in detail, the objects do not.
 */
// biome-ignore lint/suspicious/noExplicitAny: the definition below is given either library's functions
type Builder = (...args: any[]) => any;
interface Builders {
  component: Builder;
  action: Builder;
  trigger: Builder;
  pollingTrigger: Builder;
  dataSource: Builder;
  input: Builder;
}
type Util = { types: Record<'toInt' | 'toBool' | 'keyValPairListToObject', Builder> };

const spectralBuilders: Builders = {
  component: spectralComponent,
  action: spectralAction,
  trigger: spectralTrigger,
  pollingTrigger: spectralPollingTrigger,
  dataSource: spectralDataSource,
  input: spectralInput,
};
const weftBuilders: Builders = {
  component: weftComponent,
  action,
  trigger: weftTrigger,
  pollingTrigger: weftPollingTrigger,
  dataSource: weftDataSource,
  input: weftInput,
};

function acmeComponent(b: Builders, { types }: Util): Component {
  const listItems = b.action({
    display: display('List Items'),
    inputs: {
      since: b.input({ label: 'Since', type: 'string', required: true, default: '0', clean: types.toInt }),
      headers: b.input({
        label: { key: 'Header', value: 'Value' },
        type: 'string',
        collection: 'keyvaluelist',
        default: [],
        clean: (value: unknown) => types.keyValPairListToObject(value),
      }),
    },
    perform: async (
      _context: ActionContext,
      params: { since: number; headers: Record<string, unknown> },
    ) => ({
      data: { items: catalog.filter((item) => item.id > params.since), headers: params.headers },
    }),
  });
  return b.component({
    key: 'acme',
    display: componentDisplay,
    hooks: { error: (error: unknown) => new Error(`Acme: ${(error as Error).message}`) },
    actions: {
      listItems,
      greet: b.action({
        display: display('Greet'),
        inputs: {
          connection: b.input({ label: 'Connection', type: 'connection', required: true }),
          name: b.input({
            label: 'Name',
            type: 'string',
            required: true,
            model: [
              { label: 'Ada', value: 'ada' },
              { label: 'Grace', value: 'grace' },
            ],
          }),
          loud: b.input({ label: 'Loud', type: 'boolean', default: 'false', clean: types.toBool }),
          times: b.input({ label: 'Times', type: 'string', default: '1', clean: types.toInt }),
        },
        perform: async (
          _context: ActionContext,
          params: { name: string; loud: boolean; times: number; connection: { fields: { apiKey: string } } },
        ) => {
          const text = `hello ${params.name} (${params.connection.fields.apiKey})`.repeat(params.times);
          return { data: params.loud ? text.toUpperCase() : text };
        },
      }),
      fail: b.action({
        display: display('Fail'),
        inputs: {},
        perform: async () => {
          throw new Error('the API answered 503');
        },
      }),
    },
    triggers: {
      newItems: b.pollingTrigger({
        display: display('New Items'),
        pollAction: listItems,
        inputs: {
          pageSize: b.input({ label: 'Page Size', type: 'string', default: '2', clean: types.toInt }),
        },
        perform: async (
          context: PollingContext,
          payload: object,
          params: { pageSize: number; headers: Record<string, unknown> },
        ) => {
          const cursor = context.polling.getState().cursor ?? 0;
          const answer = await context.polling.invokeAction({ since: cursor, headers: params.headers });
          const page = (answer as { data: { items: Item[] } }).data.items.slice(0, params.pageSize);
          if (page.length === 0) return { payload, polledNoChanges: true };
          context.polling.setState({ cursor: page.at(-1)?.id });
          return { payload: { ...payload, body: { data: page } }, polledNoChanges: false };
        },
      }),
      webhook: b.trigger({
        display: display('Webhook'),
        inputs: { secret: b.input({ label: 'Secret', type: 'password', required: true }) },
        scheduleSupport: 'invalid',
        synchronousResponseSupport: 'valid',
        perform: async (_context: ActionContext, payload: object, params: { secret: string }) => ({
          payload,
          response: {
            statusCode: 200,
            contentType: 'text/plain',
            body: params.secret === 'ok' ? 'yes' : 'no',
          },
        }),
      }),
    },
    dataSources: {
      itemNames: b.dataSource({
        display: display('Item Names'),
        dataSourceType: 'picklist',
        inputs: { prefix: b.input({ label: 'Prefix', type: 'string', default: 'Item ' }) },
        perform: async (_context: unknown, params: { prefix: string }) => ({
          result: catalog.map((item) => ({ key: String(item.id), label: `${params.prefix}${item.name}` })),
        }),
      }),
    },
  });
}

describe('the same component built with @prismatic-io/spectral and with @weft/sdk', () => {
  const spectral = acmeComponent(spectralBuilders, spectralUtil as Util);
  const weft = acmeComponent(weftBuilders, util as Util);
  const platformInput = ({
    key,
    type,
    label,
    keyLabel,
    required,
    default: fallback,
    collection,
    model,
  }: ComponentInput) => ({
    key,
    type,
    label,
    keyLabel,
    required,
    default: fallback,
    collection,
    model,
  });
  const inputsOf = (operation: { inputs: ComponentInput[] } | undefined) =>
    operation?.inputs.map(platformInput);

  it('has the same actions, triggers and data sources, with the same inputs', () => {
    for (const kind of ['actions', 'triggers', 'dataSources'] as const) {
      expect(Object.keys(weft[kind])).toEqual(Object.keys(spectral[kind]));
      for (const key of Object.keys(spectral[kind])) {
        // Spectral gives an input without a default a placeholder one ('' for text, 'false' for booleans); Weft
        // leaves it out, so that a required input without a default stays one every step must set.
        const weftInputs = inputsOf(weft[kind][key])?.map((each) =>
          each.default === undefined
            ? { ...each, default: (placeholderDefaults as Record<string, unknown>)[each.type] }
            : each,
        );
        expect(weftInputs, `${kind}.${key}`).toEqual(inputsOf(spectral[kind][key]));
      }
    }
    expect(spectral.actions.greet?.inputs.find((each) => each.key === 'name')?.default).toBe('');
    expect(weft.actions.greet?.inputs.find((each) => each.key === 'name')?.default).toBeUndefined();
    expect(weft.dataSources.itemNames?.dataSourceType).toBe(spectral.dataSources.itemNames?.dataSourceType);
  });

  it('has the same trigger flags', () => {
    const flags = ({
      isPollingTrigger,
      scheduleSupport,
      synchronousResponseSupport,
    }: Component['triggers'][string]) => ({
      isPollingTrigger,
      scheduleSupport,
      synchronousResponseSupport,
    });
    for (const key of ['newItems', 'webhook']) {
      expect(flags(weft.triggers[key] as Component['triggers'][string]), key).toEqual(
        flags(spectral.triggers[key] as Component['triggers'][string]),
      );
    }
    expect(weft.triggers.newItems?.isPollingTrigger).toBe(true);
    expect(weft.triggers.newItems?.scheduleSupport).toBe('required');
  });

  it('gives the same results for the same inputs', async () => {
    const both = async (run: (built: Component) => Promise<unknown>) => {
      const [fromSpectral, fromWeft] = await Promise.all([run(spectral), run(weft)]);
      expect(fromWeft).toEqual(fromSpectral);
      return fromWeft;
    };
    const connectionValue = createConnection({ key: 'apiKey' }, { apiKey: 'k' });
    expect(
      await both((built) =>
        built.actions.greet!.perform(createTestContext(), {
          connection: connectionValue,
          name: 'ada',
          loud: 'yes',
          times: '2',
        }),
      ),
    ).toEqual({ data: 'HELLO ADA (K)HELLO ADA (K)' });
    await both((built) =>
      built.actions.listItems!.perform(createTestContext(), {
        since: '1',
        headers: [{ key: 'X-Trace', value: 'abc' }],
      }),
    );
    await both((built) =>
      built.actions.fail!.perform(createTestContext(), {}).catch((error: Error) => error.message),
    );
    expect(
      await both((built) =>
        built.triggers
          .webhook!.perform(createTestContext(), defaultTriggerPayload(), { secret: 'ok' })
          .then((result) => result?.response),
      ),
    ).toEqual({ statusCode: 200, contentType: 'text/plain', body: 'yes' });
    expect(
      await both((built) => built.dataSources.itemNames!.perform(createTestContext(), { prefix: '#' })),
    ).toEqual({
      result: [
        { key: '1', label: '#one' },
        { key: '2', label: '#two' },
        { key: '3', label: '#three' },
      ],
    });
  });

  it('polls the same way, keeping the same state', async () => {
    const poll = async (built: Component) => {
      const instanceState: Record<string, unknown> = {};
      const results = [];
      for (let run = 0; run < 3; run += 1) {
        const context = createTestContext({ instanceState });
        const result = await built.triggers.newItems!.perform(context, defaultTriggerPayload(), {
          pageSize: '2',
          headers: [],
        });
        results.push({ data: result?.payload.body.data, resultType: result?.resultType });
      }
      return { results, instanceState };
    };
    const [fromSpectral, fromWeft] = await Promise.all([poll(spectral), poll(weft)]);
    expect(fromWeft).toEqual(fromSpectral);
    expect(fromWeft.results.map((each) => each.resultType)).toEqual([
      'completed',
      'completed',
      'polled_no_changes',
    ]);
    expect(fromWeft.instanceState).toEqual({ __prismaticInternal: { polling: { cursor: 3 } } });
  });

  it('runs the Spectral-built component in the Weft test kit', async () => {
    const { result } = await createHarness(spectral).dataSource('itemNames');
    expect(result.result).toHaveLength(3);
  });

  it('differs where Weft names the input a clean function rejected', async () => {
    const since = { since: 'abc', headers: [] };
    await expect(spectral.actions.listItems!.perform(createTestContext(), since)).rejects.toThrow(
      "Acme: Value 'abc' cannot be coerced to int.",
    );
    await expect(weft.actions.listItems!.perform(createTestContext(), since)).rejects.toThrow(
      "Acme: input 'since' (Since): expected a whole number, got 'abc'",
    );
  });
});
