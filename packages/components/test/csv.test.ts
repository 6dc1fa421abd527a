import { componentManifest, invokeAction } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { csvComponent } from '../src/components/csv.js';
import { csv as catalogEntry } from './fixtures/catalog/csv.js';
import { manifestShape } from './support/component-checks.js';

const run = async (action: string, params: Record<string, unknown>) =>
  (await invokeAction(csvComponent, action, params)).result?.data;

describe('csv component', () => {
  it('has the catalog entry as its manifest (keys, inputs, types, defaults, collections)', () => {
    const manifest = componentManifest(csvComponent);
    expect(manifestShape(manifest)).toEqual(manifestShape(catalogEntry));
    expect(manifest.isPublic).toBe(true);
    for (const operation of Object.values(csvComponent.actions)) {
      expect(operation.display.label).not.toBe('');
      expect(operation.display.description.length).toBeGreaterThan(10);
      for (const input of operation.inputs)
        expect(input.comments, `${operation.key}.${input.key}`).toBeTruthy();
    }
  });

  it('parses CSV with a header line into objects, with RFC 4180 quoting', async () => {
    const text = '\uFEFFid,name,note\r\n1,"Lovelace, Ada","said ""hi""\r\non two lines"\r\n2,Grace,\r\n\r\n';
    expect(await run('parse', { csv: text })).toEqual([
      { id: '1', name: 'Lovelace, Ada', note: 'said "hi"\r\non two lines' },
      { id: '2', name: 'Grace', note: '' },
    ]);
  });

  it('parses with another delimiter, and skips the header line when headers are ignored', async () => {
    expect(await run('parse', { csv: 'a;b\n1;"x;y"\n', delimiter: ';', ignoreHeaders: true })).toEqual([
      ['1', 'x;y'],
    ]);
    expect(await run('parse', { csv: 'a\tb\n1\t2', delimiter: '\\t', ignoreHeaders: 'true' })).toEqual([
      ['1', '2'],
    ]);
    // A short line gets empty fields rather than shifting columns.
    expect(await run('parse', { csv: 'a,b,c\n1' })).toEqual([{ a: '1', b: '', c: '' }]);
  });

  it('rejects malformed CSV with the line, and a line with more fields than the header', async () => {
    await expect(run('parse', { csv: 'a,b\n1,"unterminated\n' })).rejects.toThrow(/malformed/);
    await expect(run('parse', { csv: 'a,b\n1,2,3\n' })).rejects.toThrow(
      /line 2 has 3 fields but the header names 2/,
    );
  });

  it('generates CSV from objects: union of keys, quoting only where needed, CRLF line ends', async () => {
    const { result } = await invokeAction(csvComponent, 'generateFromObject', {
      inputArray: [
        { name: 'Ada, Countess', quote: 'She said "compute"', n: 1 },
        { name: ' padded ', extra: { nested: true }, n: null },
      ],
    });
    expect(result?.contentType).toBe('text/csv');
    expect(result?.data).toBe(
      'name,quote,n,extra\r\n"Ada, Countess","She said ""compute""",1,\r\n" padded ",,,"{""nested"":true}"',
    );
  });

  it('generates without a header, with a delimiter, from JSON text; and round-trips through parse', async () => {
    const rows = [
      { a: 'x;y', b: 'line\nbreak' },
      { a: '2', b: '' },
    ];
    const text = await run('generateFromObject', {
      inputArray: JSON.stringify(rows),
      delimiter: ';',
      includeHeader: 'false',
    });
    expect(text).toBe('"x;y";"line\nbreak"\r\n2;');
    const withHeader = await run('generateFromObject', { inputArray: rows, delimiter: ';' });
    expect(await run('parse', { csv: withHeader, delimiter: ';' })).toEqual(rows);
  });

  it('refuses an input array of non-objects with the element', async () => {
    await expect(run('generateFromObject', { inputArray: [{ a: 1 }, 'oops'] })).rejects.toThrow(
      /element 1 must be an object/,
    );
  });

  it('generate (deprecated) writes rows of fields', async () => {
    expect(
      await run('generate', {
        data: [
          ['id', 'name'],
          [1, 'Ada, Countess'],
        ],
      }),
    ).toBe('id,name\r\n1,"Ada, Countess"');
    // The whole table given as one element (a reference), and a row as JSON text.
    expect(
      await run('generate', {
        data: [
          [
            ['a', 'b'],
            ['1', '2'],
          ],
        ],
      }),
    ).toBe('a,b\r\n1,2');
    expect(await run('generate', { data: ['["x","y"]'], delimiter: '|' })).toBe('x|y');
  });
});
