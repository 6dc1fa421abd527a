import { bool, component, data, operation, str, text, valueList } from './define.js';

const delimiter = str('delimiter', 'Delimiter', { default: ',' });

export const csv = component('csv', 'CSV', {
  actions: [
    operation(
      'generateFromObject',
      'Generate CSV From Array',
      'Generate CSV from an array of flat objects.',
      [
        data('inputArray', 'Input Array'),
        delimiter,
        bool('includeHeader', 'Include Header?', { default: 'true' }),
      ],
    ),
    operation('generate', 'Generate (Deprecated)', 'Generate CSV from a list of rows.', [
      valueList('data', 'Data', 'data'),
      delimiter,
    ]),
    operation('parse', 'Parse', 'Parse CSV text into an array of rows.', [
      text('csv', 'CSV Data'),
      delimiter,
      // Key inferred from the label; the documentation does not print it.
      bool('ignoreHeaders', 'Ignore Headers', { default: 'false' }),
    ]),
  ],
});
