import { componentManifest, invokeAction } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { htmlDecode, htmlEncode, textManipulationComponent } from '../src/components/text-manipulation.js';
import { textManipulation } from './fixtures/catalog/text-manipulation.js';
import { itDescribesEveryActionAndInput } from './support/component-checks.js';

async function run(action: string, params: Record<string, unknown>): Promise<unknown> {
  const { result } = await invokeAction(textManipulationComponent, action, params);
  return result?.data;
}

describe('text-manipulation component', () => {
  it('has exactly the manifest of the built-in catalog', () => {
    expect(componentManifest(textManipulationComponent)).toEqual({
      ...textManipulation,
      connections: {},
      dataSources: {},
    });
  });

  itDescribesEveryActionAndInput(textManipulationComponent);

  it.each<[string, Record<string, unknown>, unknown]>([
    ['decodeBase64', { text: 'SGVsbG8sIHfDtnJsZCE=' }, 'Hello, wörld!'],
    ['decodeBase64', { text: 'SGVs\nbG8=' }, 'Hello'],
    ['decodeBase64', { text: 'Pz8_' }, '???'],
    ['encodeBase64', { text: 'Hello, wörld!' }, 'SGVsbG8sIHfDtnJsZCE='],
    ['encodeBase64', { text: Buffer.from([0, 1, 2, 255]) }, 'AAEC/w=='],
    ['encodeBase64', { text: { data: Buffer.from('file body'), contentType: 'text/plain' } }, 'ZmlsZSBib2R5'],
    ['encodeBase64', { text: { type: 'Buffer', data: [104, 105] } }, 'aGk='],
    ['slice', { text: 'Hello World', sliceStart: '6' }, 'World'],
    ['slice', { text: 'Hello World', sliceStart: '0', sliceStop: '5' }, 'Hello'],
    ['slice', { text: 'Hello World', sliceStart: '-5', sliceStop: '-1' }, 'Worl'],
    ['slice', { text: 'Hello World', sliceStart: '', sliceStop: '' }, 'Hello World'],
    ['substring', { text: 'abcdef', sliceStart: '2', sliceStop: '4' }, 'cd'],
    ['replace', { text: 'a-b-c', find: '-', replace: '+' }, 'a+b+c'],
    ['replace', { text: 'a.b.c', find: '.', replace: '' }, 'abc'],
    ['replace', { text: 'cost $1', find: '$1', replace: '$&$&' }, 'cost $&$&'],
    [
      'replaceMultipleSubstring',
      {
        text: 'Hello NAME, welcome to PLACE',
        replaceWith: [
          { key: 'NAME', value: 'Ada' },
          { key: 'PLACE', value: 'Weft' },
        ],
      },
      'Hello Ada, welcome to Weft',
    ],
    ['replaceMultipleSubstring', { text: 'unchanged', replaceWith: [] }, 'unchanged'],
    [
      'htmlDecode',
      { text: '&lt;b&gt;Tom &amp; Jerry&#39;s &quot;show&quot;&lt;/b&gt; &#x41;&#66; &copy; &bogus;' },
      '<b>Tom & Jerry\'s "show"</b> AB © &bogus;',
    ],
    ['htmlDecode', { text: '&constructor;' }, '&constructor;'],
    [
      'htmlEncode',
      { text: `<a href="x">Tom & Jerry's</a>` },
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
    ],
    ['join', { strings: ['a', 'b', 'c'], separator: ', ' }, 'a, b, c'],
    ['join', { strings: ['a', 'b'] }, 'ab'],
    ['join', { strings: ['a', 1, true, null, { x: 1 }], separator: '|' }, 'a|1|true||{"x":1}'],
    ['joinLines', { strings: ['one', 'two', 'three'] }, 'one\ntwo\nthree'],
    ['joinLines', { strings: ['one', 'two'], newlineType: '\r\n' }, 'one\r\ntwo'],
    [
      'joinLines',
      { strings: ['one', 'two'], newlineType: '\\r\\n', numberOfNewlines: '2' },
      'one\r\n\r\ntwo',
    ],
    ['joinLines', { strings: ['one', 'two'], newlineType: 'CRLF' }, 'one\r\ntwo'],
    ['joinLines', { strings: ['one', 'two'], newlineType: '\\n', numberOfNewlines: 3 }, 'one\n\n\ntwo'],
    ['lowerCase', { text: 'HeLLo' }, 'hello'],
    ['match', { text: 'a1b22c333', regex: '\\d+' }, ['1', '22', '333']],
    ['match', { text: 'no digits', regex: '\\d+' }, []],
    ['match', { text: 'key=value', regex: '(\\w+)=(\\w+)', regexFlags: '' }, ['key=value', 'key', 'value']],
    ['match', { text: 'ABC abc', regex: 'abc', regexFlags: 'gi' }, ['ABC', 'abc']],
    ['match', { text: 'ABC abc', regex: '/abc/i', regexFlags: '' }, ['ABC']],
    ['match', { text: 'ab', regex: '(x)?b', regexFlags: '' }, ['b', null]],
    ['trim', { text: '  padded \n' }, 'padded'],
    ['splitLines', { text: 'one\r\ntwo\n\n  \nthree\rfour' }, ['one', 'two', 'three', 'four']],
    ['splitLines', { text: 'one\n\ntwo', filterBlankLines: false }, ['one', '', 'two']],
    ['splitLines', { text: 'one\n\ntwo', filterBlankLines: 'false' }, ['one', '', 'two']],
    ['split', { text: 'a,b,,c', separator: ',' }, ['a', 'b', '', 'c']],
    ['split', { text: 'abc', separator: '' }, ['a', 'b', 'c']],
    ['stringLength', { text: 'hello' }, 5],
    ['stringLength', { text: '' }, 0],
    ['upperCase', { text: 'hello' }, 'HELLO'],
    ['upperCase', { text: 42 }, '42'],
  ])('%s(%j)', async (action, params, expected) => {
    expect(await run(action, params)).toEqual(expected);
  });

  it('round-trips HTML encoding', () => {
    const text = `<p class="x">Fish & 'chips'</p>`;
    expect(htmlDecode(htmlEncode(text))).toBe(text);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['decodeBase64', { text: 'not base64!' }, "text is not valid base64: 'not base64!'"],
    [
      'encodeBase64',
      { text: [1, 2] },
      'text must be text or a file ({data, contentType}); got a list of 2 elements',
    ],
    [
      'slice',
      { text: 'abc', sliceStart: 'one' },
      "sliceStart must be a number (such as 42 or -3.5); 'one' is not",
    ],
    ['slice', { text: 'abc', sliceStart: '1.5' }, 'sliceStart must be a whole number; 1.5 is not'],
    ['replace', { text: 'abc', find: '', replace: 'x' }, 'find must not be empty'],
    [
      'replaceMultipleSubstring',
      { text: 'abc', replaceWith: [{ key: '', value: 'x' }] },
      'replaceWith[0]: the text to find (the key) must not be empty',
    ],
    [
      'replaceMultipleSubstring',
      { text: 'abc', replaceWith: ['x'] },
      "replaceWith: element 0 must be a {key, value} pair; got 'x'",
    ],
    [
      'joinLines',
      { strings: ['a'], newlineType: 'tab' },
      "newlineType must be \\n (LF) or \\r\\n (CRLF) or \\r (CR); 'tab' is not",
    ],
    ['joinLines', { strings: ['a'], newlineType: 'constructor' }, 'newlineType must be'],
    ['joinLines', { strings: ['a'], numberOfNewlines: '-1' }, 'numberOfNewlines must be at least 0; got -1'],
    ['match', { text: 'abc', regex: '(' }, "regex '(' with flags 'g' is not valid"],
    ['match', { text: 'abc', regex: 'a', regexFlags: 'q' }, "regex 'a' with flags 'q' is not valid"],
    [
      'splitLines',
      { text: 'a', filterBlankLines: 'maybe' },
      "filterBlankLines must be true or false; 'maybe' is not",
    ],
    ['upperCase', { text: { a: 1 } }, 'text must be text; got an object'],
  ])('%s rejects %j', async (action, params, message) => {
    await expect(run(action, params)).rejects.toThrow(message);
  });
});
