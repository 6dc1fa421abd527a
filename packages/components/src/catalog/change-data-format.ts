import type { CatalogInput } from '@weft/definition';
import { bool, component, data, operation } from './define.js';

/*
 * Real definitions use `data`, `numbersAsStrings` and `value`. The documentation does not print the keys of the
 * CSV options (`csvHeader`, `unflattenCsvKeys`) nor of the JSON Lines inputs; those are inferred from the labels.
 */
const input = data('data', 'Data');
const value = data('value', 'Value');
const numbersAsStrings = bool('numbersAsStrings', 'Parse numbers as strings?', { default: 'false' });
const csvOptions: CatalogInput[] = [
  bool('csvHeader', 'CSV Header', { default: 'true' }),
  bool('unflattenCsvKeys', 'Un-Flatten CSV Keys', { default: 'false' }),
];

const convert = (key: string, label: string, description: string, inputs: CatalogInput[] = [input]) =>
  operation(key, label, description, inputs);

export const changeDataFormat = component('change-data-format', 'Change Data Format', {
  actions: [
    convert('convertToBoolean', 'Convert To Boolean', 'Convert a value to a boolean.', [value]),
    convert('convertToInt', 'Convert To Integer', 'Convert a value to an integer.', [value]),
    convert('convertToNumber', 'Convert To Number', 'Convert a value to a number.', [value]),
    convert('convertToString', 'Convert To String', 'Convert a value to a string.', [value]),
    convert('csvToJson', 'CSV to JSON', 'Convert CSV to JSON.', [input, ...csvOptions]),
    convert('csvToXml', 'CSV to XML', 'Convert CSV to XML.', [input, ...csvOptions]),
    convert('csvToYaml', 'CSV to YAML', 'Convert CSV to YAML.', [input, ...csvOptions]),
    convert('deserializeFromBinary', 'Deserialize BINARY', 'Deserialize binary data.'),
    convert('deserializeFromCsv', 'Deserialize CSV', 'Deserialize CSV text.', [input, ...csvOptions]),
    convert('deserializeFromJson', 'Deserialize JSON', 'Deserialize JSON text.'),
    convert('deserializeJsonl', 'Deserialize JSON Lines (.jsonl)', 'Turn .jsonl text into an array.', [
      data('jsonlData', 'JSONL Data'),
    ]),
    convert(
      'deserializeFormData',
      'Deserialize URL-encoded Form Data',
      'Deserialize x-www-form-urlencoded data.',
    ),
    convert('deserializeFromXml', 'Deserialize XML', 'Deserialize XML text.', [input, numbersAsStrings]),
    convert('deserializeFromYaml', 'Deserialize YAML', 'Deserialize YAML text.'),
    convert('binaryToCsv', 'JavaScript Object to CSV', 'Serialize a JavaScript object to CSV.'),
    convert('binaryToJson', 'JavaScript Object to JSON', 'Serialize a JavaScript object to JSON.'),
    convert('binaryToXml', 'JavaScript Object to XML', 'Serialize a JavaScript object to XML.'),
    convert('binaryToYaml', 'JavaScript Object to YAML', 'Serialize a JavaScript object to YAML.'),
    convert('jsonToCsv', 'JSON to CSV', 'Convert JSON to CSV.'),
    convert('jsonToXml', 'JSON to XML', 'Convert JSON to XML.'),
    convert('jsonToYaml', 'JSON to YAML', 'Convert JSON to YAML.'),
    convert('prettyPrint', 'Pretty Print', 'Format data to be more human-readable.'),
    convert('serializeJsonl', 'Serialize JSON Lines (.jsonl)', 'Serialize an array of objects into .jsonl.', [
      data('objects', 'Array of JavaScript Objects to serialize'),
    ]),
    convert('serializeFormData', 'Serialize URL-encoded Form Data', 'Serialize x-www-form-urlencoded data.'),
    // Older names of the "JavaScript Object to ..." actions, still found in exported definitions.
    convert(
      'serializeToCsv',
      'Serialize CSV',
      'Serialize data to CSV (older name of JavaScript Object to CSV).',
    ),
    convert(
      'serializeToJson',
      'Serialize JSON',
      'Serialize data to JSON (older name of JavaScript Object to JSON).',
    ),
    convert(
      'serializeToXml',
      'Serialize XML',
      'Serialize data to XML (older name of JavaScript Object to XML).',
    ),
    convert(
      'serializeToYaml',
      'Serialize YAML',
      'Serialize data to YAML (older name of JavaScript Object to YAML).',
    ),
    convert('xmlToCsv', 'XML to CSV', 'Convert XML to CSV.', [input, numbersAsStrings]),
    convert('xmlToJson', 'XML to JSON', 'Convert XML to JSON.', [input, numbersAsStrings]),
    convert('xmlToYaml', 'XML to YAML', 'Convert XML to YAML.', [input, numbersAsStrings]),
    convert('yamlToCsv', 'YAML to CSV', 'Convert YAML to CSV.'),
    convert('yamlToJson', 'YAML to JSON', 'Convert YAML to JSON.'),
    convert('yamlToXml', 'YAML to XML', 'Convert YAML to XML.'),
  ],
});
