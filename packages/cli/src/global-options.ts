import { ApiClient } from './api-client.js';

/** Options every API command takes; each falls back to its environment variable. */
export interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export function clientFor(options: GlobalOptions): ApiClient {
  return new ApiClient({
    url: options.url ?? process.env.WEFT_URL ?? 'http://127.0.0.1:3000',
    token: options.token ?? process.env.WEFT_TOKEN,
  });
}
