/**
 * The `collection-tools` built-in: operations on lists and objects.
 *
 * Filter, map, sort and a filtered aggregate take JavaScript functions as text. Those never run in the host: they
 * go to the code sandbox (`../code/sandbox.js`, `runSandboxedFunction`) when it is present, or to a runner given
 * with `setCollectionCodeRunner`; without either they fail with "code-based collection actions need the code
 * sandbox". A filter left at its default (`(item, index) => { return true; }`) needs no sandbox.
 */
import { action, type Component, component, input } from '@weft/sdk';
import Ajv from 'ajv';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  deepEqual,
  describeValue,
  isBlank,
  isPlainObject,
  ownValue,
  type PlainObject,
  parseJsonText,
  toInteger,
  toList,
  toNumber,
  toObject,
  toPairs,
  toText,
} from './support-values.js';

// ---------------------------------------------------------------------------------------------------------------
// Running user functions in the sandbox.

/** Runs `code` (the source of a function) with `args` in a sandbox and returns its result. */
export type CollectionCodeRunner = (code: string, args: unknown[]) => Promise<unknown>;

export const codeSandboxMissingMessage = 'code-based collection actions need the code sandbox';

let injectedRunner: CollectionCodeRunner | undefined;

/** Sets (or, with no argument, clears) the runner of filter/map/sort functions, in place of the code sandbox. */
export function setCollectionCodeRunner(runner?: CollectionCodeRunner): void {
  injectedRunner = runner;
}

/** The runner used when there is no sandbox: it refuses. */
export const missingSandboxRunner: CollectionCodeRunner = async () => {
  throw new Error(
    `${codeSandboxMissingMessage}, which is not installed in this build; use a Code step, or an action without a function`,
  );
};

async function codeRunner(): Promise<CollectionCodeRunner> {
  if (injectedRunner) return injectedRunner;
  // A variable specifier: the sandbox module is optional, so the compiler must not require it.
  const specifier = '../code/sandbox.js';
  let sandbox: { runSandboxedFunction?: (code: string, args: unknown[], limits?: unknown) => unknown };
  try {
    sandbox = (await import(specifier)) as typeof sandbox;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = String((error as Error).message ?? error);
    if (
      code === 'ERR_MODULE_NOT_FOUND' ||
      /cannot find module|failed to load url|does not exist/i.test(message)
    )
      return missingSandboxRunner;
    return async () => {
      throw new Error(`${codeSandboxMissingMessage}, which failed to load: ${message}`);
    };
  }
  const run = sandbox.runSandboxedFunction;
  if (typeof run !== 'function') return missingSandboxRunner;
  return async (code, args) => run(code, args);
}

/** The source of a user function, ready to be wrapped: trimmed, without a trailing semicolon. */
function functionSource(value: unknown, what: string): string {
  const source = toText(value, what)
    .trim()
    .replace(/;+\s*$/, '');
  if (source === '')
    throw new Error(`${what} is empty; give a JavaScript function such as (item, index) => true`);
  return source;
}

/** True for a function that keeps every element (the default filter) or an empty filter input. */
function keepsEverything(value: unknown): boolean {
  if (isBlank(value)) return true;
  if (typeof value !== 'string') return false;
  return /^\(?\s*[\w$]*\s*(?:,\s*[\w$]+\s*)*\)?\s*=>\s*(?:\{\s*return\s+true\s*;?\s*\}|true)\s*;?$/.test(
    value.trim(),
  );
}

/** True for the default map function, which returns each element as it is. */
function returnsItem(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const match =
    /^\(\s*([\w$]+)\s*(?:,\s*[\w$]+\s*)*\)\s*=>\s*(?:\{\s*return\s+([\w$]+)\s*;?\s*\}|([\w$]+))\s*;?$/.exec(
      value.trim(),
    );
  return Boolean(match && (match[2] ?? match[3]) === match[1]);
}

async function runCollectionCode(code: string, args: unknown[], what: string): Promise<unknown> {
  const runner = await codeRunner();
  try {
    return await runner(code, args);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    if (message.startsWith(codeSandboxMissingMessage)) throw error;
    throw new Error(`${what} failed: ${message}`);
  }
}

async function filterWithCode(list: unknown[], filterCode: unknown): Promise<unknown[]> {
  if (keepsEverything(filterCode)) return list;
  const source = functionSource(filterCode, 'filterCodeInput');
  const wrapper = `(items) => { const keep = (${source}); return items.filter((item, index) => Boolean(keep(item, index))); }`;
  const result = await runCollectionCode(wrapper, [list], 'the filter function');
  if (!Array.isArray(result)) throw new Error('the filter function did not produce a list');
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Inputs.

const listInput = input({
  label: 'List',
  type: 'data',
  comments: "The list (array) to operate on, usually a reference to an earlier step's result.",
});
const countInput = input({
  label: 'Number of Elements',
  type: 'string',
  default: '1',
  comments: 'How many elements: a whole number, at least 1.',
});
const filterCodeInput = input({
  label: 'Filter Function',
  type: 'code',
  language: 'javascript',
  default: '(item, index) => { return true; }',
  comments:
    'A JavaScript function (item, index) => boolean; elements for which it returns false are left out. Runs in the code sandbox.',
});
const elementInput = input({ label: 'Element', type: 'data', comments: 'The element to look for or add.' });
const objectInput = input({
  label: 'Object',
  type: 'data',
  comments: 'The object to add to (a reference to a step result, or JSON text). It is copied, not changed.',
});
const objectPathInput = input({
  label: 'Insert Path',
  type: 'string',
  comments:
    'Optional dot-separated path of the nested object to add to, such as employee.contact; missing objects are created.',
});

function list(value: unknown, what = 'listInput'): unknown[] {
  return toList(value, what);
}

function count(value: unknown): number {
  return isBlank(value) ? 1 : toInteger(value, 'numberInput', 1);
}

/** A deep copy of JSON-like data (objects, lists, primitives). */
function copy<T>(value: T): T {
  return structuredClone(value);
}

/** The object at `path` inside `root` (created as needed); an empty path is the root. */
function objectAtPath(root: PlainObject, path: unknown): PlainObject {
  if (isBlank(path)) return root;
  let current = root;
  const segments = toText(path, 'objectPath').split('.');
  segments.forEach((segment, index) => {
    if (segment === '') throw new Error(`objectPath '${String(path)}' has an empty segment`);
    const next = current[segment];
    if (next === undefined || next === null) current[segment] = {};
    else if (!isPlainObject(next))
      throw new Error(
        `objectPath '${String(path)}': ${segments.slice(0, index + 1).join('.')} is ${describeValue(next)}, not an object`,
      );
    current = current[segment] as PlainObject;
  });
  return current;
}

function pairsToObject(value: unknown, what: string): PlainObject {
  const result: PlainObject = {};
  for (const { key, value: entry } of toPairs(value, what)) result[key] = entry;
  return result;
}

const aggregateFunctions: Record<string, (values: unknown[]) => number> = {
  AVERAGE: (values) => sum(numbers(values)) / nonEmpty(values, 'AVERAGE').length,
  COUNT: (values) => values.length,
  MAX: (values) => Math.max(...numbers(nonEmpty(values, 'MAX'))),
  MIN: (values) => Math.min(...numbers(nonEmpty(values, 'MIN'))),
  SUM: (values) => sum(numbers(values)),
  PRODUCT: (values) => numbers(values).reduce((product, n) => product * n, 1),
  MEDIAN: (values) => {
    const sorted = numbers(nonEmpty(values, 'MEDIAN')).sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  },
};
const aggregateAliases: Record<string, string> = { AVG: 'AVERAGE', MEAN: 'AVERAGE', TOTAL: 'SUM' };

function numbers(values: unknown[]): number[] {
  return values.map((value, index) => toNumber(value, `listInput[${index}]`));
}
function sum(values: number[]): number {
  return values.reduce((total, n) => total + n, 0);
}
function nonEmpty(values: unknown[], name: string): unknown[] {
  if (values.length === 0)
    throw new Error(`${name} of an empty list has no value; give at least one element`);
  return values;
}

/** A JSON schema input (an object, or JSON text), validated with ajv (draft-07, or 2020-12 when it says so). */
function validatorFor(schemaValue: unknown) {
  const schema = parseJsonText(schemaValue, 'jsonSchema');
  if (!isPlainObject(schema) && typeof schema !== 'boolean')
    throw new Error(
      `jsonSchema must be a JSON schema (an object, or JSON text of one); got ${describeValue(schemaValue)}`,
    );
  const draft2020 =
    isPlainObject(schema) && typeof schema.$schema === 'string' && /2019-09|2020-12/.test(schema.$schema);
  const options = { allErrors: true, strict: false };
  const ajv = draft2020 ? new Ajv2020.default(options) : new Ajv.default(options);
  addFormats.default(ajv as never);
  try {
    return ajv.compile(schema as object);
  } catch (error) {
    throw new Error(`jsonSchema is not a valid JSON schema: ${(error as Error).message}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------

export const collectionToolsComponent: Component = component({
  key: 'collection-tools',
  public: true,
  display: { label: 'Collection Tools', description: 'Common operations on lists and objects.' },
  actions: {
    addKey: action({
      display: {
        label: 'Add Key/Value to Object',
        description: 'Add a value to an object under the given key.',
      },
      inputs: {
        object: objectInput,
        key: input({ label: 'Key', type: 'string', comments: 'The key to add (replaced when it exists).' }),
        value: input({ label: 'Value', type: 'data', comments: 'The value to store under the key.' }),
        objectPath: objectPathInput,
      },
      perform: async (_context, params) => {
        const result = copy(isBlank(params.object) ? {} : toObject(params.object, 'object'));
        const key = toText(params.key, 'key');
        if (key === '') throw new Error('key must not be empty');
        objectAtPath(result, params.objectPath)[key] = params.value;
        return { data: result };
      },
    }),
    addMultipleKeys: action({
      display: {
        label: 'Add Multiple Key/Values to Object',
        description: 'Add several key/value pairs to an object.',
      },
      inputs: {
        object: objectInput,
        objectPath: objectPathInput,
        // Prismatic's input names (dynamicFields, keyValueListInput) as its exports write them; the earlier names
        // (dynamicKeyValues, keyValues) keep working for definitions written with them.
        dynamicFields: input({
          label: 'Dynamic Key/Values',
          type: 'data',
          comments:
            'A list of {key, value} pairs or an object to add (a reference to a step result); used instead of Key/Values when given.',
        }),
        keyValueListInput: input({
          label: 'Key/Values',
          type: 'data',
          collection: 'keyvaluelist',
          comments: 'The keys and values to add.',
        }),
        dynamicKeyValues: input({
          label: 'Dynamic Key/Values (earlier name)',
          type: 'data',
          comments: 'The same as Dynamic Key/Values (dynamicFields).',
        }),
        keyValues: input({
          label: 'Key/Values (earlier name)',
          type: 'data',
          collection: 'keyvaluelist',
          comments: 'The same as Key/Values (keyValueListInput).',
        }),
      },
      perform: async (_context, params) => {
        const result = copy(isBlank(params.object) ? {} : toObject(params.object, 'object'));
        const target = objectAtPath(result, params.objectPath);
        const pairs = !isBlank(params.dynamicFields)
          ? toPairs(params.dynamicFields, 'dynamicFields')
          : !isBlank(params.dynamicKeyValues)
            ? toPairs(params.dynamicKeyValues, 'dynamicKeyValues')
            : [
                ...toPairs(params.keyValueListInput, 'keyValueListInput'),
                ...toPairs(params.keyValues, 'keyValues'),
              ];
        for (const { key, value } of pairs) target[key] = value;
        return { data: result };
      },
    }),
    aggregate: action({
      display: {
        label: 'Aggregate',
        description: 'Apply an aggregate function (AVERAGE, COUNT, MAX, MIN, SUM, ...) to a list.',
      },
      inputs: {
        listInput,
        aggregateFunction: input({
          label: 'Aggregate Function',
          type: 'string',
          comments: 'One of AVERAGE, COUNT, MAX, MIN, SUM, PRODUCT, MEDIAN (any case).',
        }),
        filterCodeInput,
      },
      perform: async (_context, params) => {
        const name = toText(params.aggregateFunction, 'aggregateFunction').trim().toUpperCase();
        const fn = ownValue(aggregateFunctions, ownValue(aggregateAliases, name) ?? name);
        if (!fn)
          throw new Error(
            `aggregateFunction must be one of ${Object.keys(aggregateFunctions).join(', ')}; ${describeValue(params.aggregateFunction)} is not`,
          );
        const values = await filterWithCode(list(params.listInput), params.filterCodeInput);
        return { data: fn(values) };
      },
    }),
    append: action({
      display: { label: 'Append', description: 'Append an element to the end of a list.' },
      inputs: { listInput, elementInput },
      perform: async (_context, params) => ({ data: [...list(params.listInput), params.elementInput] }),
    }),
    chunks: action({
      display: { label: 'Chunks', description: 'Split a list into lists of the given number of elements.' },
      inputs: { listInput, numberInput: countInput },
      perform: async (_context, params) => {
        const items = list(params.listInput);
        const size = count(params.numberInput);
        const chunks: unknown[][] = [];
        for (let start = 0; start < items.length; start += size)
          chunks.push(items.slice(start, start + size));
        return { data: chunks };
      },
    }),
    combineCollections: action({
      display: { label: 'Combine Collection (Deprecated)', description: 'Replaced by Create Object.' },
      inputs: {
        collections: input({
          label: 'Collections',
          type: 'data',
          collection: 'keyvaluelist',
          comments: 'Each key becomes a property of the result, holding its collection.',
        }),
      },
      perform: async (_context, params) => ({ data: pairsToObject(params.collections, 'collections') }),
    }),
    concatenate: action({
      display: { label: 'Concatenate', description: 'Concatenate two lists into one.' },
      inputs: {
        listInput,
        secondListInput: input({
          label: 'List',
          type: 'data',
          comments: 'The list to add after the first one.',
        }),
      },
      perform: async (_context, params) => ({
        data: [...list(params.listInput), ...list(params.secondListInput, 'secondListInput')],
      }),
    }),
    count: action({
      display: { label: 'Count', description: 'Count the occurrences of an element in a list.' },
      inputs: { listInput, elementInput },
      perform: async (_context, params) => ({
        data: list(params.listInput).filter((item) => deepEqual(item, params.elementInput)).length,
      }),
    }),
    create: action({
      display: { label: 'Create List', description: 'Create a list from the given items.' },
      inputs: {
        items: input({
          label: 'List Items',
          type: 'data',
          collection: 'valuelist',
          comments: 'The elements of the list, in order.',
        }),
      },
      perform: async (_context, params) => ({
        data: isBlank(params.items) ? [] : Array.isArray(params.items) ? [...params.items] : [params.items],
      }),
    }),
    createObject: action({
      display: { label: 'Create Object', description: 'Create an object from key/value pairs.' },
      inputs: {
        keyValueInput: input({
          label: 'Key & Value Pairs',
          type: 'data',
          collection: 'keyvaluelist',
          comments:
            'Each pair becomes a property of the object; a later pair replaces an earlier one with the same key.',
        }),
      },
      perform: async (_context, params) => ({ data: pairsToObject(params.keyValueInput, 'keyValueInput') }),
    }),
    deduplicate: action({
      display: { label: 'De-duplicate', description: 'Remove duplicate elements from a list.' },
      inputs: { listInput },
      perform: async (_context, params) => {
        const unique: unknown[] = [];
        for (const item of list(params.listInput))
          if (!unique.some((kept) => deepEqual(kept, item))) unique.push(item);
        return { data: unique };
      },
    }),
    fieldValueMapping: action({
      display: {
        label: 'Field Value Mapping',
        description: 'Pair the values of two collections into a key/value list.',
      },
      inputs: {
        keyMappings: input({
          label: 'Key Mappings',
          type: 'data',
          comments:
            'The keys: a list, or an object whose values are the keys (paired with Value Mappings by position or by property).',
        }),
        valueMappings: input({
          label: 'Value Mappings',
          type: 'data',
          comments:
            'The values: a list of the same length as Key Mappings, or an object with the same properties.',
        }),
      },
      perform: async (_context, params) => {
        const keys = parseJsonText(params.keyMappings, 'keyMappings');
        const values = parseJsonText(params.valueMappings, 'valueMappings');
        if (isPlainObject(keys) && isPlainObject(values)) {
          return {
            data: Object.entries(keys).map(([property, key]) => ({
              key: toText(key, `keyMappings.${property}`),
              value: values[property],
            })),
          };
        }
        const keyList = toList(keys, 'keyMappings');
        const valueList = toList(values, 'valueMappings');
        if (keyList.length !== valueList.length)
          throw new Error(
            `keyMappings has ${keyList.length} elements but valueMappings has ${valueList.length}; they are paired by position`,
          );
        return {
          data: keyList.map((key, index) => ({
            key: toText(key, `keyMappings[${index}]`),
            value: valueList[index],
          })),
        };
      },
    }),
    filter: action({
      display: {
        label: 'Filter',
        description: 'Keep the elements of a list for which the function returns true.',
      },
      inputs: { listInput, filterCodeInput },
      perform: async (_context, params) => ({
        data: await filterWithCode(list(params.listInput), params.filterCodeInput),
      }),
    }),
    first: action({
      display: { label: 'First', description: 'Get the first element of a list.' },
      inputs: { listInput },
      perform: async (_context, params) => ({ data: list(params.listInput)[0] ?? null }),
    }),
    flatten: action({
      display: { label: 'Flatten', description: 'Flatten a list of lists into one list.' },
      inputs: { listInput },
      perform: async (_context, params) => ({ data: list(params.listInput).flat(1) }),
    }),
    toObject: action({
      display: {
        label: 'Key Value Pair List to Object',
        description: 'Convert a key/value list to an object.',
      },
      inputs: {
        keyValueListInput: input({
          label: 'Key/Value List',
          type: 'data',
          collection: 'keyvaluelist',
          comments: 'A list of {key, value} pairs; each becomes a property of the object.',
        }),
      },
      perform: async (_context, params) => ({
        data: pairsToObject(params.keyValueListInput, 'keyValueListInput'),
      }),
    }),
    last: action({
      display: { label: 'Last', description: 'Get the last element of a list.' },
      inputs: { listInput },
      perform: async (_context, params) => ({ data: list(params.listInput).at(-1) ?? null }),
    }),
    length: action({
      display: { label: 'Length', description: 'Count the elements of a list.' },
      inputs: { listInput },
      perform: async (_context, params) => ({ data: list(params.listInput).length }),
    }),
    map: action({
      display: { label: 'Map', description: 'Transform each element of a list.' },
      inputs: {
        listInput,
        mapCodeInput: input({
          label: 'Transform (map) Function',
          type: 'code',
          language: 'javascript',
          default: '(item, index) => { return item; }',
          comments:
            'A JavaScript function (item, index, contextData) => newItem applied to each element kept by the filter. Runs in the code sandbox.',
        }),
        filterCodeInput,
        contextData: input({
          label: 'Context Data',
          type: 'data',
          comments: 'Optional data passed to the map function as its third argument.',
        }),
        // Prismatic's names for the map function and the context, as its exports write them.
        transformCodeInput: input({
          label: 'Transform Function',
          type: 'code',
          language: 'javascript',
          comments: 'The same as Transform (map) Function (mapCodeInput); used instead of it when given.',
        }),
        contextInput: input({
          label: 'Context',
          type: 'data',
          comments: 'The same as Context Data (contextData); used instead of it when given.',
        }),
      },
      perform: async (_context, params) => {
        const items = list(params.listInput);
        const [mapCode, mapCodeName] = isBlank(params.transformCodeInput)
          ? [params.mapCodeInput, 'mapCodeInput']
          : [params.transformCodeInput, 'transformCodeInput'];
        const contextData = isBlank(params.contextInput) ? params.contextData : params.contextInput;
        if (keepsEverything(params.filterCodeInput) && (isBlank(mapCode) || returnsItem(mapCode)))
          return { data: items };
        const keep = keepsEverything(params.filterCodeInput)
          ? '() => true'
          : functionSource(params.filterCodeInput, 'filterCodeInput');
        const transform = functionSource(mapCode, mapCodeName);
        const wrapper = `(items, contextData) => { const keep = (${keep}); const transform = (${transform}); return items.filter((item, index) => Boolean(keep(item, index))).map((item, index) => transform(item, index, contextData)); }`;
        const result = await runCollectionCode(wrapper, [items, contextData ?? null], 'the map function');
        if (!Array.isArray(result)) throw new Error('the map function did not produce a list');
        return { data: result };
      },
    }),
    fromObject: action({
      display: {
        label: 'Object to Key Value Pair List',
        description: 'Convert an object to a key/value list.',
      },
      inputs: {
        objectInput: input({
          label: 'Object',
          type: 'data',
          comments: 'The object; each property becomes a {key, value} pair.',
        }),
      },
      perform: async (_context, params) => ({
        data: Object.entries(toObject(params.objectInput, 'objectInput')).map(([key, value]) => ({
          key,
          value,
        })),
      }),
    }),
    processInOrder: action({
      display: {
        label: 'Process In Order',
        description: 'Process payloads in order across executions, by an index carried in each payload.',
      },
      inputs: {
        collectionId: input({
          label: 'Collection ID',
          type: 'string',
          comments:
            'Identifies the collection the item belongs to; items of one collection are released in order.',
        }),
        collectionLength: input({
          label: 'Collection Length',
          type: 'string',
          comments: 'How many items the collection has; its state is cleared once all are released.',
        }),
        item: input({ label: 'Item', type: 'data', comments: 'The item this execution received.' }),
        itemIndex: input({
          label: 'Item Index',
          type: 'string',
          comments: 'The position of the item in the collection, from 0.',
        }),
      },
      perform: async (context, params) => {
        const collectionId = toText(params.collectionId, 'collectionId').trim();
        if (collectionId === '') throw new Error('collectionId must not be empty');
        const length = toInteger(params.collectionLength, 'collectionLength', 1);
        const index = toInteger(params.itemIndex, 'itemIndex', 0);
        if (index >= length)
          throw new Error(
            `itemIndex ${index} is outside the collection of ${length} items (indexes 0 to ${length - 1})`,
          );
        const stateKey = `collection-tools.processInOrder:${collectionId}`;
        const saved = context.instanceState[stateKey] as
          | { next: number; pending: Record<string, unknown> }
          | undefined;
        const state = { next: saved?.next ?? 0, pending: { ...(saved?.pending ?? {}) } };
        if (index < state.next || Object.hasOwn(state.pending, String(index)))
          throw new Error(`item ${index} of collection '${collectionId}' was already received`);
        state.pending[String(index)] = params.item;
        const ready: unknown[] = [];
        while (Object.hasOwn(state.pending, String(state.next))) {
          ready.push(state.pending[String(state.next)]);
          delete state.pending[String(state.next)];
          state.next++;
        }
        const complete = state.next >= length;
        const instanceState = { ...context.instanceState };
        if (complete) delete instanceState[stateKey];
        else instanceState[stateKey] = state;
        return {
          data: {
            collectionId,
            ready,
            nextIndex: state.next,
            waiting: Object.keys(state.pending).length,
            complete,
          },
          instanceState,
        };
      },
    }),
    remove: action({
      display: { label: 'Remove', description: 'Remove every occurrence of an element from a list.' },
      inputs: { listInput, elementInput },
      perform: async (_context, params) => ({
        data: list(params.listInput).filter((item) => !deepEqual(item, params.elementInput)),
      }),
    }),
    selectItemFromList: action({
      display: {
        label: 'Select Item From List by Index',
        description: 'Select an item of a list by its index.',
      },
      inputs: {
        listInput,
        index: input({
          label: 'Index',
          type: 'string',
          comments:
            'The position of the item, from 0; a negative index counts from the end (-1 is the last).',
        }),
      },
      perform: async (_context, params) => {
        const items = list(params.listInput);
        const index = toInteger(params.index, 'index');
        if (index >= items.length || index < -items.length)
          throw new Error(`index ${index} is outside the list of ${items.length} elements`);
        return { data: items.at(index) };
      },
    }),
    sort: action({
      display: { label: 'Sort', description: 'Sort a list with a JavaScript comparison function.' },
      inputs: {
        listInput,
        sortCodeInput: input({
          label: 'Sort Comparison Function',
          type: 'code',
          language: 'javascript',
          default: '(a, b) => { return a.prop < b.prop ? -1 : 1; }',
          comments:
            'A JavaScript function (a, b) => number: negative when a comes first, positive when b does. Runs in the code sandbox.',
        }),
      },
      perform: async (_context, params) => {
        const items = list(params.listInput);
        const compare = functionSource(params.sortCodeInput, 'sortCodeInput');
        const wrapper = `(items) => { const compare = (${compare}); return items.slice().sort((a, b) => { const order = Number(compare(a, b)); return Number.isNaN(order) ? 0 : order; }); }`;
        const result = await runCollectionCode(wrapper, [items], 'the sort function');
        if (!Array.isArray(result)) throw new Error('the sort function did not produce a list');
        return { data: result };
      },
    }),
    takeFirst: action({
      display: { label: 'Take First', description: 'Take the first elements of a list.' },
      inputs: { listInput, numberInput: countInput },
      perform: async (_context, params) => ({
        data: list(params.listInput).slice(0, count(params.numberInput)),
      }),
    }),
    takeLast: action({
      display: { label: 'Take Last', description: 'Take the last elements of a list.' },
      inputs: { listInput, numberInput: countInput },
      perform: async (_context, params) => {
        const items = list(params.listInput);
        return { data: items.slice(Math.max(0, items.length - count(params.numberInput))) };
      },
    }),
    validateJsonSchema: action({
      display: { label: 'Validate JSON Schema', description: 'Validate JSON against a JSON schema.' },
      inputs: {
        jsonInput: input({
          label: 'JSON Object',
          type: 'data',
          comments: 'The data to validate: a reference to a step result, or JSON text.',
        }),
        jsonSchema: input({
          label: 'JSON Schema',
          type: 'code',
          language: 'json',
          comments:
            'The JSON schema (draft-07; draft 2020-12 when its $schema says so). The result is {valid, errors}; invalid data is not a step error.',
        }),
      },
      perform: async (_context, params) => {
        const validate = validatorFor(params.jsonSchema);
        const data = parseJsonText(params.jsonInput, 'jsonInput');
        const valid = validate(data) as boolean;
        const errors = (validate.errors ?? []).map((error) => ({
          path: error.instancePath || '/',
          message: error.message ?? 'is invalid',
          keyword: error.keyword,
          params: error.params,
        }));
        return { data: { valid, errors } };
      },
    }),
    validateXmlSchema: action({
      display: { label: 'Validate XML Schema', description: 'Validate XML against an XSD schema.' },
      inputs: {
        xmlInput: input({ label: 'XML', type: 'data', comments: 'The XML document to validate.' }),
        xmlSchema: input({
          label: 'XML Schema',
          type: 'code',
          language: 'xml',
          comments: 'The XSD schema to validate against.',
        }),
      },
      perform: async () => {
        throw new Error(
          'XML schema (XSD) validation is not available in Weft yet; convert the XML to JSON (change-data-format) and use Validate JSON Schema instead',
        );
      },
    }),
  },
});
