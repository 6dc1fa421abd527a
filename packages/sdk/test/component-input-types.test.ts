// `perform` receives its parameters typed from the inputs it declares, as in Spectral. `npm run lint` type-checks
// this file (tsc -p tsconfig.test.json), so each `@ts-expect-error` below must stay an error: that is the test that
// a wrong use does not compile.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  action,
  type Connection,
  type DataPayload,
  type DataSourceResult,
  dataSource,
  type Element,
  type InputValues,
  input,
  invokeAction,
  invokeDataSource,
  type KeyValuePair,
  type ObjectFieldMap,
  type ObjectSelection,
  pollingTrigger,
  trigger,
  util,
} from '../src/index.js';

const inputs = {
  name: input({ label: 'Name', type: 'string', required: true }),
  notes: input({ label: 'Notes', type: 'text' }),
  secret: input({ label: 'Secret', type: 'password' }),
  dryRun: input({ label: 'Dry Run', type: 'boolean', default: 'false' }),
  limit: input({ label: 'Limit', type: 'number', default: 10 }),
  query: input({ label: 'Query', type: 'code', language: 'sql' }),
  since: input({ label: 'Since', type: 'date' }),
  at: input({ label: 'At', type: 'timestamp' }),
  level: input({ label: 'Level', type: 'picklist', model: [{ label: 'Info', value: 'info' }] }),
  connection: input({ label: 'Connection', type: 'connection', required: true }),
  headers: input({ label: { key: 'Header', value: 'Value' }, type: 'string', collection: 'keyvaluelist' }),
  tags: input({ label: 'Tags', type: 'string', collection: 'valuelist' }),
  sizes: input({ label: 'Sizes', type: 'number', collection: 'valuelist' }),
  file: input({ label: 'File', type: 'data' }),
  form: input({ label: 'Form', type: 'jsonForm' }),
  objects: input({ label: 'Objects', type: 'objectSelection' }),
  fieldMap: input({ label: 'Field Map', type: 'objectFieldMap' }),
  channel: input({ label: 'Channel', type: 'string', dataSource: 'channels' }),
  page: input({ label: 'Page', type: 'string', clean: util.types.toInt }),
  body: input({ label: 'Body', type: 'data', clean: util.types.toData }),
  when: input({ label: 'When', type: 'timestamp', clean: util.types.toDate }),
  fields: input({
    label: 'Fields',
    type: 'string',
    collection: 'keyvaluelist',
    clean: (value) => util.types.keyValPairListToObject(value, util.types.toString),
  }),
  account: input({ label: 'Account', type: 'connection', clean: util.types.toConnection }),
};
type Params = InputValues<typeof inputs>;

describe('input value types', () => {
  it('gives each input the type of its value', () => {
    expectTypeOf<Params['name']>().toEqualTypeOf<string>();
    expectTypeOf<Params['notes']>().toEqualTypeOf<string>();
    expectTypeOf<Params['secret']>().toEqualTypeOf<string>();
    expectTypeOf<Params['dryRun']>().toEqualTypeOf<boolean>();
    expectTypeOf<Params['limit']>().toEqualTypeOf<number>();
    expectTypeOf<Params['query']>().toEqualTypeOf<string>();
    expectTypeOf<Params['since']>().toEqualTypeOf<string>();
    expectTypeOf<Params['at']>().toEqualTypeOf<string>();
    expectTypeOf<Params['level']>().toEqualTypeOf<string>();
    expectTypeOf<Params['connection']>().toEqualTypeOf<Connection>();
    expectTypeOf<Params['headers']>().toEqualTypeOf<KeyValuePair[]>();
    expectTypeOf<Params['tags']>().toEqualTypeOf<string[]>();
    expectTypeOf<Params['sizes']>().toEqualTypeOf<number[]>();
    expectTypeOf<Params['file']>().toEqualTypeOf<unknown>();
    expectTypeOf<Params['form']>().toEqualTypeOf<unknown>();
    expectTypeOf<Params['objects']>().toEqualTypeOf<ObjectSelection>();
    expectTypeOf<Params['fieldMap']>().toEqualTypeOf<ObjectFieldMap>();
    expectTypeOf<Params['channel']>().toEqualTypeOf<string>();
  });

  it("gives an input with a clean function the clean function's return type", () => {
    expectTypeOf<Params['page']>().toEqualTypeOf<number>();
    expectTypeOf<Params['body']>().toEqualTypeOf<DataPayload>();
    expectTypeOf<Params['when']>().toEqualTypeOf<Date>();
    expectTypeOf<Params['fields']>().toEqualTypeOf<Record<string, string>>();
    expectTypeOf<Params['account']>().toEqualTypeOf<Connection>();
  });

  it('types perform parameters, so that a wrong use does not compile', async () => {
    const send = action({
      display: { label: 'Send', description: 'Sends' },
      inputs: {
        to: input({ label: 'To', type: 'string', required: true }),
        urgent: input({ label: 'Urgent', type: 'boolean' }),
        retries: input({ label: 'Retries', type: 'string', clean: util.types.toInt }),
      },
      perform: async (_context, params) => {
        const to: string = params.to;
        const retries: number = params.retries;
        // @ts-expect-error: `urgent` is a boolean input, not text
        const urgent: string = params.urgent;
        // @ts-expect-error: no input is called `too` (a typo)
        params.too;
        return { data: { to, retries, urgent } };
      },
    });
    // @ts-expect-error: the action has no input `retires` (a typo of `retries`)
    const answer = await invokeAction(send, { to: 'ada@example.test', retires: '2' });
    expect(answer.result?.data).toEqual({ to: 'ada@example.test', retries: 0, urgent: undefined });
  });

  it('rejects input declarations that are not inputs', () => {
    // @ts-expect-error: `colour` is not an input type
    input({ label: 'Colour', type: 'colour' });
    // @ts-expect-error: a collection is a valuelist or a keyvaluelist
    input({ label: 'Tags', type: 'string', collection: 'list' });
  });

  it('types data source results by their dataSourceType', async () => {
    const channels = dataSource({
      display: { label: 'Channels', description: 'Lists channels' },
      dataSourceType: 'picklist',
      inputs: { archived: input({ label: 'Archived', type: 'boolean' }) },
      perform: async (_context, { archived }) => ({
        result: archived ? [{ key: 'old', label: 'Old' }] : [{ key: 'general', label: 'General' }],
      }),
    });
    const { result } = await invokeDataSource(channels, { archived: true });
    expectTypeOf(result).toEqualTypeOf<DataSourceResult<'picklist'>>();
    expectTypeOf(result.result).toEqualTypeOf<string[] | Element[]>();
    expect(result.result).toEqual([{ key: 'old', label: 'Old' }]);
    dataSource({
      display: { label: 'Count', description: 'Counts' },
      dataSourceType: 'number',
      inputs: {},
      // @ts-expect-error: a number data source returns a number
      perform: async () => ({ result: 'three' }),
    });
  });

  it("gives a polling trigger its poll action's inputs and a typed invokeAction", () => {
    const list = action({
      display: { label: 'List', description: 'Lists' },
      inputs: { since: input({ label: 'Since', type: 'string', clean: util.types.toInt }) },
      perform: async (_context, { since }) => ({ data: [since] }),
    });
    pollingTrigger({
      display: { label: 'Poll', description: 'Polls' },
      pollAction: list,
      inputs: { pageSize: input({ label: 'Page Size', type: 'number' }) },
      perform: async (context, payload, params) => {
        expectTypeOf(params.pageSize).toEqualTypeOf<number>();
        expectTypeOf(params.since).toEqualTypeOf<number>();
        expectTypeOf(context.polling.getState()).toEqualTypeOf<Record<string, unknown>>();
        await context.polling.invokeAction({ since: 3 });
        // @ts-expect-error: the poll action's `since` is a number once cleaned
        await context.polling.invokeAction({ since: 'three' });
        return { payload, polledNoChanges: true };
      },
    });
    trigger({
      display: { label: 'Webhook', description: 'Receives' },
      inputs: {},
      // @ts-expect-error: only polling triggers get context.polling
      perform: async (context, payload) => ({ payload: context.polling ? payload : payload }),
    });
  });
});
