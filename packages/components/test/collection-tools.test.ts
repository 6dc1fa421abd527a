import fs from 'node:fs';
import vm from 'node:vm';
import { type ActionContext, componentManifest, invokeAction } from '@weft/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CollectionCodeRunner,
  codeSandboxMissingMessage,
  collectionToolsComponent,
  missingSandboxRunner,
  setCollectionCodeRunner,
} from '../src/components/collection-tools.js';
import { collectionTools } from './fixtures/catalog/collection-tools.js';
import { itDescribesEveryActionAndInput } from './support/component-checks.js';

async function invoke(action: string, params: Record<string, unknown>, context: Partial<ActionContext> = {}) {
  return (await invokeAction(collectionToolsComponent, action, params, context)).result;
}
async function run(action: string, params: Record<string, unknown>): Promise<unknown> {
  return (await invoke(action, params))?.data;
}

/** A stand-in for the code sandbox in these tests: a fresh VM context per call (never the host's globals). */
const calls: string[] = [];
const vmRunner: CollectionCodeRunner = async (code, args) => {
  calls.push(code);
  const fn = vm.runInNewContext(`(${code})`, {}, { timeout: 1000 }) as (...args: unknown[]) => unknown;
  // Results cross the VM boundary as JSON, as they would from a real sandbox.
  return JSON.parse(JSON.stringify(fn(...args)));
};

afterEach(() => {
  setCollectionCodeRunner();
  calls.length = 0;
});

const people = [
  { name: 'Ada', age: 36 },
  { name: 'Grace', age: 85 },
  { name: 'Alan', age: 41 },
];

describe('collection-tools component', () => {
  it('has exactly the manifest of the built-in catalog', () => {
    expect(componentManifest(collectionToolsComponent)).toEqual({
      ...collectionTools,
      connections: {},
      dataSources: {},
    });
  });

  itDescribesEveryActionAndInput(collectionToolsComponent);

  it.each<[string, Record<string, unknown>, unknown]>([
    ['addKey', { object: { a: 1 }, key: 'b', value: 2 }, { a: 1, b: 2 }],
    [
      'addKey',
      {
        object: { employee: { contact: { phone: '1' } } },
        key: 'email',
        value: 'e@x.test',
        objectPath: 'employee.contact',
      },
      { employee: { contact: { phone: '1', email: 'e@x.test' } } },
    ],
    [
      'addKey',
      { object: '{"a":1}', key: 'x', value: { y: true }, objectPath: 'deep.er' },
      { a: 1, deep: { er: { x: { y: true } } } },
    ],
    ['addKey', { key: 'only', value: 'one' }, { only: 'one' }],
    [
      'addMultipleKeys',
      {
        object: { a: 1 },
        keyValues: [
          { key: 'b', value: 2 },
          { key: 'c', value: [3] },
        ],
      },
      { a: 1, b: 2, c: [3] },
    ],
    [
      'addMultipleKeys',
      {
        object: { a: 1 },
        dynamicKeyValues: { d: 4 },
        keyValues: [{ key: 'b', value: 2 }],
        objectPath: 'nested',
      },
      { a: 1, nested: { d: 4 } },
    ],
    // The input names Prismatic's exports write.
    [
      'addMultipleKeys',
      {
        object: { a: 1 },
        dynamicFields: '',
        keyValueListInput: [
          { key: 'b', value: 2 },
          { key: 'c', value: 'three' },
        ],
      },
      { a: 1, b: 2, c: 'three' },
    ],
    ['addMultipleKeys', { object: {}, dynamicFields: { e: 5 }, keyValueListInput: [] }, { e: 5 }],
    ['aggregate', { listInput: [1, '2', 3, 4], aggregateFunction: 'SUM' }, 10],
    ['aggregate', { listInput: [1, 2, 3, 4], aggregateFunction: 'average' }, 2.5],
    ['aggregate', { listInput: [1, 2, 3, 4], aggregateFunction: 'Count' }, 4],
    ['aggregate', { listInput: [5, 1, 9], aggregateFunction: 'MAX' }, 9],
    ['aggregate', { listInput: [5, 1, 9], aggregateFunction: 'MIN' }, 1],
    ['aggregate', { listInput: [2, 3, 4], aggregateFunction: 'PRODUCT' }, 24],
    ['aggregate', { listInput: [7, 1, 3], aggregateFunction: 'MEDIAN' }, 3],
    ['aggregate', { listInput: [7, 1, 3, 5], aggregateFunction: 'MEDIAN' }, 4],
    ['aggregate', { listInput: [], aggregateFunction: 'SUM' }, 0],
    ['append', { listInput: [1, 2, 3], elementInput: 4 }, [1, 2, 3, 4]],
    [
      'chunks',
      { listInput: [1, 2, 3, 4, 5, 6, 7, 8], numberInput: '3' },
      [
        [1, 2, 3],
        [4, 5, 6],
        [7, 8],
      ],
    ],
    ['chunks', { listInput: [1, 2] }, [[1], [2]]],
    ['chunks', { listInput: [], numberInput: '5' }, []],
    [
      'combineCollections',
      {
        collections: [
          { key: 'Customer', value: { Name: 'Acme' } },
          { key: 'Account', value: { Id: 1 } },
        ],
      },
      { Customer: { Name: 'Acme' }, Account: { Id: 1 } },
    ],
    ['concatenate', { listInput: [1, 2], secondListInput: [3, [4]] }, [1, 2, 3, [4]]],
    ['count', { listInput: [1, { a: 1 }, 1, { a: 1 }, '1'], elementInput: { a: 1 } }, 2],
    ['count', { listInput: [1, 2, 1], elementInput: 1 }, 2],
    ['create', { items: ['a', 2, { b: 3 }] }, ['a', 2, { b: 3 }]],
    ['create', {}, []],
    [
      'createObject',
      {
        keyValueInput: [
          { key: 'first', value: 'Ada' },
          { key: 'age', value: 36 },
          { key: 'first', value: 'A.' },
        ],
      },
      { first: 'A.', age: 36 },
    ],
    ['createObject', { keyValueInput: [{ name: 'legacy', value: true }] }, { legacy: true }],
    ['deduplicate', { listInput: [1, 2, 1, { a: [1] }, { a: [1] }, '1'] }, [1, 2, { a: [1] }, '1']],
    [
      'fieldValueMapping',
      { keyMappings: ['id', 'name'], valueMappings: [7, 'Ada'] },
      [
        { key: 'id', value: 7 },
        { key: 'name', value: 'Ada' },
      ],
    ],
    [
      'fieldValueMapping',
      { keyMappings: { a: 'Id', b: 'Name' }, valueMappings: { a: 7, b: 'Ada' } },
      [
        { key: 'Id', value: 7 },
        { key: 'Name', value: 'Ada' },
      ],
    ],
    ['filter', { listInput: [1, 2, 3] }, [1, 2, 3]],
    ['first', { listInput: ['a', 'b'] }, 'a'],
    ['first', { listInput: [] }, null],
    ['flatten', { listInput: [[1, 2], 3, [4, [5]]] }, [1, 2, 3, 4, [5]]],
    [
      'toObject',
      {
        keyValueListInput: [
          { key: 'a', value: 1 },
          { key: 'b', value: 2 },
        ],
      },
      { a: 1, b: 2 },
    ],
    ['last', { listInput: ['a', 'b'] }, 'b'],
    ['last', { listInput: [] }, null],
    ['length', { listInput: [1, 2, 3] }, 3],
    ['length', { listInput: '[1, 2]' }, 2],
    ['map', { listInput: [1, 2] }, [1, 2]],
    [
      'fromObject',
      { objectInput: { a: 1, b: [2] } },
      [
        { key: 'a', value: 1 },
        { key: 'b', value: [2] },
      ],
    ],
    ['remove', { listInput: [1, 2, 1, { a: 1 }], elementInput: 1 }, [2, { a: 1 }]],
    ['selectItemFromList', { listInput: ['a', 'b', 'c'], index: '1' }, 'b'],
    ['selectItemFromList', { listInput: ['a', 'b', 'c'], index: '-1' }, 'c'],
    ['takeFirst', { listInput: [1, 2, 3, 4], numberInput: '2' }, [1, 2]],
    ['takeFirst', { listInput: [1, 2], numberInput: '5' }, [1, 2]],
    ['takeLast', { listInput: [1, 2, 3, 4], numberInput: '2' }, [3, 4]],
    ['takeLast', { listInput: [1, 2, 3, 4] }, [4]],
  ])('%s(%j)', async (action, params, expected) => {
    expect(await run(action, params)).toEqual(expected);
  });

  it('does not change the object it adds to', async () => {
    const object = { a: { b: 1 } };
    await run('addKey', { object, key: 'c', value: 2, objectPath: 'a' });
    expect(object).toEqual({ a: { b: 1 } });
  });

  it('runs filter, map, sort and a filtered aggregate through the code runner', async () => {
    setCollectionCodeRunner(vmRunner);
    expect(await run('filter', { listInput: people, filterCodeInput: '(item) => item.age > 40' })).toEqual([
      people[1],
      people[2],
    ]);
    expect(
      await run('filter', {
        listInput: [10, 20, 30],
        filterCodeInput: 'function (item, index) { return index !== 1; };',
      }),
    ).toEqual([10, 30]);
    expect(
      await run('map', {
        listInput: people,
        mapCodeInput: '(item, index, context) => context.prefix + index + ":" + item.name',
        contextData: { prefix: '#' },
      }),
    ).toEqual(['#0:Ada', '#1:Grace', '#2:Alan']);
    // Prismatic's names for the function and the context.
    expect(
      await run('map', {
        listInput: people,
        transformCodeInput: '(item, index, context) => context.prefix + item.name',
        contextInput: { prefix: '@' },
      }),
    ).toEqual(['@Ada', '@Grace', '@Alan']);
    expect(
      await run('map', {
        listInput: people,
        mapCodeInput: '(item) => item.age',
        filterCodeInput: '(item) => item.name.startsWith("A")',
      }),
    ).toEqual([36, 41]);
    expect(await run('sort', { listInput: people, sortCodeInput: '(a, b) => a.age - b.age' })).toEqual([
      people[0],
      people[2],
      people[1],
    ]);
    expect(await run('sort', { listInput: [{ prop: 'b' }, { prop: 'a' }] })).toEqual([
      { prop: 'a' },
      { prop: 'b' },
    ]);
    expect(
      await run('aggregate', {
        listInput: [1, 2, 3, 4],
        aggregateFunction: 'SUM',
        filterCodeInput: '(n) => n % 2 === 0',
      }),
    ).toBe(6);
    expect(calls.every((code) => code.startsWith('(items'))).toBe(true);
  });

  it('reports errors of user functions', async () => {
    setCollectionCodeRunner(vmRunner);
    await expect(
      run('filter', { listInput: [1], filterCodeInput: '(item) => item.missing.deeper' }),
    ).rejects.toThrow('the filter function failed: ');
    await expect(run('sort', { listInput: [1, 2], sortCodeInput: '' })).rejects.toThrow(
      'sortCodeInput is empty; give a JavaScript function',
    );
  });

  it('needs the code sandbox for functions, and keeps working without it for default filters', async () => {
    await expect(missingSandboxRunner('() => 1', [])).rejects.toThrow(codeSandboxMissingMessage);
    expect(await run('aggregate', { listInput: [1, 2], aggregateFunction: 'SUM' })).toBe(3);
    expect(await run('filter', { listInput: [1, 2], filterCodeInput: '(value, index) => true' })).toEqual([
      1, 2,
    ]);
    const sandboxPresent = fs.existsSync(new URL('../src/code/sandbox.ts', import.meta.url));
    const filtered = run('filter', { listInput: [1, 2, 3], filterCodeInput: '(item) => item > 1' });
    if (sandboxPresent) await expect(filtered).resolves.toEqual([2, 3]);
    else await expect(filtered).rejects.toThrow(codeSandboxMissingMessage);
  });

  it('processes items in order across executions', async () => {
    let instanceState: Record<string, unknown> = {};
    const receive = async (itemIndex: string, item: unknown) => {
      const result = await invoke(
        'processInOrder',
        { collectionId: 'batch-1', collectionLength: '3', itemIndex, item },
        { instanceState },
      );
      instanceState = result?.instanceState ?? instanceState;
      return result?.data as { ready: unknown[]; complete: boolean; waiting: number };
    };
    expect(await receive('1', 'b')).toMatchObject({ ready: [], complete: false, waiting: 1 });
    expect(await receive('0', 'a')).toMatchObject({ ready: ['a', 'b'], complete: false, waiting: 0 });
    await expect(receive('0', 'again')).rejects.toThrow(
      "item 0 of collection 'batch-1' was already received",
    );
    expect(await receive('2', 'c')).toMatchObject({ ready: ['c'], complete: true, waiting: 0 });
    expect(instanceState).toEqual({});
  });

  it('validates JSON against a JSON schema', async () => {
    const jsonSchema = JSON.stringify({
      type: 'object',
      required: ['id', 'email'],
      properties: { id: { type: 'integer' }, email: { type: 'string', format: 'email' } },
    });
    expect(await run('validateJsonSchema', { jsonInput: { id: 1, email: 'a@b.test' }, jsonSchema })).toEqual({
      valid: true,
      errors: [],
    });
    const invalid = (await run('validateJsonSchema', {
      jsonInput: '{"id": "x", "email": "nope"}',
      jsonSchema,
    })) as {
      valid: boolean;
      errors: Array<{ path: string; message: string }>;
    };
    expect(invalid.valid).toBe(false);
    expect(invalid.errors.map((error) => error.path).sort()).toEqual(['/email', '/id']);
    const draft2020 = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'number' }],
    };
    expect(await run('validateJsonSchema', { jsonInput: [1], jsonSchema: draft2020 })).toEqual({
      valid: true,
      errors: [],
    });
    expect(
      ((await run('validateJsonSchema', { jsonInput: ['x'], jsonSchema: draft2020 })) as { valid: boolean })
        .valid,
    ).toBe(false);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'length',
      { listInput: 'abc' },
      "listInput must be a list (an array, usually a reference to an earlier step's result); got 'abc'",
    ],
    ['first', { listInput: { a: 1 } }, 'listInput must be a list'],
    ['length', { listInput: '[1, 2' }, 'listInput looks like JSON but does not parse'],
    ['chunks', { listInput: [1], numberInput: '0' }, 'numberInput must be at least 1; got 0'],
    [
      'takeFirst',
      { listInput: [1], numberInput: 'two' },
      "numberInput must be a number (such as 42 or -3.5); 'two' is not",
    ],
    [
      'aggregate',
      { listInput: [1], aggregateFunction: 'MODE' },
      "aggregateFunction must be one of AVERAGE, COUNT, MAX, MIN, SUM, PRODUCT, MEDIAN; 'MODE' is not",
    ],
    ['aggregate', { listInput: [1], aggregateFunction: 'constructor' }, 'aggregateFunction must be one of'],
    [
      'aggregate',
      { listInput: [1, 'x'], aggregateFunction: 'SUM' },
      "listInput[1] must be a number (such as 42 or -3.5); 'x' is not",
    ],
    ['aggregate', { listInput: [], aggregateFunction: 'MAX' }, 'MAX of an empty list has no value'],
    [
      'addKey',
      { object: [1], key: 'a', value: 1 },
      'object must be an object (key/value pairs); got a list of 1 element',
    ],
    ['addKey', { object: { a: 1 }, key: '', value: 1 }, 'key must not be empty'],
    [
      'addKey',
      { object: { a: 1 }, key: 'k', value: 1, objectPath: 'a.b' },
      "objectPath 'a.b': a is 1, not an object",
    ],
    [
      'createObject',
      { keyValueInput: [{ value: 1 }] },
      'keyValueInput: element 0 must be a {key, value} pair',
    ],
    [
      'fieldValueMapping',
      { keyMappings: ['a', 'b'], valueMappings: [1] },
      'keyMappings has 2 elements but valueMappings has 1',
    ],
    ['selectItemFromList', { listInput: ['a'], index: '3' }, 'index 3 is outside the list of 1 elements'],
    ['fromObject', { objectInput: 'text' }, "objectInput must be an object (key/value pairs); got 'text'"],
    [
      'processInOrder',
      { collectionId: 'c', collectionLength: '2', itemIndex: '2', item: 1 },
      'itemIndex 2 is outside the collection of 2 items',
    ],
    [
      'validateJsonSchema',
      { jsonInput: {}, jsonSchema: '{"type": "nonsense"}' },
      'jsonSchema is not a valid JSON schema',
    ],
    [
      'validateJsonSchema',
      { jsonInput: {}, jsonSchema: 'not json' },
      "jsonSchema must be a JSON schema (an object, or JSON text of one); got 'not json'",
    ],
    [
      'validateXmlSchema',
      { xmlInput: '<a/>', xmlSchema: '<xs:schema/>' },
      'XML schema (XSD) validation is not available in Weft yet',
    ],
  ])('%s rejects %j', async (action, params, message) => {
    await expect(run(action, params)).rejects.toThrow(message);
  });
});
