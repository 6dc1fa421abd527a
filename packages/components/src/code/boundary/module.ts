import type { Intrinsics } from './intrinsics.js';
import type { Encoded, ExecutionSettings, HostDone, HostFail, Mark } from './types.js';

/** What `run` needs from the rest of the boundary. */
export interface ModuleNeeds {
  encode: (value: unknown) => Encoded;
  describe: (error: unknown) => string;
  applyMarks: (root: unknown, marks: Mark[], binaries: ArrayBuffer[]) => unknown;
}

/**
 * Runs inside QuickJS (see intrinsics.ts). Installs the CommonJS globals a code step is written against: `module`,
 * `exports`, and a `require` that throws (a code step gets its data as arguments, never modules). Returns `run`,
 * which calls `module.exports(...args)` and reports the settled result to the host through hostDone/hostFail.
 */
export function installModule(
  intrinsics: Intrinsics,
  needs: ModuleNeeds,
  settings: ExecutionSettings,
  hostDone: HostDone,
  hostFail: HostFail,
) {
  const { G, parse, apply, promiseThen, PromiseCtor, ErrorCtor, TypeErrorCtor, StringCtor } = intrinsics;
  const { encode, describe, applyMarks } = needs;
  const moduleObject: { exports: unknown } = { exports: {} };
  G.module = moduleObject;
  G.exports = moduleObject.exports;
  G.require = function require(name: unknown) {
    throw new ErrorCtor(
      `require('${StringCtor(name)}') is not available in code steps: only the context and stepResults are`,
    );
  };

  function exported() {
    if (typeof moduleObject.exports === 'function') return moduleObject.exports;
    const current = G.module as { exports?: unknown } | null;
    if (current !== null && typeof current === 'object' && typeof current.exports === 'function') {
      return current.exports;
    }
    return undefined;
  }

  function reportResult(value: unknown) {
    let encoded: Encoded;
    try {
      encoded = encode(value);
    } catch (error) {
      hostFail(describe(error), 'output');
      return;
    }
    if (encoded.json === undefined) {
      hostDone();
      return;
    }
    if (encoded.json.length > settings.maxOutputChars) {
      hostFail('{}', 'size');
      return;
    }
    hostDone(encoded.json, encoded.list);
  }

  return function run(argsJson: string, marksJson: string | undefined, binaries: ArrayBuffer[]) {
    const fn = exported();
    if (fn === undefined) {
      throw new TypeErrorCtor(
        'module.exports is not a function: a code step exports one, module.exports = async (context, stepResults) => { ... }',
      );
    }
    // Binary data and host functions are not in the JSON (a reviver would run for every value, slowly): the host
    // says where they go.
    let args = parse(argsJson);
    if (marksJson !== undefined) args = applyMarks(args, parse(marksJson), binaries);
    const promise = new PromiseCtor((resolve) => {
      resolve(apply(fn as (...args: unknown[]) => unknown, undefined, args));
    });
    apply(promiseThen, promise, [
      reportResult,
      (error: unknown) => {
        hostFail(describe(error), 'threw');
      },
    ]);
  };
}
