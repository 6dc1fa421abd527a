/** Options of Northwind Books, the example host app that embeds Weft (see ../README.md). */
export interface EmbeddedHostOptions {
  /** Where Weft answers, e.g. `http://127.0.0.1:3000`; its origin is the only one the page may frame. */
  weftUrl: string;
  /** The organization's id on that Weft: the JWT's `organization` claim. */
  organizationId: string;
  /** The private half of an active Weft signing key (PEM); it never leaves this process. */
  privateKeyPem: string;
  /** The signing key's id, sent as the JWT's `kid` header. */
  keyId?: string;
  /** 3400 by default; 0 picks a free port. */
  port?: number;
  /** 127.0.0.1 by default. */
  host?: string;
  /** The @weft/embed script-tag build served at /weft-embed.min.js (this repository's `packages/embed/dist` by default). */
  embedScriptPath?: string | URL;
}

export interface EmbeddedHost {
  /** The app's origin, e.g. `http://127.0.0.1:3400`: the one Weft's embedding settings must allow. */
  url: string;
  /** Stops the server (open connections too) and forgets every session. */
  close(): Promise<void>;
}

/**
 * Starts Northwind Books: a sign-in page (demo users, password `northwind`), `/app` with Weft's marketplace embedded
 * by `@weft/embed`, and `POST /api/weft-token`, which signs a 10-minute RS256 JWT for the signed-in user.
 * Rejects when the key is not a PEM RSA private key, `weftUrl` is not an http(s) URL, or the port is taken.
 */
export function startEmbeddedHost(options: EmbeddedHostOptions): Promise<EmbeddedHost>;
