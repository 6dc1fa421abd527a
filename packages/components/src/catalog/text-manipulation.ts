import { bool, component, data, keyValueList, operation, str, text, valueList } from './define.js';

/*
 * Real definitions use text, separator, strings, find, replace, newlineType and numberOfNewlines. The keys of the
 * slice, regex, split-lines and multiple-replace inputs are not printed in the documentation; they are the
 * camelCased labels, which is how the known ones are named.
 */
const subject = text('text', 'Text');
const separator = str('separator', 'Separator');
const strings = valueList('strings', 'Strings');
const sliceInputs = [subject, str('sliceStart', 'Slice start'), str('sliceStop', 'Slice stop')];

const textOperation = (key: string, label: string, description: string) =>
  operation(key, label, description, [subject]);

export const textManipulation = component('text-manipulation', 'Text Manipulation', {
  actions: [
    operation('decodeBase64', 'Decode Base64', 'Decode a base64 string.', [text('text', 'Base64 Text')]),
    operation('encodeBase64', 'Encode Base64', 'Encode a string or file as base64.', [
      data('text', 'Text or file'),
    ]),
    operation('slice', 'Extract Substring', 'Extract a substring from a string.', sliceInputs),
    // The name of Extract Substring in older exported definitions.
    operation(
      'substring',
      'Substring',
      'Extract a substring from a string (older name of Extract Substring).',
      sliceInputs,
    ),
    operation('replace', 'Find & Replace', 'Replace every instance of a substring with another.', [
      subject,
      str('find', 'Substring to find and be replaced'),
      str('replace', "The substring to replace instances of 'find' with"),
    ]),
    operation(
      'replaceMultipleSubstring',
      'Find & Replace Multiple Substrings',
      'Replace every instance of several substrings.',
      [subject, keyValueList('replaceWith', 'Replace With')],
    ),
    textOperation('htmlDecode', 'HTML Decode', 'Decode an HTML-encoded string.'),
    textOperation('htmlEncode', 'HTML Encode', 'HTML-encode a string.'),
    operation('join', 'Join', 'Join strings together with an optional separator.', [strings, separator]),
    operation('joinLines', 'Join Lines', 'Join strings together with newlines.', [
      strings,
      str('newlineType', 'Newline type', { default: '\n' }),
      str('numberOfNewlines', 'Number of newlines', { default: '1' }),
    ]),
    textOperation('lowerCase', 'Lower Case', 'Convert a string to lower case.'),
    operation('match', 'Match Regex', 'Match a string against a regular expression.', [
      subject,
      str('regex', 'Regex'),
      str('regexFlags', 'Regex Flags', { default: 'g' }),
    ]),
    textOperation('trim', 'Remove Whitespace', 'Remove leading and trailing whitespace.'),
    operation('splitLines', 'Split Lines', 'Split text on newline characters.', [
      subject,
      bool('filterBlankLines', 'Filter Blank Lines', { default: 'true' }),
    ]),
    operation('split', 'Split String', 'Split a string on a separator.', [subject, separator]),
    textOperation('stringLength', 'String Length', 'Get the length of a string.'),
    textOperation('upperCase', 'Upper Case', 'Convert a string to UPPER CASE.'),
  ],
});
