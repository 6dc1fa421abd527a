import { code, component, data, keyValueList, operation, str, valueList } from './define.js';

/*
 * Keys that real definitions use: addKey's object/key/value/objectPath, createObject's keyValueInput, create's
 * items, listInput, numberInput, filterCodeInput, validateJsonSchema's jsonInput/jsonSchema. The documentation does
 * not print the others; they follow the same naming (see the package README).
 */
const list = data('listInput', 'List');
const count = str('numberInput', 'Number of Elements', { default: '1' });
const filterFunction = code('filterCodeInput', 'Filter Function', {
  default: '(item, index) => { return true; }',
});
const element = data('elementInput', 'Element');
const object = data('object', 'Object');
const objectPath = str('objectPath', 'Insert Path');

export const collectionTools = component('collection-tools', 'Collection Tools', {
  actions: [
    operation('addKey', 'Add Key/Value to Object', 'Add a value to an object under the given key.', [
      object,
      str('key', 'Key'),
      data('value', 'Value'),
      objectPath,
    ]),
    operation(
      'addMultipleKeys',
      'Add Multiple Key/Values to Object',
      'Add several key/value pairs to an object.',
      [
        object,
        objectPath,
        data('dynamicFields', 'Dynamic Key/Values'),
        keyValueList('keyValueListInput', 'Key/Values', 'data'),
        data('dynamicKeyValues', 'Dynamic Key/Values (earlier name)'),
        keyValueList('keyValues', 'Key/Values (earlier name)', 'data'),
      ],
    ),
    operation(
      'aggregate',
      'Aggregate',
      'Apply an aggregate function (AVERAGE, COUNT, MAX, MIN, SUM, ...) to a list.',
      [list, str('aggregateFunction', 'Aggregate Function'), filterFunction],
    ),
    operation('append', 'Append', 'Append an element to the end of a list.', [list, element]),
    operation('chunks', 'Chunks', 'Split a list into lists of the given number of elements.', [list, count]),
    operation('combineCollections', 'Combine Collection (Deprecated)', 'Replaced by Create Object.', [
      keyValueList('collections', 'Collections', 'data'),
    ]),
    operation('concatenate', 'Concatenate', 'Concatenate two lists into one.', [
      list,
      data('secondListInput', 'List'),
    ]),
    operation('count', 'Count', 'Count the occurrences of an element in a list.', [list, element]),
    operation('create', 'Create List', 'Create a list from the given items.', [
      valueList('items', 'List Items', 'data'),
    ]),
    operation('createObject', 'Create Object', 'Create an object from key/value pairs.', [
      keyValueList('keyValueInput', 'Key & Value Pairs', 'data'),
    ]),
    operation('deduplicate', 'De-duplicate', 'Remove duplicate elements from a list.', [list]),
    operation(
      'fieldValueMapping',
      'Field Value Mapping',
      'Pair the values of two collections into a key/value list.',
      [data('keyMappings', 'Key Mappings'), data('valueMappings', 'Value Mappings')],
    ),
    operation('filter', 'Filter', 'Keep the elements of a list for which the function returns true.', [
      list,
      filterFunction,
    ]),
    operation('first', 'First', 'Get the first element of a list.', [list]),
    operation('flatten', 'Flatten', 'Flatten a list of lists into one list.', [list]),
    operation('toObject', 'Key Value Pair List to Object', 'Convert a key/value list to an object.', [
      keyValueList('keyValueListInput', 'Key/Value List', 'data'),
    ]),
    operation('last', 'Last', 'Get the last element of a list.', [list]),
    operation('length', 'Length', 'Count the elements of a list.', [list]),
    operation('map', 'Map', 'Transform each element of a list.', [
      list,
      code('mapCodeInput', 'Transform (map) Function', { default: '(item, index) => { return item; }' }),
      filterFunction,
      data('contextData', 'Context Data'),
      code('transformCodeInput', 'Transform Function'),
      data('contextInput', 'Context'),
    ]),
    operation('fromObject', 'Object to Key Value Pair List', 'Convert an object to a key/value list.', [
      data('objectInput', 'Object'),
    ]),
    operation(
      'processInOrder',
      'Process In Order',
      'Process payloads in order across executions, by an index carried in each payload.',
      [
        str('collectionId', 'Collection ID'),
        str('collectionLength', 'Collection Length'),
        data('item', 'Item'),
        str('itemIndex', 'Item Index'),
      ],
    ),
    operation('remove', 'Remove', 'Remove every occurrence of an element from a list.', [list, element]),
    operation(
      'selectItemFromList',
      'Select Item From List by Index',
      'Select an item of a list by its index.',
      [list, str('index', 'Index')],
    ),
    operation('sort', 'Sort', 'Sort a list with a JavaScript comparison function.', [
      list,
      code('sortCodeInput', 'Sort Comparison Function', {
        default: '(a, b) => { return a.prop < b.prop ? -1 : 1; }',
      }),
    ]),
    operation('takeFirst', 'Take First', 'Take the first elements of a list.', [list, count]),
    operation('takeLast', 'Take Last', 'Take the last elements of a list.', [list, count]),
    operation('validateJsonSchema', 'Validate JSON Schema', 'Validate JSON against a JSON schema.', [
      data('jsonInput', 'JSON Object'),
      code('jsonSchema', 'JSON Schema'),
    ]),
    operation('validateXmlSchema', 'Validate XML Schema', 'Validate XML against an XSD schema.', [
      data('xmlInput', 'XML'),
      code('xmlSchema', 'XML Schema'),
    ]),
  ],
});
