/** Every way a call into the SDK can fail; stable, so host code can branch on `error.code`. */
export type WeftEmbedErrorCode =
  /** A call came before `init`, or after `dispose`. */
  | 'EMBED_NOT_INITIALIZED'
  /** `init` ran where there is no `document` (server-side rendering): call it in the browser. */
  | 'EMBED_NO_DOCUMENT'
  | 'EMBED_INVALID_URL'
  | 'EMBED_INVALID_OPTIONS'
  /** `authenticate` got something that is not a JWT. */
  | 'EMBED_INVALID_TOKEN'
  | 'EMBED_SELECTOR_NOT_FOUND'
  /** `setConfigVars` found no frame of ours to send to. */
  | 'EMBED_FRAME_NOT_FOUND'
  /** A screen was opened before `authenticate`. */
  | 'EMBED_NOT_AUTHENTICATED'
  /** The frame did not finish the handshake (or acknowledge a token) in `handshakeTimeoutMs`. */
  | 'EMBED_HANDSHAKE_TIMEOUT'
  /** Weft refused the token; `details` holds Weft's error code and message. */
  | 'EMBED_AUTH_FAILED'
  /** The frame was closed or removed (or the SDK disposed) before it was ready. */
  | 'EMBED_FRAME_CLOSED';

export class WeftEmbedError extends Error {
  declare readonly code: WeftEmbedErrorCode;
  /** For `EMBED_AUTH_FAILED`: the code and message of Weft's refusal. */
  declare readonly details: { code: string; message: string } | undefined;

  constructor(code: WeftEmbedErrorCode, message: string, details?: { code: string; message: string }) {
    super(message);
    this.name = 'WeftEmbedError';
    this.code = code;
    this.details = details;
  }
}
