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

/** The server to talk to and the token to send: the options, else WEFT_URL and WEFT_TOKEN. */
export function serverSettings(options: GlobalOptions): { url: string; token: string | undefined } {
  return {
    url: options.url ?? fromEnv('WEFT_URL') ?? 'http://127.0.0.1:3000',
    token: options.token ?? fromEnv('WEFT_TOKEN'),
  };
}
