import { CliError } from './cli-error.js';

export interface ApiClientOptions {
  url: string;
  token: string | undefined;
}

/** A thin client for the Weft REST API: JSON in and out, server errors turned into CliErrors with their code. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.options.token) {
      throw new CliError(
        'No API token. Pass --token <token> or set WEFT_TOKEN (the owner token is printed on the first start).',
        2,
      );
    }
    const url = apiUrl(this.options.url, path);
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const { cause: reason } = error as { cause?: { code?: string; message?: string } };
      const cause = reason?.code ?? reason?.message ?? (error as Error).name;
      throw new CliError(
        `Cannot reach Weft at ${this.options.url} (${cause}). Is it running? Start it with \`npm start\`, or pass --url / set WEFT_URL.`,
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(
        `${this.options.url} answered ${response.status} with something that is not JSON; is it a Weft server?`,
      );
    }
    if (!response.ok) {
      const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new CliError(error?.message ?? `The server answered ${response.status}.`, 1, error?.code);
    }
    return parsed as T;
  }
}

/** The URL of `path` on the server at `base`; a base that is not an http(s) URL is a usage error (exit 2). */
function apiUrl(base: string, path: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(base);
  } catch {
    // reported below
  }
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') {
    throw new CliError(
      `'${base}' is not a Weft server URL; pass --url or set WEFT_URL to one like http://127.0.0.1:3000.`,
      2,
    );
  }
  // Keep a path prefix in the base (a Weft behind https://host/weft/): resolve the path relative to it.
  const root = parsed.href.endsWith('/') ? parsed.href : `${parsed.href}/`;
  return new URL(path.replace(/^\//, ''), root);
}

/** Builds a query string, repeating keys for arrays and leaving out empty values. */
export function queryString(
  params: Record<string, string | number | boolean | string[] | undefined>,
): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
