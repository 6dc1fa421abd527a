import type { installBuffer, makeBytesOf } from './buffer.js';
import type { installConsole, makeShow } from './console.js';
import type { captureIntrinsics } from './intrinsics.js';
import type { makeApplyMarks, makeEncode, makeHostFunctionBridge } from './marshalling.js';
import type { installModule } from './module.js';
import type { installTimers } from './timers.js';
import type {
  BufferExports,
  ExecutionSettings,
  HostCall,
  HostDone,
  HostFail,
  HostLog,
  HostTimer,
} from './types.js';

/** The other functions of this directory, as the bootstrap receives them (each evaluated from its source text). */
export interface BootstrapParts {
  captureIntrinsics: typeof captureIntrinsics;
  installBuffer: typeof installBuffer;
  makeBytesOf: typeof makeBytesOf;
  makeEncode: typeof makeEncode;
  makeHostFunctionBridge: typeof makeHostFunctionBridge;
  makeApplyMarks: typeof makeApplyMarks;
  makeShow: typeof makeShow;
  installConsole: typeof installConsole;
  installTimers: typeof installTimers;
  installModule: typeof installModule;
}

/**
 * Runs inside QuickJS (see intrinsics.ts), in each context before the user's code: it installs `module`, `exports`,
 * `require` (which throws), `console`, `setTimeout`/`clearTimeout` and `Buffer`, and returns the functions the host
 * calls (`begin`, `run`, `fireTimer`, `settle`, `describe`). It does not depend on the execution, so a pristine realm
 * (see ../pristine-snapshot.ts) has it run already; `begin` then gives it the execution's tag and output limit.
 *
 * The host functions are only held in these closures (never on the global object), so user code that tampers with
 * globals can break its own step but cannot reach or confuse the host.
 *
 * The arguments come in as plain JSON plus the host's marks (where binary data and bridged host functions go, by
 * path), so data from outside (an HTTP response in a step result) cannot pass for either; the binary data comes as
 * a list of ArrayBuffers and arrives as `Buffer`s over them (no copy; the same object twice on the host is the same
 * Buffer twice here). Elsewhere (host function arguments and replies, the result) tags mark them inside the JSON:
 * `{<tag>bytes: i}` is the i-th ArrayBuffer of the list that comes with the JSON, `{<tag>function: i}` a host
 * function; `<tag>` holds a random nonce per execution so that such data cannot forge one there either.
 */
export function bootstrap(
  hostCall: HostCall,
  hostLog: HostLog,
  hostTimer: HostTimer,
  hostDone: HostDone,
  hostFail: HostFail,
  bufferExports: BufferExports,
  parts: BootstrapParts,
) {
  const intrinsics = parts.captureIntrinsics();
  const settings: ExecutionSettings = { bytesTag: '', functionTag: '', maxOutputChars: 0 };
  function begin(tag: string, maxChars: number) {
    settings.bytesTag = `${tag}bytes`;
    settings.functionTag = `${tag}function`;
    settings.maxOutputChars = maxChars;
  }

  const buffer = parts.installBuffer(intrinsics, bufferExports);
  const bytesOf = parts.makeBytesOf(intrinsics);
  const encode = parts.makeEncode(intrinsics, bytesOf, buffer.whileSerializing, settings);
  const host = parts.makeHostFunctionBridge(intrinsics, encode, buffer.bufferOver, settings, hostCall);
  const applyMarks = parts.makeApplyMarks(intrinsics, buffer.bufferOver, host.bridge);
  const shown = parts.makeShow(intrinsics, bytesOf, buffer.BufferProto, buffer.whileSerializing);
  const fireTimer = parts.installTimers(intrinsics, hostTimer);
  parts.installConsole(intrinsics, shown.show, hostLog);
  const needs = { encode: encode, describe: shown.describe, applyMarks: applyMarks };
  const run = parts.installModule(intrinsics, needs, settings, hostDone, hostFail);

  return { begin: begin, run: run, fireTimer: fireTimer, settle: host.settle, describe: shown.describe };
}
