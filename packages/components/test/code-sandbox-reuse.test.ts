import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxedModule, SandboxError, sandboxInternals } from '../src/code/sandbox.js';

// Executions reuse WebAssembly instances: each instance keeps a prepared QuickJS realm and puts its memory back to
// that pristine state after every execution (or, without snapshots, makes a new runtime and context each time).
// Either way every execution must start in a fresh realm that nothing of an earlier or concurrent one reaches.

const run = (body: string, args: unknown[] = [{}, {}], options = {}) =>
  runSandboxedModule(`module.exports = async (context, stepResults) => {\n${body}\n};`, args, options);

async function failure(code: string, args: unknown[] = [{}, {}], options = {}): Promise<SandboxError> {
  try {
    const value = await runSandboxedModule(code, args, options);
    throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return error;
  }
}

/** What a fresh realm looks like from inside: its globals and a few built-ins that tampering would change. */
const PROBE = `return {
  globals: Object.getOwnPropertyNames(globalThis).sort(),
  leaked: typeof globalThis.leaked,
  topLevel: typeof topLevelVar,
  polluted: typeof ({}).polluted,
  push: [].push === Array.prototype.push && Array.prototype.push.toString().includes('[native code]'),
  parse: JSON.parse('[1]').length,
  random: Math.random.toString().includes('[native code]'),
  console: typeof console.log,
  timers: typeof setTimeout,
  counter: typeof globalThis.counter,
};`;

const pristine = {
  leaked: 'undefined',
  topLevel: 'undefined',
  polluted: 'undefined',
  push: true,
  parse: 1,
  random: true,
  console: 'function',
  timers: 'function',
  counter: 'undefined',
};

const TAMPER = `var topLevelVar = 1;
globalThis.leaked = 'secret';
Object.prototype.polluted = true;
Array.prototype.push = function () { return 0; };
JSON.parse = () => 'broken';
Math.random = () => 4;
console.log = null;
setTimeout = undefined;
globalThis.counter = (globalThis.counter || 0) + 1;`;

describe.each([
  ['pristine snapshots', true],
  ['a new realm per execution', false],
])('sandbox reuse (%s)', (_mode, snapshots) => {
  beforeAll(() => sandboxInternals.useSnapshots(snapshots));
  afterAll(() => sandboxInternals.useSnapshots(true));

  it(`${snapshots ? 'uses' : 'does not use'} pristine snapshots`, async () => {
    expect(await run('return 1;')).toBe(1);
    expect((await sandboxInternals.memoryLayout()) !== undefined).toBe(snapshots);
  });

  it('globals, prototypes and built-ins changed by one call are not visible to the next', async () => {
    const before = (await run(PROBE)) as Record<string, unknown>;
    expect(before).toMatchObject(pristine);
    for (let i = 0; i < 5; i++) {
      // Tampering at the top level, inside the call, and in a timer that fires before the call ends.
      const tampered = await runSandboxedModule(
        `const wait = setTimeout;\n${TAMPER}\nmodule.exports = async () => { ${TAMPER} await new Promise((r) => wait(r, 1)); return globalThis.counter; };`,
        [],
      );
      expect(tampered).toBe(2);
      expect(await run(PROBE)).toEqual(before);
    }
  });

  it('a timer left pending by a finished call never runs in a later one', async () => {
    expect(
      await run('setTimeout(() => { globalThis.late = true; Object.prototype.late = true; }, 20); return 1;'),
    ).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await run('return [typeof globalThis.late, typeof ({}).late];')).toEqual([
      'undefined',
      'undefined',
    ]);
  });

  it('a call that blows the memory limit does not break the next call', async () => {
    const error = await failure(
      'globalThis.leaked = "before the bomb";\nmodule.exports = () => { const a = []; while (true) a.push(new Array(1e6).fill(1)); };',
      [],
      { memoryBytes: 16 * 1024 * 1024 },
    );
    expect(error.code).toBe('CODE_MEMORY_LIMIT');
    expect(error.message).toBe('the code step used more than 16 MiB of memory');
    for (let i = 0; i < 3; i++) {
      expect(await run(PROBE, [{}, {}], { memoryBytes: 16 * 1024 * 1024 })).toMatchObject(pristine);
      expect(await run('return { data: [1, 2, 3].map((n) => n * 2) };')).toEqual({ data: [2, 4, 6] });
    }
  });

  it('a call that catches running out of memory leaves nothing behind either', async () => {
    const caught = await run(
      'globalThis.leaked = 1; const a = []; try { while (true) a.push("x".repeat(1e5) + a.length); } catch (e) { return e.message; }',
      [{}, {}],
      { memoryBytes: 16 * 1024 * 1024 },
    );
    expect(caught).toBe('out of memory');
    for (let i = 0; i < 3; i++) {
      expect(await run(PROBE, [{}, {}], { memoryBytes: 16 * 1024 * 1024 })).toMatchObject(pristine);
    }
    // The limit still holds in the instance that was reused.
    const error = await failure(
      'module.exports = () => { const a = []; while (true) a.push(new Array(1e6).fill(1)); };',
      [],
      { memoryBytes: 16 * 1024 * 1024 },
    );
    expect(error.code).toBe('CODE_MEMORY_LIMIT');
  });

  it('a call that times out or overflows the stack does not break the next call', async () => {
    const timeout = await failure('globalThis.leaked = 1;\nmodule.exports = () => { for (;;) {} };', [], {
      timeoutMs: 200,
    });
    expect(timeout.code).toBe('CODE_TIMEOUT');
    expect(await run(PROBE)).toMatchObject(pristine);
    const overflow = await failure(
      'globalThis.leaked = 1;\nmodule.exports = () => { const f = (n) => f(n + 1) + 1; return f(0); };',
    );
    expect(overflow.message).toMatch(/stack overflow/);
    expect(await run(PROBE)).toMatchObject(pristine);
    // The limits still hold.
    expect((await failure('module.exports = () => { for (;;) {} };', [], { timeoutMs: 200 })).code).toBe(
      'CODE_TIMEOUT',
    );
    expect(await run('const f = (n) => f(n + 1); try { f(0); } catch (e) { return e.message; }')).toBe(
      'stack overflow',
    );
  });

  it('concurrent calls do not see each other’s data', async () => {
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, n) =>
        runSandboxedModule(
          `module.exports = async (c, s) => {
            (globalThis.seen ??= []).push(s.n);
            Object.prototype.owner = s.n;
            for (let i = 0; i < 3; i++) {
              await new Promise((r) => setTimeout(r, 1 + ((s.n + i) % 4) * 3));
              globalThis.seen.push(({}).owner);
            }
            return { seen: globalThis.seen, answer: await c.ask(s.n) };
          };`,
          [{ ask: async (n: number) => n * 10 }, { n }],
        ),
      ),
    );
    expect(results).toEqual(Array.from({ length: 24 }, (_, n) => ({ seen: [n, n, n, n], answer: n * 10 })));
  });

  it('Math.random is seeded anew for every call', async () => {
    const draws = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const [a, b] = (await run('return [Math.random(), Math.random()];')) as [number, number];
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThan(1);
      draws.add(a).add(b);
    }
    expect(draws.size).toBe(40);
  });

  it('functions and binary data anywhere in the arguments arrive as such', async () => {
    const calls: unknown[] = [];
    const fn = (...args: unknown[]) => {
      calls.push(args);
      return 'ok';
    };
    const bytes = Buffer.from([1, 2, 3]);
    const context = JSON.parse('{"__proto__": {"deep": [0, 1]}}') as Record<string, unknown>;
    // An own property named __proto__ (as JSON.parse makes it), not the prototype.
    const own = Object.getOwnPropertyDescriptor(context, '__proto__')?.value as { deep: unknown[] };
    own.deep[1] = fn;
    Object.assign(context, {
      list: [fn, { bytes }, [new Uint8Array([9]).buffer]],
      'odd.key with spaces': fn,
      '': { '': bytes },
      '0': fn,
      same: fn,
      forged: { 'weft:function': 0, [`weft:${'0'.repeat(16)}:bytes`]: 'AAAA' },
      big: 10n,
      date: new Date(0),
    });
    const result = await runSandboxedModule(
      `module.exports = (c, top) => ({
        deep: [c['__proto__'].deep[0], c['__proto__'].deep[1]()],
        list: [c.list[0](1), c.list[1].bytes instanceof Uint8Array, [...c.list[1].bytes], new Uint8Array(c.list[2][0])[0]],
        odd: c['odd.key with spaces']('a'),
        empty: [...c[''][''] ],
        zero: c['0'](),
        same: c.same === c.list[0] ? 'same' : 'separate',
        forged: c.forged,
        big: c.big,
        date: c.date,
        top: top(),
        proto: Object.getPrototypeOf(c) === Object.prototype,
      });`,
      [context, fn],
    );
    expect(result).toEqual({
      deep: [0, 'ok'],
      list: ['ok', true, [1, 2, 3], 9],
      odd: 'ok',
      empty: [1, 2, 3],
      zero: 'ok',
      same: 'separate',
      forged: { 'weft:function': 0, [`weft:${'0'.repeat(16)}:bytes`]: 'AAAA' },
      big: '10',
      date: '1970-01-01T00:00:00.000Z',
      top: 'ok',
      proto: true,
    });
    expect(calls).toEqual([[], [1], ['a'], [], []]);
  });
});

describe('sandbox reuse: pristine snapshots', () => {
  it('are in use on this platform (else every execution pays for a new realm)', async () => {
    expect(await run('return 1;')).toBe(1);
    expect(await sandboxInternals.memoryLayout()).toBeDefined();
  });

  it('give the same realm a new runtime and context would', async () => {
    sandboxInternals.useSnapshots(false);
    const fresh = await run(PROBE);
    sandboxInternals.useSnapshots(true);
    expect(await run(PROBE)).toEqual(fresh);
    expect(await run(PROBE)).toEqual(fresh);
  });

  it('leave nothing of a finished execution in the idle instances’ memory', async () => {
    const secret = `s3cr3t-${randomBytes(12).toString('hex')}`;
    const needles = [Buffer.from(secret), Buffer.from(secret, 'utf16le')];
    const inMemory = () =>
      sandboxInternals
        .idleMemories()
        .some((memory) => needles.some((needle) => Buffer.from(memory).includes(needle)));
    await Promise.all([
      run(
        'globalThis.kept = stepResults.secret; const parts = []; for (let i = 0; i < 2000; i++) parts.push(stepResults.secret + i); return parts.length;',
        [{}, { secret }],
      ),
      run('await new Promise((r) => setTimeout(r, 5)); return stepResults.secret.length;', [{}, { secret }]),
      failure('module.exports = (c, s) => { throw new Error(s.secret); };', [{}, { secret }]),
      failure('module.exports = (c, s) => { const k = s.secret; for (;;) {} };', [{}, { secret }], {
        timeoutMs: 100,
      }),
    ]);
    expect(sandboxInternals.idleMemories().length).toBeGreaterThan(0);
    expect(inMemory()).toBe(false);
  });
});
