import { readCredentials, sameServer } from './credentials.js';

/** Options every API command takes; each falls back to its environment variable. */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

/** An environment variable's value, with an empty one (`WEFT_URL=`) counting as unset. */
function fromEnv(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

/**
 * The server to talk to and the token to send: the options, else WEFT_URL and WEFT_TOKEN, else what `weft login`
 * stored (its token only for the server it was made for: a token is never sent to another server).
 */
export function serverSettings(options: GlobalOptions): { url: string; token: string | undefined } {
  const given = options.url ?? fromEnv('WEFT_URL');
  const token = options.token ?? fromEnv('WEFT_TOKEN');
  if (token) return { url: given ?? defaultUrl, token };
  const stored = readCredentials();
  const url = given ?? stored?.url ?? defaultUrl;
  return { url, token: stored && sameServer(stored.url, url) ? stored.token : undefined };
}

const defaultUrl = 'http://127.0.0.1:3000';
