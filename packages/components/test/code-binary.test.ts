import { createHash, randomBytes } from 'node:crypto';
import type { ActionContext } from '@weft/sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runSandboxedModule, SandboxError, sandboxInternals } from '../src/code/sandbox.js';
import { codeComponent } from '../src/components/code.js';

// Files ({ data: Buffer, contentType }) pass through code steps byte for byte; binary data crosses the sandbox's
// boundary as bytes, and the sandbox has Node's Buffer.

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const MB = 1_000_000;

async function failure(code: string, args: unknown[] = [{}, {}], options = {}): Promise<SandboxError> {
  try {
    const value = await runSandboxedModule(code, args, options);
    throw new Error(`expected a failure, got ${typeof value}`);
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return error;
  }
}

const noop = () => {};
function actionContext(stepResults: Record<string, unknown>): ActionContext {
  return {
    logger: { metric: noop, trace: noop, debug: noop, info: noop, log: noop, warn: noop, error: noop },
    configVars: {},
    instanceState: {},
    crossFlowState: {},
    executionState: {},
    integrationState: {},
    debug: { enabled: false, timeElapsed: { mark: noop, measure: noop }, memoryUsage: noop },
    invokeFlow: async () => ({ data: null }),
    stepResults,
  } as unknown as ActionContext;
}

const PASS_THROUGH = `module.exports = async (context, stepResults) => {
  const file = stepResults.readFile.results;
  return { data: file.data, contentType: file.contentType };
};`;

async function passThrough(stepResults: Record<string, unknown>, code = PASS_THROUGH) {
  const started = performance.now();
  const runCode = codeComponent.actions.runCode;
  if (!runCode) throw new Error('no runCode action');
  const result = (await runCode.perform(actionContext(stepResults), { code })) as {
    data: unknown;
    contentType?: string;
  };
  return { result, ms: performance.now() - started };
}

describe('code step: files pass through byte for byte', () => {
  for (const [label, size] of [
    ['0 B', 0],
    ['1 KB', 1000],
    ['10 MB', 10 * MB],
  ] as const) {
    it(`a random ${label} file comes back with the same bytes and content type`, {
      timeout: 60_000,
    }, async () => {
      const data = randomBytes(size);
      const { result, ms } = await passThrough({
        readFile: { results: { data, contentType: 'application/x-weft-test' } },
      });
      console.log(`code step: ${label} file round trip ${ms.toFixed(1)} ms`);
      expect(Buffer.isBuffer(result.data)).toBe(true);
      expect((result.data as Buffer).length).toBe(size);
      expect(sha256(result.data as Buffer)).toBe(sha256(data));
      expect(result.contentType).toBe('application/x-weft-test');
    });
  }

  it('a 10 MB file held three times in stepResults (two objects) fits the default 64 MiB', {
    timeout: 60_000,
  }, async () => {
    const file = randomBytes(10 * MB);
    const copy = Buffer.from(file);
    const stepResults = {
      trigger: { results: { body: { data: file, contentType: 'image/png' } } },
      readFile: { results: { data: copy, contentType: 'image/png' } },
      again: { results: { data: file, contentType: 'image/png' } },
    };
    const { result, ms } = await passThrough(
      stepResults,
      `module.exports = async (context, stepResults) => {
        const a = stepResults.trigger.results.body.data;
        const b = stepResults.readFile.results.data;
        const c = stepResults.again.results.data;
        if (a !== c) throw new Error('the same object twice should arrive as the same Buffer');
        if (a === b || a.buffer === b.buffer || a[12345] !== b[12345]) throw new Error('two objects with the same bytes are two Buffers');
        if (!Buffer.isBuffer(a) || a.length !== ${10 * MB}) throw new Error('not a Buffer');
        return { data: b, contentType: stepResults.readFile.results.contentType };
      };`,
    );
    console.log(`code step: 10 MB file, held 3 times (2 objects), round trip ${ms.toFixed(1)} ms`);
    expect(sha256(result.data as Buffer)).toBe(sha256(file));
    expect(result.contentType).toBe('image/png');
  });

  it('the same file returned twice comes out as one Buffer, and views return only their bytes', async () => {
    const file = randomBytes(100_000);
    const result = (await runSandboxedModule(
      `module.exports = (c, s) => ({ a: s.file, b: s.file, part: s.file.subarray(10, 20), view: new DataView(s.file.buffer, 5, 3) });`,
      [{}, { file }],
    )) as Record<string, Buffer>;
    expect(result.a).toBe(result.b);
    expect(Buffer.compare(result.a as Buffer, file)).toBe(0);
    expect(Buffer.compare(result.part as Buffer, file.subarray(10, 20))).toBe(0);
    expect(Buffer.compare(result.view as Buffer, file.subarray(5, 8))).toBe(0);
  });

  it('the memory limit still stops code that allocates too much, with a file in or out', {
    timeout: 60_000,
  }, async () => {
    const file = randomBytes(10 * MB);
    const copies = await failure(
      'module.exports = (c, s) => { const copies = []; for (let i = 0; i < 20; i++) copies.push(Buffer.from(s.file)); return copies.length; };',
      [{}, { file }],
    );
    expect(copies.code).toBe('CODE_MEMORY_LIMIT');
    expect(copies.message).toBe('the code step used more than 64 MiB of memory');
    const made = await failure(
      'module.exports = () => { const parts = []; while (true) parts.push(Buffer.alloc(1e6)); };',
    );
    expect(made.code).toBe('CODE_MEMORY_LIMIT');
    // Arguments that cannot fit at all.
    const tooBig = await failure(
      'module.exports = (c, s) => s.file.length;',
      [{}, { file: Buffer.alloc(40 * MB) }],
      {
        memoryBytes: 16 * 1024 * 1024,
      },
    );
    expect(tooBig.code).toBe('CODE_MEMORY_LIMIT');
    // And the next call works.
    expect(await runSandboxedModule('module.exports = (c, s) => s.file.length;', [{}, { file }])).toBe(
      10 * MB,
    );
  });
});

describe('code step: binary data crosses as bytes', () => {
  afterEach(() => vi.restoreAllMocks());

  it('never turns a Buffer into JSON (Buffer.prototype.toJSON) on the host', async () => {
    const toJSON = vi.spyOn(Buffer.prototype, 'toJSON');
    const file = randomBytes(1000);
    const calls: unknown[][] = [];
    const result = (await runSandboxedModule(
      `module.exports = async (c, s) => {
        const sync = c.read();
        const later = await c.readLater();
        c.log(s.file.subarray(0, 4), { nested: [sync] });
        return { sync: sync.toString(), later: Buffer.isBuffer(later) && later.equals(s.file), file: s.file };
      };`,
      [
        {
          read: () => Buffer.from('hello'),
          readLater: async () => ({ bytes: file }).bytes,
          log: (...args: unknown[]) => calls.push(args),
        },
        { file },
      ],
    )) as Record<string, unknown>;
    expect(result.sync).toBe('hello');
    expect(result.later).toBe(true);
    expect(Buffer.compare(result.file as Buffer, file)).toBe(0);
    expect(calls).toEqual([[file.subarray(0, 4), { nested: [Buffer.from('hello')] }]]);
    expect(Buffer.isBuffer(calls[0]?.[0])).toBe(true);
    expect(toJSON).not.toHaveBeenCalled();
  });

  it('finds binary data and functions anywhere; keeps dates, BigInts, class instances as JSON has them', async () => {
    class Holder {
      constructor(readonly file: Buffer) {}
    }
    const file = Buffer.from('abc');
    const shared = { file };
    const result = await runSandboxedModule(
      `module.exports = (c, s) => ({
        holder: Buffer.isBuffer(s.holder.file) && s.holder.file.toString(),
        shared: s.one.file === s.two.file,
        list: s.list.map((x) => (Buffer.isBuffer(x) ? 'buffer:' + x.toString('hex') : x)),
        date: s.date, big: s.big, floats: s.floats, call: s.fn(),
      });`,
      [
        {},
        {
          holder: new Holder(file),
          one: shared,
          two: shared,
          list: [1, new Uint8Array([1, 2]).buffer, new DataView(new Uint8Array([3]).buffer), null],
          date: new Date(0),
          big: 12n,
          floats: new Float64Array([0.5]),
          fn: () => 'called',
        },
      ],
    );
    expect(result).toEqual({
      holder: 'abc',
      shared: true,
      list: [1, 'buffer:0102', 'buffer:03', null],
      date: '1970-01-01T00:00:00.000Z',
      big: '12',
      floats: [0.5],
      call: 'called',
    });
  });

  it('cyclic arguments fail clearly', async () => {
    const cyclic: Record<string, unknown> = { file: Buffer.from('x') };
    cyclic.self = cyclic;
    await expect(runSandboxedModule('module.exports = () => 1;', [{}, cyclic])).rejects.toThrow(
      /cannot be copied into the sandbox: Converting circular structure to JSON/,
    );
  });

  it('leaves none of a file in the idle instances’ memory', async () => {
    const file = randomBytes(4096);
    expect(await sandboxInternals.memoryLayout()).toBeDefined();
    await runSandboxedModule('module.exports = (c, s) => ({ data: s.file, copy: Buffer.from(s.file) });', [
      {},
      { file },
    ]);
    const needle = file.subarray(0, 64);
    expect(sandboxInternals.idleMemories().length).toBeGreaterThan(0);
    expect(sandboxInternals.idleMemories().some((memory) => Buffer.from(memory).includes(needle))).toBe(
      false,
    );
  });
});

describe('code step: Buffer', () => {
  // Each expression runs in the sandbox and in Node; the results must be the same.
  const CASES: Record<string, string> = {
    utf8: `Buffer.from('héllo wörld 😀').toString()`,
    utf8Bytes: `Buffer.from('héllo wörld 😀', 'utf8')`,
    base64: `Buffer.from('héllo wörld 😀').toString('base64')`,
    fromBase64: `Buffer.from('aMOpbGxvIHfDtnJsZCDwn5iA', 'base64').toString()`,
    base64url: `Buffer.from([251, 255, 191, 0, 1]).toString('base64url')`,
    fromBase64url: `Buffer.from('-_-_AAE', 'base64url')`,
    hex: `Buffer.from('00ff10ab', 'hex')`,
    toHex: `Buffer.from([0, 255, 16, 171]).toString('hex')`,
    latin1: `Buffer.from('café', 'latin1')`,
    toLatin1: `Buffer.from([99, 97, 102, 233]).toString('latin1')`,
    binary: `Buffer.from([99, 233]).toString('binary')`,
    ascii: `Buffer.from('abc', 'ascii').toString('ascii')`,
    utf16le: `Buffer.from('hé', 'utf16le')`,
    fromArray: `Buffer.from([1, 2, 3, 256, -1])`,
    fromArrayBuffer: `Buffer.from(new Uint8Array([5, 6, 7]).buffer)`,
    fromArrayBufferPart: `Buffer.from(new Uint8Array([5, 6, 7, 8]).buffer, 1, 2)`,
    fromUint8Array: `Buffer.from(new Uint8Array([9, 8]))`,
    fromBuffer: `Buffer.from(Buffer.from('copy'))`,
    alloc: `Buffer.alloc(4)`,
    allocFill: `Buffer.alloc(5, 'ab')`,
    allocFillBase64url: `Buffer.alloc(4, '-_8', 'base64url')`,
    concat: `Buffer.concat([Buffer.from('ab'), new Uint8Array([99]), Buffer.from('d')])`,
    concatLength: `Buffer.concat([Buffer.from('abc'), Buffer.from('def')], 4)`,
    isBuffer: `[Buffer.isBuffer(Buffer.from('a')), Buffer.isBuffer(new Uint8Array(1)), Buffer.isBuffer('a')]`,
    isEncoding: `['utf8', 'base64url', 'hex', 'nope'].map((e) => Buffer.isEncoding(e))`,
    byteLength: `[Buffer.byteLength('héllo'), Buffer.byteLength('aGk=', 'base64'), Buffer.byteLength('aGk', 'base64url'), Buffer.byteLength('abcd', 'hex')]`,
    length: `Buffer.from('héllo').length`,
    slice: `Buffer.from('hello world').slice(6).toString()`,
    sliceShares: `(() => { const b = Buffer.from('hello'); const s = b.slice(1, 3); s[0] = 69; return b.toString(); })()`,
    subarray: `Buffer.from('hello world').subarray(0, 5)`,
    equals: `[Buffer.from('abc').equals(Buffer.from('abc')), Buffer.from('abc').equals(Buffer.from('abd'))]`,
    compare: `[Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.from('b').compare(Buffer.from('a'))]`,
    indexOf: `[Buffer.from('hello').indexOf('l'), Buffer.from('hello').includes('ell')]`,
    write: `(() => { const b = Buffer.alloc(6); b.write('hi', 1); b.write('_w', 4, 'base64url'); return b; })()`,
    numbers: `(() => { const b = Buffer.alloc(8); b.writeUInt32BE(0xdeadbeef, 0); b.writeInt16LE(-2, 4); return [b.readUInt32BE(0), b.readInt16LE(4), b.readUInt8(0)]; })()`,
    json: `JSON.stringify(Buffer.from('hi'))`,
    jsonNested: `JSON.stringify({ file: Buffer.from([1, 2]) })`,
    instance: `[Buffer.from('a') instanceof Uint8Array, typeof Buffer.prototype.readUInt8]`,
  };

  it('behaves like Node’s Buffer for common use', async () => {
    const body = `return { ${Object.entries(CASES)
      .map(([name, expression]) => `${name}: ${expression}`)
      .join(',\n')} };`;
    const inSandbox = await runSandboxedModule(`module.exports = () => { ${body} };`, []);
    const inNode = new Function('Buffer', body)(Buffer);
    expect(inSandbox).toEqual(inNode);
  });

  it('files in stepResults are Buffers, as in Prismatic', async () => {
    const data = randomBytes(3000);
    const result = await runSandboxedModule(
      `module.exports = (c, s) => {
        const data = s.read.results.data;
        return {
          isBuffer: Buffer.isBuffer(data),
          base64: data.toString('base64'),
          hex: data.toString('hex'),
          copy: Buffer.from(data.toString('base64'), 'base64').equals(data),
          text: Buffer.from(s.read.results.text).toString('base64url'),
        };
      };`,
      [{}, { read: { results: { data, text: 'plain text' } } }],
    );
    expect(result).toEqual({
      isBuffer: true,
      base64: data.toString('base64'),
      hex: data.toString('hex'),
      copy: true,
      text: Buffer.from('plain text').toString('base64url'),
    });
  });

  it('Buffers made in the code come out as Buffers; console shows them as Node does', async () => {
    const lines: string[] = [];
    const result = (await runSandboxedModule(
      `module.exports = () => {
        console.log(Buffer.from('hi'), { file: Buffer.from([1]) });
        return { data: Buffer.from('hello, world'), contentType: 'text/plain' };
      };`,
      [],
      { log: (_level: string, message: string) => lines.push(message) },
    )) as { data: Buffer; contentType: string };
    expect(Buffer.isBuffer(result.data)).toBe(true);
    expect(result.data.toString()).toBe('hello, world');
    expect(result.contentType).toBe('text/plain');
    expect(lines).toEqual(['<Buffer 68 69> {"file":"<Buffer 01>"}']);
  });
});
