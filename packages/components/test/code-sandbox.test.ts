import { describe, expect, it } from 'vitest';
import { loadQuickJS, runSandboxedFunction, runSandboxedModule, SandboxError } from '../src/code/sandbox.js';

/** Runs module text and returns the error it failed with (or throws if it succeeded). */
async function failure(code: string, args: unknown[] = [{}, {}], options = {}): Promise<SandboxError> {
  try {
    const value = await runSandboxedModule(code, args, options);
    throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
  } catch (error) {
    if (!(error instanceof SandboxError)) throw error;
    return error;
  }
}

const run = (body: string, args: unknown[] = [{}, {}], options = {}) =>
  runSandboxedModule(`module.exports = async (context, stepResults) => {\n${body}\n};`, args, options);

describe('sandbox: loading', () => {
  it('loads the WebAssembly module once and reuses it (cold vs warm)', async () => {
    const coldStart = performance.now();
    await loadQuickJS();
    await runSandboxedModule('module.exports = () => 1', []);
    const cold = performance.now() - coldStart;
    for (let i = 0; i < 10; i++) await runSandboxedModule('module.exports = () => 1', []);
    const warmRuns = 50;
    const warmStart = performance.now();
    for (let i = 0; i < warmRuns; i++) await runSandboxedModule('module.exports = () => 1', []);
    const warm = (performance.now() - warmStart) / warmRuns;
    console.log(
      `quickjs sandbox: cold ${cold.toFixed(1)} ms (module load + first run), warm ${warm.toFixed(2)} ms per run`,
    );
    expect(await loadQuickJS()).toBe(await loadQuickJS());
    expect(warm).toBeLessThan(cold);
  });
});

describe('sandbox: escapes end as step errors', () => {
  it('has no process', async () => {
    expect(await run('return typeof process;')).toBe('undefined');
    const error = await failure('module.exports = () => process.env.HOME');
    expect(error.code).toBe('CODE_THREW');
    expect(error.message).toMatch(/ReferenceError: .process. is not defined \(line 1\)/);
  });

  it('require throws a clear error', async () => {
    const error = await failure(
      `const fs = require('fs');\nmodule.exports = () => fs.readFileSync('/etc/passwd', 'utf8');`,
    );
    expect(error.code).toBe('CODE_THREW');
    expect(error.message).toContain(
      "require('fs') is not available in code steps: only the context and stepResults are",
    );
    expect(error.line).toBe(1);
  });

  it('dynamic import fails', async () => {
    const error = await failure(
      `module.exports = async () => { const fs = await import('fs'); return fs.readFileSync('/etc/passwd'); };`,
    );
    expect(error.code).toBe('CODE_THREW');
    expect(error.message).toMatch(/fs|module/);
  });

  it('static import is a syntax error in a CommonJS step', async () => {
    const error = await failure(`import fs from 'fs';\nmodule.exports = () => 1;`);
    expect(error.code).toBe('CODE_SYNTAX');
  });

  it('the Function constructor only reaches the sandbox global', async () => {
    expect(
      await run(`
        const g = globalThis.constructor.constructor('return this')();
        const h = ({}).constructor.constructor('return this')();
        return {
          same: g === globalThis && h === globalThis,
          process: typeof g.process,
          require: typeof h.require === 'function' ? 'throwing stub' : typeof h.require,
          keys: Object.getOwnPropertyNames(g).filter((k) => /^(process|global|require_cache)$|^__/.test(k)),
          // The sandbox's own Buffer (the npm 'buffer' package), made of the sandbox's Uint8Array.
          buffer: Buffer.from('x') instanceof Uint8Array && Object.getPrototypeOf(Buffer.prototype) === Uint8Array.prototype,
        };`),
    ).toEqual({ same: true, process: 'undefined', require: 'throwing stub', keys: [], buffer: true });
    const error = await failure(
      `module.exports = () => globalThis.constructor.constructor('return process')().env`,
    );
    expect(error.code).toBe('CODE_THREW');
    expect(error.message).toContain("'process' is not defined");
  });

  it('this.constructor and prototype walks stay inside', async () => {
    const result = await runSandboxedModule(
      `module.exports = function (context) {
        // A sloppy-mode function's this is the sandbox's own global.
        const fromThis = this === globalThis && this.constructor === Object && this.constructor.constructor('return typeof process')();
        const logFn = context.logger.info;
        const F = logFn.constructor;
        const viaLogger = F('return typeof process')();
        let proto = Object.getPrototypeOf(context.logger), depth = 0;
        while (proto) { proto = Object.getPrototypeOf(proto); depth++; }
        return { fromThis, viaLogger, sameFunction: F === Function, depth };
      };`,
      [{ logger: { info: () => {} } }, {}],
    );
    expect(result).toEqual({ fromThis: 'undefined', viaLogger: 'undefined', sameFunction: true, depth: 1 });
  });

  it("the boundary's functions are strict: user code cannot climb into them through .caller", async () => {
    // The bootstrap is loaded from the source text of ordinary functions (src/code/boundary/): the script that
    // wraps them must keep them strict. QuickJS throws on `.caller` of a strict function only, as the user's own
    // sloppy function shows.
    const result = await runSandboxedModule(
      `module.exports = (context) => {
        const reached = [];
        const functions = { log: console.log, setTimeout, clearTimeout, require, from: Buffer.from,
          isEncoding: Buffer.isEncoding, toString: Buffer.prototype.toString, bridged: context.f,
          sloppy: function sloppy() {} };
        for (const [name, fn] of Object.entries(functions)) {
          try { fn.caller; reached.push(name); } catch (e) {}
        }
        return reached;
      };`,
      [{ f: () => 1 }],
    );
    expect(result).toEqual(['sloppy']);
  });

  it('an infinite loop ends with the default 10 s timeout', { timeout: 30_000 }, async () => {
    const started = Date.now();
    const error = await failure('module.exports = () => { while (true) {} };');
    expect(error.code).toBe('CODE_TIMEOUT');
    expect(error.message).toBe('the code step ran longer than 10 s');
    expect(Date.now() - started).toBeLessThan(12_000);
  });

  it('an infinite loop at the top level, caught or not, times out', async () => {
    const error = await failure('try { while (true) {} } catch (e) {}\nmodule.exports = () => 1;', [], {
      timeoutMs: 300,
    });
    expect(error.code).toBe('CODE_TIMEOUT');
    expect(error.message).toBe('the code step ran longer than 300 ms');
  });

  it('an infinite loop inside a promise times out', async () => {
    const error = await failure(
      'module.exports = async () => { await null; await new Promise((r) => { while (true) {} }); };',
      [],
      { timeoutMs: 300 },
    );
    expect(error.code).toBe('CODE_TIMEOUT');
  });

  it('an infinite loop in a timer callback times out', async () => {
    const error = await failure(
      'module.exports = () => new Promise(() => setTimeout(() => { for (;;) {} }, 10));',
      [],
      { timeoutMs: 300 },
    );
    expect(error.code).toBe('CODE_TIMEOUT');
  });

  it('waiting past the deadline times out', async () => {
    const error = await failure('module.exports = () => new Promise((r) => setTimeout(r, 60_000));', [], {
      timeoutMs: 200,
    });
    expect(error.code).toBe('CODE_TIMEOUT');
  });

  it('a promise that can never settle fails at once', async () => {
    const started = Date.now();
    const error = await failure('module.exports = () => new Promise(() => {});');
    expect(error.code).toBe('CODE_THREW');
    expect(error.message).toContain('never settles');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a memory bomb hits the memory limit', async () => {
    const error = await failure(
      'module.exports = () => { let a = []; while (true) a.push(new Array(1e6).fill(1)); };',
    );
    expect(error.code).toBe('CODE_MEMORY_LIMIT');
    expect(error.message).toBe('the code step used more than 64 MiB of memory');
  });

  it('typed arrays count against the limit (the WebAssembly memory is the hard cap)', async () => {
    const started = Date.now();
    const error = await failure(
      'module.exports = () => { const a = []; while (true) a.push(new Uint8Array(1e6)); };',
    );
    expect(error.code).toBe('CODE_MEMORY_LIMIT');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a bomb of strings hits the memory limit too', async () => {
    const error = await failure(
      'module.exports = () => { const a = []; while (true) a.push("x".repeat(1e5) + a.length); };',
      [],
      {
        memoryBytes: 16 * 1024 * 1024,
      },
    );
    expect(error.code).toBe('CODE_MEMORY_LIMIT');
    expect(error.message).toBe('the code step used more than 16 MiB of memory');
  });

  it('a huge output is refused', async () => {
    const error = await failure('module.exports = () => ({ data: "x".repeat(11 * 1024 * 1024) });');
    expect(error.code).toBe('CODE_OUTPUT_TOO_LARGE');
    expect(error.message).toBe('the code step returned more than 10 MiB');
    const multiByte = await failure('module.exports = () => "é".repeat(600 * 1024);', [], {
      maxOutputBytes: 1024 * 1024,
    });
    expect(multiByte.code).toBe('CODE_OUTPUT_TOO_LARGE');
  });

  it('deep recursion ends cleanly as a stack overflow', async () => {
    for (const code of [
      'module.exports = () => { const f = (n) => f(n + 1) + 1; return f(0); };',
      'module.exports = () => { const f = (n) => [n].map(() => f(n + 1)); return f(0); };',
      'module.exports = () => { const f = (n) => JSON.parse("1", () => f(n + 1)); return f(0); };',
      'module.exports = async () => { const f = async (n) => 1 + await f(n + 1); return f(0); };',
    ]) {
      const error = await failure(code);
      expect(error.code).toBe('CODE_THREW');
      expect(error.message).toMatch(/stack overflow/);
    }
    // A recursion the user catches is just JavaScript.
    expect(await run('const f = (n) => f(n + 1); try { f(0); } catch (e) { return e.message; }')).toBe(
      'stack overflow',
    );
    expect(await run('const f = (n) => (n === 0 ? 0 : 1 + f(n - 1)); return f(1000);')).toBe(1000);
  });

  it('throwing non-Error values', async () => {
    const text = await failure('module.exports = () => { throw "just a string"; };');
    expect(text.code).toBe('CODE_THREW');
    expect(text.message).toBe('the code step threw a non-Error value: just a string');
    const object = await failure('module.exports = async () => { throw { reason: 42 }; };');
    expect(object.message).toBe('the code step threw a non-Error value: {"reason":42}');
    const nothing = await failure('module.exports = () => { throw undefined; };');
    expect(nothing.code).toBe('CODE_THREW');
    const getter = await failure(
      'module.exports = () => { throw { get message() { while (true) {} } }; };',
      [],
      { timeoutMs: 300 },
    );
    expect(['CODE_THREW', 'CODE_TIMEOUT']).toContain(getter.code);
  });

  it('a rejected promise carries the message and line', async () => {
    const error = await failure(
      'module.exports = async (context) => {\n  await null;\n  throw new TypeError("bad customer " + context.customer);\n};',
      [{ customer: 'acme' }, {}],
    );
    expect(error.code).toBe('CODE_THREW');
    expect(error.message).toBe('the code step threw TypeError: bad customer acme (line 3)');
    expect(error.line).toBe(3);
    const rejected = await failure('module.exports = () => Promise.reject(new RangeError("nope"));');
    expect(rejected.message).toContain('RangeError: nope');
  });

  it('a syntax error gives the line', async () => {
    const error = await failure('module.exports = async () => {\n  const x = ;\n  return x;\n};');
    expect(error.code).toBe('CODE_SYNTAX');
    expect(error.message).toMatch(/^the code step has a syntax error: .+ \(line 2\)$/);
    expect(error.line).toBe(2);
    // A SyntaxError thrown at run time is a throw, not a syntax error of the step.
    const runtime = await failure('module.exports = () => JSON.parse("{");');
    expect(runtime.code).toBe('CODE_THREW');
    expect(runtime.message).toContain('SyntaxError');
  });

  it('module.exports that is not a function', async () => {
    const error = await failure('module.exports = { data: 1 };');
    expect(error.code).toBe('CODE_THREW');
    expect(error.message).toContain('module.exports is not a function');
  });

  it('tampering with the logger and globals only affects the sandbox', async () => {
    const lines: unknown[][] = [];
    const logger = { info: (...args: unknown[]) => lines.push(args) };
    const result = await runSandboxedModule(
      `module.exports = (context) => {
        context.logger.info('first');
        const original = context.logger.info;
        context.logger.info = () => 'replaced';
        Object.prototype.hacked = true;
        JSON.stringify = () => 'broken';
        Promise.prototype.then = () => { throw new Error('no'); };
        globalThis.console = null;
        original({ toJSON() { return 'custom'; } }, 123);
        original.call(null, 'via call');
        return { ok: true };
      };`,
      [{ logger }, {}],
    );
    expect(result).toEqual({ ok: true });
    expect(lines).toEqual([['first'], ['custom', 123], ['via call']]);
    expect(({} as Record<string, unknown>).hacked).toBeUndefined();
    expect(JSON.stringify({ a: 1 })).toBe('{"a":1}');
  });

  it('a host function that throws gives the sandbox an Error, not the host error object', async () => {
    const secret = { token: 'host-only' };
    const fn = () => {
      const error = new Error('host failed') as Error & { secret?: unknown };
      error.secret = secret;
      throw error;
    };
    const result = await runSandboxedModule(
      'module.exports = (c) => { try { c.fn(); } catch (e) { return [e.message, e.secret === undefined, e instanceof Error]; } };',
      [{ fn }, {}],
    );
    expect(result).toEqual(['host failed', true, true]);
  });

  it('returning functions drops them; cyclic objects fail clearly', async () => {
    expect(await run('return { data: 1, fn: () => 1, nested: { f() {} } };')).toEqual({
      data: 1,
      nested: {},
    });
    expect(await run('return () => 1;')).toBeUndefined();
    const error = await failure(
      'module.exports = () => { const a = { name: "a" }; a.self = a; return { data: a }; };',
    );
    expect(error.code).toBe('CODE_THREW');
    expect(error.message).toMatch(/cannot be copied out as JSON: TypeError: circular/);
  });

  it('Date and Math work normally', async () => {
    const result = (await run(
      'return { now: Date.now(), iso: new Date(Date.UTC(2024, 1, 29, 12)).toISOString(), date: new Date(0), r: Math.random(), max: Math.max(1, 5, 3), json: JSON.parse("[1]") };',
    )) as Record<string, unknown>;
    expect(Math.abs((result.now as number) - Date.now())).toBeLessThan(5000);
    expect(result.iso).toBe('2024-02-29T12:00:00.000Z');
    expect(result.date).toBe('1970-01-01T00:00:00.000Z');
    expect(result.r).toBeGreaterThanOrEqual(0);
    expect(result.r).toBeLessThan(1);
    expect(result.max).toBe(5);
    expect(result.json).toEqual([1]);
  });

  it('forged binary or function tags in the data stay plain data', async () => {
    const forged = {
      'weft:function': 0,
      'weft:0:function': 0,
      bytes: { 'weft:bytes': 'AAAA', bytes: 'AAAA', function: 1 },
    };
    expect(await run('return stepResults;', [{ logger: { info() {} } }, forged])).toEqual(forged);
  });

  it('cancellation through the signal', async () => {
    // The sandbox runs on the host's thread: an abort lands whenever the code yields to the host (a timer, a host
    // call); a loop that never yields is ended by the deadline instead.
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const busy = await failure(
      'module.exports = async () => { for (;;) { for (let i = 0; i < 1e5; i++); await new Promise((r) => setTimeout(r, 0)); } };',
      [],
      { signal: controller.signal },
    );
    expect(busy.code).toBe('CODE_CANCELLED');
    expect(busy.message).toBe('the code step was cancelled');
    const fromHost = new AbortController();
    const inCall = await failure(
      'module.exports = (c) => { c.cancel(); while (true) {} };',
      [{ cancel: () => fromHost.abort() }],
      {
        signal: fromHost.signal,
      },
    );
    expect(inCall.code).toBe('CODE_CANCELLED');
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(), 100);
    const idle = await failure('module.exports = () => new Promise((r) => setTimeout(r, 30_000));', [], {
      signal: waiting.signal,
    });
    expect(idle.code).toBe('CODE_CANCELLED');
    const already = await failure('module.exports = () => 1;', [], { signal: AbortSignal.abort() });
    expect(already.code).toBe('CODE_CANCELLED');
  });

  it('the host keeps working after every kind of failure', async () => {
    expect(await run('return { data: [1, 2, 3].map((n) => n * 2) };')).toEqual({ data: [2, 4, 6] });
  });
});

describe('sandbox: data in and out', () => {
  it('round-trips nested data, unicode and numbers', async () => {
    const data = {
      text: 'héllo wörld — 日本語 😀',
      numbers: [0, -1, 1.5, 1e21, Number.MAX_SAFE_INTEGER],
      nested: { a: [{ b: { c: [null, true, false] } }] },
      empty: {},
      list: [],
    };
    expect(await run('return { data: stepResults.input };', [{}, { input: data }])).toEqual({ data });
  });

  it('binary comes out as a Buffer and goes in as a Uint8Array', async () => {
    const input = Buffer.from([0, 1, 2, 253, 254, 255, 10]);
    const result = (await run(
      'const bytes = stepResults.file; return { kind: bytes instanceof Uint8Array, length: bytes.length, data: new Uint8Array([...bytes].reverse()), ab: new Uint8Array([104, 105]).buffer, floats: new Float32Array([1.5]) };',
      [{}, { file: input }],
    )) as Record<string, unknown>;
    expect(result.kind).toBe(true);
    expect(result.length).toBe(7);
    expect(Buffer.isBuffer(result.data)).toBe(true);
    expect([...(result.data as Buffer)]).toEqual([...input].reverse());
    expect((result.ab as Buffer).toString()).toBe('hi');
    expect(result.floats).toEqual([1.5]);
    for (const size of [0, 1, 2, 3, 1000, 70_000]) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7) % 256));
      const back = await run('return stepResults.b;', [{}, { b: bytes }]);
      expect(Buffer.compare(back as Buffer, bytes)).toBe(0);
    }
  });

  it('setTimeout, async/await and bridged async host functions', async () => {
    const result = await runSandboxedModule(
      `const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      module.exports = async (context) => {
        const started = Date.now();
        await sleep(30);
        const cleared = setTimeout(() => { throw new Error('should not run'); }, 10);
        clearTimeout(cleared);
        const answer = await context.ask('question');
        let failed;
        try { await context.fail(); } catch (e) { failed = e.message; }
        return { waited: Date.now() - started >= 25, answer, failed };
      };`,
      [{ ask: async (q: string) => ({ q, a: 42 }), fail: async () => Promise.reject(new Error('async no')) }],
    );
    expect(result).toEqual({ waited: true, answer: { q: 'question', a: 42 }, failed: 'async no' });
  });

  it('console goes to the log option', async () => {
    const lines: Array<[string, string]> = [];
    await runSandboxedModule(
      'module.exports = () => { console.log("a", 1, { b: 2 }); console.error(new Error("e")); console.warn("w"); };',
      [],
      { log: (level, message) => lines.push([level, message]) },
    );
    expect(lines[0]).toEqual(['log', 'a 1 {"b":2}']);
    expect(lines[1]?.[0]).toBe('error');
    expect(lines[1]?.[1]).toContain('Error: e');
    expect(lines[2]).toEqual(['warn', 'w']);
  });

  it('runSandboxedFunction runs a bare function expression', async () => {
    expect(await runSandboxedFunction('(item) => item.price > 10', [{ price: 12 }])).toBe(true);
    expect(await runSandboxedFunction('(item) => item.price > 10', [{ price: 2 }])).toBe(false);
    expect(await runSandboxedFunction('function (x, i) { return { ...x, i }; }', [{ a: 1 }, 3])).toEqual({
      a: 1,
      i: 3,
    });
    expect(await runSandboxedFunction('async (x) => x * 2', [21])).toBe(42);
    const error = await runSandboxedFunction('(item) => item.', [{}]).catch((e: SandboxError) => e);
    expect((error as SandboxError).code).toBe('CODE_SYNTAX');
  });

  it('runs concurrently without mixing executions', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        runSandboxedModule(
          'module.exports = async (n) => { await new Promise((r) => setTimeout(r, 5 + (n % 3) * 5)); globalThis.mine = n; await null; return globalThis.mine; };',
          [i],
        ),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('200 executions keep memory bounded (every handle disposed)', { timeout: 60_000 }, async () => {
    const code =
      'module.exports = async (c, s) => { const big = new Array(20000).fill(0).map((_, i) => ({ i })); await null; return { data: big.length + s.n }; };';
    for (let i = 0; i < 20; i++) await runSandboxedModule(code, [{}, { n: i }]);
    global.gc?.();
    const before = process.memoryUsage();
    for (let i = 0; i < 200; i++) {
      expect(await runSandboxedModule(code, [{ logger: { info() {} } }, { n: i }])).toEqual({
        data: 20000 + i,
      });
      if (i % 50 === 0)
        await failure('module.exports = () => { let a = []; while (true) a.push(new Array(1e5).fill(1)); };');
    }
    global.gc?.();
    const after = process.memoryUsage();
    const growth = (after.rss - before.rss) / (1024 * 1024);
    console.log(`quickjs sandbox: rss growth over 200 executions ${growth.toFixed(1)} MiB`);
    expect(growth).toBeLessThan(100);
  });
});
