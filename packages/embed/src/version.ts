declare const __WEFT_EMBED_VERSION__: string | undefined;

/**
 * This SDK's version, sent to the frame with `init` and in the iframe URL. The bundles get package.json's through
 * esbuild's `define`; the plain `tsc` build (the package's `.` export) has no bundler, so it falls back to the
 * literal below, which test/version.test.ts keeps equal to package.json's.
 */
export const SDK_VERSION: string =
  typeof __WEFT_EMBED_VERSION__ === 'string' ? __WEFT_EMBED_VERSION__ : '0.1.0';
