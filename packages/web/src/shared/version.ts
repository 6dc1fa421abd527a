/** The web pages' version (Weft's), told to the SDK in `hello` and `ready` so it can warn about a mismatch. */
export const appVersion: string = import.meta.env.VITE_WEFT_VERSION ?? '0.1.0';
