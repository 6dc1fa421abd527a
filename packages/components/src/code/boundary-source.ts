/**
 * The JavaScript evaluated inside QuickJS before a code step, as source text: the npm `buffer` package (read from
 * node_modules) and the bootstrap (`boundary/`).
 *
 * The bootstrap is written as ordinary TypeScript functions in `boundary/`, which tsc and Biome check like any other
 * code; what QuickJS evaluates is their text (`Function.prototype.toString`) as this process loaded them: the
 * compiled JavaScript in `dist/`, or what vitest made of the `.ts` files. So a boundary function may use only its
 * parameters and the sandbox's globals (no imports, nothing else of its module: that would not exist in the
 * sandbox), and only what both emit unchanged (types are erased; no TypeScript-only constructs such as enums). For
 * the same reason test coverage must not instrument them (the v8 provider does not; istanbul's counters would not
 * exist in the sandbox).
 *
 * The bootstrap runs in strict mode: the 'use strict' of the wrapper below covers every function in it, whatever
 * mode the text came from. Sloppy-mode functions would let user code reach into the boundary through `fn.caller`
 * (code-sandbox.test.ts checks). The `buffer` package's script runs as it always has, in the mode its own files ask
 * for.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type BootstrapParts, bootstrap } from './boundary/bootstrap.js';
import { installBuffer, makeBytesOf } from './boundary/buffer.js';
import { loadCommonJsModules } from './boundary/commonjs.js';
import { installConsole, makeShow } from './boundary/console.js';
import { captureIntrinsics } from './boundary/intrinsics.js';
import { makeApplyMarks, makeEncode, makeHostFunctionBridge } from './boundary/marshalling.js';
import { installModule } from './boundary/module.js';
import { installTimers } from './boundary/timers.js';

const bootstrapParts: BootstrapParts = {
  captureIntrinsics,
  installBuffer,
  makeBytesOf,
  makeEncode,
  makeHostFunctionBridge,
  makeApplyMarks,
  makeShow,
  installConsole,
  installTimers,
  installModule,
};

/** A function's source text as an expression (a declaration's text is a statement until parenthesised). */
function expression(fn: (...args: never[]) => unknown): string {
  return `(${fn.toString()})`;
}

/**
 * A script whose value is the bootstrap's factory: a function of the host functions and the `buffer` package's
 * exports (in the order of `HOST_FUNCTIONS` in realm.ts, then the exports) that returns `begin`, `run`,
 * `fireTimer`, `settle` and `describe`.
 */
export const BOOTSTRAP_SOURCE = [
  '(function (hostCall, hostLog, hostTimer, hostDone, hostFail, bufferExports) {',
  "  'use strict';",
  `  return ${expression(bootstrap)}(hostCall, hostLog, hostTimer, hostDone, hostFail, bufferExports, {`,
  ...Object.entries(bootstrapParts).map(([name, fn]) => `  ${name}: ${expression(fn)},`),
  '  });',
  '})',
].join('\n');

let bufferLibrary: string | undefined;

/**
 * A script whose value is a function that returns the exports of the npm `buffer` package (feross/buffer, Node's
 * Buffer for environments without one) with its dependencies `base64-js` and `ieee754`: their CommonJS sources, read
 * from node_modules once per process, each wrapped in a module function. A pristine realm evaluates it once.
 */
export function bufferLibrarySource(): string {
  if (bufferLibrary !== undefined) return bufferLibrary;
  const require = createRequire(import.meta.url);
  // 'buffer/' (not 'buffer', Node's own module) is the package's main file.
  const bufferPath = require.resolve('buffer/');
  const fromBuffer = createRequire(bufferPath);
  const sources: Record<string, string> = {
    buffer: readFileSync(bufferPath, 'utf8'),
    'base64-js': readFileSync(fromBuffer.resolve('base64-js'), 'utf8'),
    ieee754: readFileSync(fromBuffer.resolve('ieee754'), 'utf8'),
  };
  const modules = Object.entries(sources)
    .map(([name, source]) => `${JSON.stringify(name)}: function (module, exports, require) {\n${source}\n}`)
    .join(',\n');
  bufferLibrary = `(function () {\n  return ${expression(loadCommonJsModules)}({\n${modules}\n  }, 'buffer');\n})`;
  return bufferLibrary;
}
