/**
 * The shapes the boundary's functions share (types only: nothing of this file exists inside QuickJS).
 *
 * Everything that crosses between the host and the sandbox is a string, a number, or an array of ArrayBuffers
 * (binary data, as bytes: never base64 or JSON).
 */

/** The sandbox's global object, as the boundary sees it: a holder for what it installs there. */
export type SandboxGlobal = Record<string, unknown>;

/** A host reply: a string of JSON, or [json, ArrayBuffer...] when binary data comes with it. */
export type HostReply = string | [string, ...ArrayBuffer[]];

/** Calls the host function at `index` with JSON arguments (binary data in the list); its reply, or an error's. */
export type HostCall = (index: number, json: string, binaries: ArrayBuffer[]) => HostReply;
/** A console line, for the host's log. */
export type HostLog = (level: string, message: string) => void;
/** Starts host timer `id` (it then calls fireTimer(id)), or cancels it when `ms` is negative. */
export type HostTimer = (id: number, ms: number) => void;
/** The code step's result: JSON (binary data in the list), or nothing for `undefined`. */
export type HostDone = (json?: string, binaries?: ArrayBuffer[]) => void;
/** The code step failed: a described error (see describe) and how it failed. */
export type HostFail = (json: string, kind: 'threw' | 'output' | 'size') => void;

/** The npm `buffer` package's exports (see ../boundary-source.ts). */
export interface BufferExports {
  Buffer: BufferConstructorLike;
}

/** What of the package's Buffer the boundary touches: it patches some methods, for 'base64url'. */
export interface BufferConstructorLike {
  prototype: Record<string, unknown> & { toJSON: unknown; toString: unknown };
  isEncoding: (encoding: unknown) => boolean;
  [method: string]: unknown;
}

/** The JSON of a value on its way to the host, and the bytes its binary data stands for. */
export interface Encoded {
  json: string | undefined;
  list: ArrayBuffer[];
}

/** What the host marks in the arguments: [path from the root (its first key is ''), 'b' | 'f', index]. */
export type Mark = [path: string[], kind: 'b' | 'f', index: number];

/** Set by begin(), before any of the user's code runs: the tags for the JSON and the output limit. */
export interface ExecutionSettings {
  /** `<tag>bytes`: `{<tag>bytes: i}` in JSON is the i-th ArrayBuffer of the list that comes with it. */
  bytesTag: string;
  /** `<tag>function`: `{<tag>function: i}` in JSON is the host function at index i. */
  functionTag: string;
  /** The longest JSON result, in characters. */
  maxOutputChars: number;
}
