// Binary data across a JSON boundary (issue 14): files keep their bytes, content type and identity; user data
// shaped like a mark is never mistaken for one.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  binaryJson,
  fileOf,
  replaceBinary,
  type StoredBytes,
  storedDigests,
  withBinaryData,
} from '../src/index.js';

const roundTrip = (value: unknown, stored?: Map<string, Buffer>) =>
  withBinaryData(JSON.parse(binaryJson(value) as string), stored);

describe('binary marks', () => {
  it('carry bytes of any size inline, Buffers and other byte views alike', () => {
    for (const size of [0, 1, 1000, 70_000]) {
      const bytes = randomBytes(size);
      const back = roundTrip({
        file: { data: bytes, contentType: 'image/png' },
        raw: new Uint8Array(bytes),
      }) as {
        file: { data: Buffer; contentType: string };
        raw: Buffer;
      };
      expect(Buffer.isBuffer(back.file.data)).toBe(true);
      expect(back.file.data.equals(bytes)).toBe(true);
      expect(back.file.contentType).toBe('image/png');
      expect(Buffer.isBuffer(back.raw) && back.raw.equals(bytes)).toBe(true);
    }
  });

  it('store larger data aside by digest, once per digest, with its content type', () => {
    const bytes = randomBytes(4096);
    const stored: StoredBytes[] = [];
    const text = binaryJson(
      { a: { data: bytes, contentType: 'application/pdf' }, b: [bytes], small: Buffer.from('hi') },
      { onStore: (file) => stored.push(file) },
    ) as string;
    const digest = createHash('sha256').update(bytes).digest('hex');
    expect(text.length).toBeLessThan(600);
    expect(stored.map((file) => [file.sha256, file.contentType])).toEqual([
      [digest, 'application/pdf'],
      [digest, undefined],
    ]);
    const parsed = JSON.parse(text);
    expect(parsed.a.data).toEqual({
      $binary: { sha256: digest, size: 4096, contentType: 'application/pdf' },
    });
    expect(storedDigests(parsed)).toEqual([digest]);
    const back = withBinaryData(parsed, new Map([[digest, bytes]])) as { a: { data: Buffer }; small: Buffer };
    expect(back.a.data.equals(bytes)).toBe(true);
    expect(back.small.toString()).toBe('hi');
    // Without its bytes, a mark by digest stays a mark (never silently empty data).
    expect((withBinaryData(parsed) as { a: { data: unknown } }).a.data).toEqual(parsed.a.data);
  });

  it('keep user data that looks like a mark as it was written', () => {
    const lookalikes = [
      { $binary: { base64: 'aGVsbG8=', size: 5 } },
      { $binary: { sha256: 'ab'.repeat(32), size: 1 } },
      { $binary: { literal: 1 } },
      { $binary: null },
      { $binary: 'text' },
    ];
    for (const value of lookalikes) {
      expect(roundTrip({ nested: [value] })).toEqual({ nested: [value] });
      expect(roundTrip(value)).toEqual(value);
    }
  });

  it('leave values without binary data untouched (no copy) and never call toJSON on Buffers', () => {
    const plain = { a: [1, { b: 'c' }], d: new Date(0) };
    expect(replaceBinary(plain, () => 'x')).toBe(plain);
    const huge = Buffer.alloc(20_000_000);
    huge.toJSON = () => {
      throw new Error('toJSON called');
    };
    expect(() => binaryJson({ huge })).not.toThrow();
  });

  it('refuse a value that refers to itself, at once, as JSON.stringify does (an axios response, whole)', () => {
    const response: Record<string, unknown> = { status: 200 };
    response.request = { res: response };
    response.config = { res: response };
    expect(() => binaryJson({ data: response })).toThrow(/refers to itself/);
    const shared = { file: Buffer.from('x') };
    // The same object twice is no cycle.
    expect(roundTrip({ a: shared, b: shared })).toEqual({ a: shared, b: shared });
  });

  it('recognize a file: bytes under data, with a content type (or octet-stream)', () => {
    expect(fileOf({ data: Buffer.from('x'), contentType: 'text/csv' })?.contentType).toBe('text/csv');
    expect(fileOf({ data: new Uint8Array([1]) })?.contentType).toBe('application/octet-stream');
    expect(fileOf({ data: 'text' })).toBeUndefined();
    expect(fileOf(Buffer.from('x'))).toBeUndefined();
  });
});
