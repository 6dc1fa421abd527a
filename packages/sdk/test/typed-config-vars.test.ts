// `context.configVars` is typed from the project's config pages, as in Spectral: the project augments
// IntegrationDefinitionConfigPages with `typeof configPages`. This is the only file of the test program that does
// (an augmentation applies to the whole program): the other SDK tests do not read config variables by name.
// `npm run lint` type-checks this file, so each `@ts-expect-error` below must stay an error.
import { describe, expect, it } from 'vitest';
import {
  type ActionContext,
  type ConfigPages,
  type ConfigVars,
  type Connection,
  configPage,
  configVar,
  connectionConfigVar,
  dataSourceConfigVar,
  flow,
  integration,
  type Schedule,
} from '../src/index.js';

const configPages = {
  Connections: configPage({
    elements: {
      'Acme Connection': connectionConfigVar({
        stableKey: 'acme-connection',
        dataType: 'connection',
        inputs: { apiKey: { label: 'API Key', type: 'password', required: true } },
      }),
    },
  }),
  Settings: configPage({
    elements: {
      '<p>How often to sync</p>': '<p>How often to sync</p>',
      'Sync Schedule': configVar({ stableKey: 'sync-schedule', dataType: 'schedule' }),
      'Dry Run': configVar({ stableKey: 'dry-run', dataType: 'boolean', defaultValue: false }),
      'Batch Size': configVar({ stableKey: 'batch-size', dataType: 'number', defaultValue: 50 }),
      Region: configVar({ stableKey: 'region', dataType: 'picklist', pickList: ['us', 'eu'] }),
      Tags: configVar({ stableKey: 'tags', dataType: 'string', collectionType: 'valuelist' }),
      Channel: dataSourceConfigVar({
        stableKey: 'channel',
        dataSourceType: 'picklist',
        perform: async () => ({ result: ['general', 'random'] }),
      }),
    },
  }),
};

type TConfigPages = ConfigPages<typeof configPages>;

declare module '../src/index.js' {
  interface IntegrationDefinitionConfigPages extends TConfigPages {}
}

/** Compile-time equality: only `true` when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_proof?: T): void {}

const syncFlow = flow({
  name: 'Sync',
  stableKey: 'sync',
  schedule: { configVar: 'Sync Schedule' },
  onExecution: async (context) => {
    const connection: Connection = context.configVars['Acme Connection'];
    const dryRun: boolean = context.configVars['Dry Run'];
    const batchSize: number = context.configVars['Batch Size'];
    const region: string = context.configVars.Region;
    const tags: string[] = context.configVars.Tags;
    const channel: string = context.configVars.Channel;
    const schedule: Schedule = context.configVars['Sync Schedule'];
    // @ts-expect-error: no config page declares "Acme Conection" (a typo)
    context.configVars['Acme Conection'];
    // @ts-expect-error: "Dry Run" is a boolean config variable, not a number
    const wrong: number = context.configVars['Dry Run'];
    // @ts-expect-error: HTML elements of a page are not config variables
    context.configVars['<p>How often to sync</p>'];
    return { data: { connection, dryRun, batchSize, region, tags, channel, schedule, wrong } };
  },
});

describe('typed config variables', () => {
  it('types context.configVars from the augmented config pages', () => {
    assertType<Equal<ConfigVars['Dry Run'], boolean>>();
    assertType<Equal<ConfigVars['Batch Size'], number>>();
    assertType<Equal<ConfigVars['Acme Connection'], Connection>>();
    assertType<Equal<ConfigVars['Tags'], string[]>>();
    assertType<Equal<keyof ConfigVars, keyof ActionContext<ConfigVars>['configVars']>>();
    assertType<
      Equal<
        keyof ConfigVars,
        'Acme Connection' | 'Sync Schedule' | 'Dry Run' | 'Batch Size' | 'Region' | 'Tags' | 'Channel'
      >
    >();
  });

  it('compiles the typed project like any other', () => {
    const component = integration({ name: 'Typed', flows: [syncFlow], configPages });
    expect(Object.keys(component.actions)).toEqual(['sync_onExecution']);
  });
});
