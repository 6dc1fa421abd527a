import type { Intrinsics } from './intrinsics.js';
import type { HostLog } from './types.js';

/**
 * Runs inside QuickJS (see intrinsics.ts). Returns `show`, a value as a console shows it (strings as they are, errors
 * with their stack, binary data as <Buffer 68 69>, anything else as JSON), and `describe`, an error (or whatever was
 * thrown) as the JSON the host reads: { isError, name, message, stack, lineNumber }.
 */
export function makeShow(
  intrinsics: Intrinsics,
  bytesOf: (value: unknown) => ArrayBuffer | undefined,
  BufferProto: object,
  whileSerializing: <T>(serialize: () => T) => T,
) {
  const { stringify, apply, getPrototypeOf, isView, ArrayBufferCtor, Uint8ArrayCtor, ArrayFrom } = intrinsics;
  const { StringCtor, ErrorCtor, typedArrayName } = intrinsics;

  /** Binary data as a console shows it: <Buffer 68 69>, the first 50 bytes. */
  function showBytes(value: unknown) {
    const bytes = bytesOf(value);
    const view = new Uint8ArrayCtor(bytes as ArrayBuffer);
    const shown = view.length > 50 ? 50 : view.length;
    let text = `<${getPrototypeOf(value) === BufferProto ? 'Buffer' : value instanceof ArrayBufferCtor ? 'ArrayBuffer' : isView(value) && apply(typedArrayName, value, []) === undefined ? 'DataView' : 'Uint8Array'}`;
    for (let i = 0; i < shown; i++)
      text += ((view[i] as number) < 16 ? ' 0' : ' ') + (view[i] as number).toString(16);
    if (view.length > shown) text += ` ... ${view.length - shown} more bytes`;
    return `${text}>`;
  }

  function showReplacer(_key: string, value: unknown) {
    if (typeof value === 'bigint') return StringCtor(value);
    if (value !== null && typeof value === 'object' && (isView(value) || value instanceof ArrayBufferCtor)) {
      if (bytesOf(value) !== undefined) return showBytes(value);
      return isView(value) ? ArrayFrom(value as unknown as ArrayLike<unknown>) : value;
    }
    return value;
  }

  function show(value: unknown): string {
    if (typeof value === 'string') return value;
    if (value instanceof ErrorCtor) {
      // Concatenation, not a template: the parts are the user's values, converted as `+` converts them.
      // biome-ignore lint/style/useTemplate: see above
      return value.stack ? value.name + ': ' + value.message + '\n' + value.stack : StringCtor(value);
    }
    return whileSerializing(() => {
      try {
        if (value !== null && typeof value === 'object' && bytesOf(value) !== undefined)
          return showBytes(value);
        const json = stringify(value, showReplacer);
        return json === undefined ? StringCtor(value) : json;
      } catch (_error) {
        return StringCtor(value);
      }
    });
  }

  function describe(error: unknown): string {
    const info: Record<string, unknown> = {};
    try {
      const thrown = error as { name?: unknown; message?: unknown; stack?: unknown; lineNumber?: unknown };
      if (
        error !== null &&
        typeof error === 'object' &&
        (error instanceof ErrorCtor || typeof thrown.message === 'string')
      ) {
        info.isError = true;
        info.name = StringCtor(thrown.name);
        info.message = StringCtor(thrown.message);
        if (typeof thrown.stack === 'string') info.stack = thrown.stack;
        if (typeof thrown.lineNumber === 'number') info.lineNumber = thrown.lineNumber;
      } else {
        info.isError = false;
        info.message = show(error);
      }
    } catch (_e) {
      info.isError = false;
      info.message = 'a value that cannot be shown';
    }
    return stringify(info);
  }

  return { show: show, describe: describe };
}

/** Runs inside QuickJS (see intrinsics.ts). Installs `console`, whose lines go to the host's log. */
export function installConsole(intrinsics: Intrinsics, show: (value: unknown) => string, hostLog: HostLog) {
  function logger(level: string) {
    // A function (not an arrow), as Node's console methods: user code sees it.
    // biome-ignore lint/complexity/useArrowFunction: see above
    return function (...values: unknown[]) {
      const parts: string[] = [];
      for (let i = 0; i < values.length; i++) parts.push(show(values[i]));
      hostLog(level, parts.join(' '));
    };
  }
  intrinsics.G.console = {
    log: logger('log'),
    info: logger('info'),
    warn: logger('warn'),
    error: logger('error'),
    debug: logger('debug'),
    trace: logger('trace'),
  };
}
