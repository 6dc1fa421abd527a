import { componentManifest, invokeAction } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { changeDataFormatComponent as cdf } from '../src/components/change-data-format.js';
import { changeDataFormat as catalogEntry } from './fixtures/catalog/change-data-format.js';
import { manifestShape } from './support/component-checks.js';

const call = async (action: string, params: Record<string, unknown>) =>
  (await invokeAction(cdf, action, params)).result;
const run = async (action: string, params: Record<string, unknown>) => (await call(action, params))?.data;

const orderXml = `<?xml version="1.0" encoding="UTF-8"?>
<order id="42" status="open">
  <customer>Ada &amp; Co</customer>
  <zip>00501</zip>
  <total>12.50</total>
  <paid>false</paid>
  <item sku="A1"><qty>2</qty></item>
  <item sku="B2"><qty>1</qty></item>
</order>`;

describe('change-data-format component', () => {
  it('has the catalog entry as its manifest, and documents every action and input', () => {
    const manifest = componentManifest(cdf);
    expect(manifestShape(manifest)).toEqual(manifestShape(catalogEntry));
    expect(Object.keys(cdf.actions)).toHaveLength(34);
    for (const operation of Object.values(cdf.actions)) {
      expect(operation.display.description.length).toBeGreaterThan(10);
      for (const input of operation.inputs)
        expect(input.comments, `${operation.key}.${input.key}`).toBeTruthy();
    }
  });

  it('converts to boolean, integer, number and string', async () => {
    expect(await run('convertToBoolean', { value: 'Yes' })).toBe(true);
    expect(await run('convertToBoolean', { value: '0' })).toBe(false);
    expect(await run('convertToBoolean', { value: '' })).toBe(false);
    await expect(run('convertToBoolean', { value: 'maybe' })).rejects.toThrow(
      /cannot convert 'maybe' to a boolean/,
    );
    expect(await run('convertToInt', { value: ' 12.9 ' })).toBe(12);
    expect(await run('convertToInt', { value: '-7px' })).toBe(-7);
    await expect(run('convertToInt', { value: 'abc' })).rejects.toThrow(/cannot convert 'abc' to an integer/);
    expect(await run('convertToNumber', { value: '1e3' })).toBe(1000);
    await expect(run('convertToNumber', { value: '' })).rejects.toThrow(/to a number/);
    expect(await run('convertToString', { value: { a: [1, 2] } })).toBe('{"a":[1,2]}');
    expect(await run('convertToString', { value: Buffer.from('héllo') })).toBe('héllo');
    expect(await run('convertToString', { value: null })).toBe('');
  });

  it('deserializes JSON, with a parse error that says so', async () => {
    expect(await run('deserializeFromJson', { data: '{"a":{"b":[1,true,null]}}' })).toEqual({
      a: { b: [1, true, null] },
    });
    expect(
      await run('deserializeFromJson', {
        data: { data: Buffer.from('[1,2]'), contentType: 'application/json' },
      }),
    ).toEqual([1, 2]);
    expect(await run('deserializeFromJson', { data: { already: 'parsed' } })).toEqual({ already: 'parsed' });
    await expect(run('deserializeFromJson', { data: '{"a":' })).rejects.toThrow(/not valid JSON/);
  });

  it('deserializes XML: attributes, repeated elements, entities, numbers unless numbersAsStrings', async () => {
    expect(await run('deserializeFromXml', { data: orderXml })).toEqual({
      order: {
        '@_id': 42,
        '@_status': 'open',
        customer: 'Ada & Co',
        zip: '00501',
        total: 12.5,
        paid: false,
        item: [
          { '@_sku': 'A1', qty: 2 },
          { '@_sku': 'B2', qty: 1 },
        ],
      },
    });
    const asText = (await run('deserializeFromXml', { data: orderXml, numbersAsStrings: true })) as {
      order: Record<string, unknown>;
    };
    expect(asText.order.total).toBe('12.50');
    expect(asText.order['@_id']).toBe('42');
    await expect(run('deserializeFromXml', { data: '<a><b></a>' })).rejects.toThrow(
      /not valid XML \(line 1, column 7\)/,
    );
  });

  it('round-trips XML → JSON → XML, keeping attributes', async () => {
    const json = (await call('xmlToJson', { data: orderXml })) ?? { data: '' };
    expect(json.contentType).toBe('application/json');
    const xml = (await call('jsonToXml', { data: json.data })) ?? { data: '' };
    expect(xml.contentType).toBe('application/xml');
    expect(xml.data).toContain('<order id="42" status="open">');
    expect(xml.data).toContain('<customer>Ada &amp; Co</customer>');
    expect(await run('deserializeFromXml', { data: xml.data })).toEqual(
      await run('deserializeFromXml', { data: orderXml }),
    );
  });

  it('writes XML with a root element for arrays and several keys, and valid element names', async () => {
    const xml = (await run('binaryToXml', {
      data: { 'first name': 'Ada', '1st': 'x', tags: ['a', 'b'] },
    })) as string;
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<root>')).toBe(true);
    expect(xml).toContain('<first_name>Ada</first_name>');
    expect(xml).toContain('<_1st>x</_1st>');
    expect(xml).toContain('<tags>a</tags>');
    const list = (await run('serializeToXml', { data: [{ id: 1 }, { id: 2 }] })) as string;
    expect(await run('deserializeFromXml', { data: list })).toEqual({
      root: { item: [{ id: 1 }, { id: 2 }] },
    });
  });

  it('converts YAML both ways', async () => {
    const yamlText = 'name: Ada\nlanguages:\n  - en\n  - fr\nborn: 1815\n';
    expect(await run('deserializeFromYaml', { data: yamlText })).toEqual({
      name: 'Ada',
      languages: ['en', 'fr'],
      born: 1815,
    });
    expect(JSON.parse((await run('yamlToJson', { data: yamlText })) as string)).toEqual({
      name: 'Ada',
      languages: ['en', 'fr'],
      born: 1815,
    });
    const yaml = await call('jsonToYaml', { data: '{"a":{"b":[1,2]}}' });
    expect(yaml?.contentType).toBe('application/yaml');
    expect(yaml?.data).toBe('a:\n  b:\n    - 1\n    - 2\n');
    expect(await run('binaryToYaml', { data: { when: new Date('2024-01-02T03:04:05Z') } })).toBe(
      'when: 2024-01-02T03:04:05.000Z\n',
    );
    await expect(run('deserializeFromYaml', { data: 'a: [1, 2' })).rejects.toThrow(/not valid YAML/);
    expect(parseYaml((await run('xmlToYaml', { data: '<a><b>1</b></a>' })) as string)).toEqual({
      a: { b: 1 },
    });
  });

  it('reads CSV with header, without header, and unflattens dotted keys', async () => {
    const text = 'id,address.city,address.zip,tags.0\r\n1,Paris,75001,x\r\n2,"Lyon, FR",69001,y\r\n';
    expect(await run('deserializeFromCsv', { data: text })).toEqual([
      { id: '1', 'address.city': 'Paris', 'address.zip': '75001', 'tags.0': 'x' },
      { id: '2', 'address.city': 'Lyon, FR', 'address.zip': '69001', 'tags.0': 'y' },
    ]);
    expect(await run('deserializeFromCsv', { data: text, unflattenCsvKeys: true })).toEqual([
      { id: '1', address: { city: 'Paris', zip: '75001' }, tags: ['x'] },
      { id: '2', address: { city: 'Lyon, FR', zip: '69001' }, tags: ['y'] },
    ]);
    expect(await run('deserializeFromCsv', { data: 'a,b\n1,2', csvHeader: 'false' })).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
    expect(JSON.parse((await run('csvToJson', { data: 'a,b\n1,2' })) as string)).toEqual([
      { a: '1', b: '2' },
    ]);
    expect(parseYaml((await run('csvToYaml', { data: 'a,b\n1,2' })) as string)).toEqual([{ a: '1', b: '2' }]);
    expect(
      await run('deserializeFromXml', { data: await run('csvToXml', { data: 'a,b\n1,2\n3,4' }) }),
    ).toEqual({
      root: {
        item: [
          { a: 1, b: 2 },
          { a: 3, b: 4 },
        ],
      },
    });
  });

  it('writes CSV from objects, flattening nested values, and from wrapped XML/YAML rows', async () => {
    const out = await call('binaryToCsv', {
      data: [
        { id: 1, address: { city: 'Paris' } },
        { id: 2, address: { city: 'Lyon, FR' }, note: 'x' },
      ],
    });
    expect(out?.contentType).toBe('text/csv');
    expect(out?.data).toBe('id,address.city,note\r\n1,Paris,\r\n2,"Lyon, FR",x');
    expect(await run('jsonToCsv', { data: '[{"a":1},{"a":2}]' })).toBe('a\r\n1\r\n2');
    expect(await run('xmlToCsv', { data: '<rows><row><a>1</a></row><row><a>2</a></row></rows>' })).toBe(
      'a\r\n1\r\n2',
    );
    expect(await run('yamlToCsv', { data: '- {a: 1, b: 2}\n- {a: 3}\n' })).toBe('a,b\r\n1,2\r\n3,');
    expect(await run('serializeToCsv', { data: { single: 'row' } })).toBe('single\r\nrow');
  });

  it('serializes JSON, JSON Lines and form data, and reads them back', async () => {
    expect(await call('binaryToJson', { data: { a: 1, skip: undefined } })).toEqual({
      data: '{"a":1}',
      contentType: 'application/json',
    });
    expect(await run('serializeToJson', { data: 'text' })).toBe('"text"');
    const jsonl = (await run('serializeJsonl', { objects: [{ id: 1 }, { id: 2, s: 'a\nb' }] })) as string;
    expect(jsonl).toBe('{"id":1}\n{"id":2,"s":"a\\nb"}\n');
    expect(await run('deserializeJsonl', { jsonlData: `${jsonl}\n` })).toEqual([
      { id: 1 },
      { id: 2, s: 'a\nb' },
    ]);
    await expect(run('deserializeJsonl', { jsonlData: '{"id":1}\n{oops}\n' })).rejects.toThrow(
      /line 2 is not valid JSON/,
    );
    const form = (await run('serializeFormData', {
      data: { name: 'Ada Lovelace', tags: ['a', 'b'], user: { id: 7 }, q: 'x&y=z' },
    })) as string;
    expect(form).toBe('name=Ada+Lovelace&tags=a&tags=b&user%5Bid%5D=7&q=x%26y%3Dz');
    expect(await run('deserializeFormData', { data: form })).toEqual({
      name: 'Ada Lovelace',
      tags: ['a', 'b'],
      'user[id]': '7',
      q: 'x&y=z',
    });
  });

  it('deserializes binary data to text, and pretty prints JSON', async () => {
    expect(
      await run('deserializeFromBinary', {
        data: { data: Buffer.from('line 1\nline 2'), contentType: 'text/plain' },
      }),
    ).toBe('line 1\nline 2');
    expect(await run('prettyPrint', { data: '{"a":{"b":1}}' })).toBe('{\n  "a": {\n    "b": 1\n  }\n}');
    expect(await run('prettyPrint', { data: [1] })).toBe('[\n  1\n]');
    expect(await run('prettyPrint', { data: 'not json' })).toBe('not json');
  });
});
