/** A CommonJS module's body: what `require` runs once, the first time the module is asked for. */
export type CommonJsModule = (
  module: { exports: unknown },
  exports: unknown,
  require: (name: string) => unknown,
) => void;

/**
 * Runs inside QuickJS (see intrinsics.ts), before the bootstrap, in a sloppy-mode script (as CommonJS code
 * expects, unlike the bootstrap): the smallest `require` for a set of CommonJS modules given as functions (the npm
 * `buffer` package and its dependencies, see ../boundary-source.ts); returns the exports of `main`. Only these
 * modules exist: the user's code gets no `require` of its own (see module.ts).
 */
export function loadCommonJsModules(sources: Record<string, CommonJsModule>, main: string): unknown {
  const cache: Record<string, { exports: unknown }> = {};
  function require(name: string): unknown {
    if (!Object.hasOwn(sources, name)) throw new Error(`no module ${name}`);
    if (!cache[name]) {
      cache[name] = { exports: {} };
      (sources[name] as CommonJsModule)(cache[name], cache[name].exports, require);
    }
    return cache[name].exports;
  }
  return require(main);
}
