import { CliError } from './cli-error.js';

export interface ApiClientOptions {
  url: string;
  token: string | undefined;
}

/** A refusal from the server: its code and message (as a CliError, exit 1), plus its status and details. */
export class ApiError extends CliError {
  constructor(
    message: string,
    code: string | undefined,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message, 1, code);
  }
}

/** What to send: a JSON value, or raw bytes with their content type. */
export interface RequestBody {
  json?: unknown;
  raw?: Uint8Array;
  contentType?: string;
}

export interface RequestOptions {
  /** How long to wait for the whole answer (default 30 s); uploads and imports take longer. */
  timeoutMs?: number;
}

/** A successful answer read as bytes, for routes that do not answer JSON (exports, icons, attachments). */
export interface RawResponse {
  status: number;
  headers: Headers;
  bytes: Buffer;
}

/** A thin client for the Weft REST API: JSON in and out, server errors turned into CliErrors with their code. */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  /** Sends a JSON body (if any) and returns the parsed JSON answer (undefined for an empty one, as a 204). */
  async request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, body === undefined ? {} : { json: body }, options);
    return this.parseJson(response.status, response.bytes.toString('utf8')) as T;
  }

  /** Like `request`, with any body (raw bytes of a content type, or JSON) and any answer, returned as bytes. */
  async requestRaw(
    method: string,
    path: string,
    body: RequestBody = {},
    options: RequestOptions = {},
  ): Promise<RawResponse> {
    return this.send(method, path, body, options);
  }

  /** Sends a raw body and returns the parsed JSON answer. */
  async upload<T>(
    method: string,
    path: string,
    bytes: Uint8Array,
    contentType: string,
    options: RequestOptions = {},
  ): Promise<T> {
    const response = await this.send(method, path, { raw: bytes, contentType }, options);
    return this.parseJson(response.status, response.bytes.toString('utf8')) as T;
  }

  /** A GET whose answer is text (as YAML), returned exactly as the server sent it. */
  async getText(path: string, options: RequestOptions = {}): Promise<string> {
    return (await this.send('GET', path, {}, options)).bytes.toString('utf8');
  }

  /** Fails as a request would without a token or with a bad URL: for commands that do slow work first. */
  checkSettings(): void {
    if (!this.options.token) {
      throw new CliError(
        'No API token. Pass --token <token> or set WEFT_TOKEN (the owner token is printed on the first start).',
        2,
      );
    }
    apiUrl(this.options.url, '/');
  }

  private async send(
    method: string,
    path: string,
    body: RequestBody,
    options: RequestOptions,
  ): Promise<RawResponse> {
    this.checkSettings();
    const url = apiUrl(this.options.url, path);
    const headers: Record<string, string> = { authorization: `Bearer ${this.options.token}` };
    let payload: string | Uint8Array | undefined;
    if (body.raw !== undefined) {
      payload = body.raw;
      headers['content-type'] = body.contentType ?? 'application/octet-stream';
    } else if (body.json !== undefined) {
      payload = JSON.stringify(body.json);
      headers['content-type'] = 'application/json';
    }
    let response: Response;
    let bytes: Buffer;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(payload === undefined ? {} : { body: payload }),
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      bytes = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      const { cause: reason } = error as { cause?: { code?: string; message?: string } };
      const cause = reason?.code ?? reason?.message ?? (error as Error).name;
      throw new CliError(
        `Cannot reach Weft at ${this.options.url} (${cause}). Is it running? Start it with \`npm start\`, or pass --url / set WEFT_URL.`,
      );
    }
    if (!response.ok) {
      const parsed = this.parseJson(response.status, bytes.toString('utf8')) as
        | { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
        | undefined;
      const error = parsed?.error;
      throw new ApiError(
        error?.message ?? `The server answered ${response.status}.`,
        error?.code,
        response.status,
        error?.details ?? {},
      );
    }
    return { status: response.status, headers: response.headers, bytes };
  }

  private parseJson(status: number, text: string): unknown {
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      throw new CliError(
        `${this.options.url} answered ${status} with something that is not JSON; is it a Weft server?`,
      );
    }
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

type QueryValue = string | number | boolean | string[] | undefined;

/**
 * Lists a collection route: one page from `cursor`, or every page with `all`; prints JSON or a table, and says on
 * stderr how to continue when more pages follow.
 */
export async function listPages<T>(
  client: ApiClient,
  route: { path: string; query: Record<string, QueryValue>; noun: string },
  paging: { cursor?: string; all?: boolean; json?: boolean },
  print: { json: (value: unknown) => void; table: (items: T[]) => string },
): Promise<void> {
  const items: T[] = [];
  let cursor = paging.cursor;
  let nextCursor: string | null = null;
  do {
    const page: { items: T[]; nextCursor: string | null } = await client.request(
      'GET',
      `${route.path}${queryString({ ...route.query, cursor })}`,
    );
    items.push(...page.items);
    nextCursor = page.nextCursor;
    cursor = nextCursor ?? undefined;
  } while (paging.all && nextCursor);
  if (paging.json) return print.json({ items, nextCursor });
  process.stdout.write(print.table(items));
  if (nextCursor) process.stderr.write(`More ${route.noun} follow: --cursor ${nextCursor} (or --all)\n`);
}
