import { type Connection, ConnectionError } from '@weft/sdk';

export interface Contact {
  id: string;
  email: string;
  [field: string]: unknown;
}

export interface ContactList {
  id: string;
  name: string;
}

/** An answer of Acme CRM outside 2xx; `status` lets callers turn a 404 into a message about what was missing. */
export class AcmeCrmError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'AcmeCrmError';
    this.status = status;
  }
}

const requestTimeoutMs = 30_000;
/** A safety net against an API that keeps answering with a next page. */
const maxPages = 1_000;

/** The message of an error answer: Acme sends `{"error": "..."}`; anything else is shown as text. */
async function errorDetail(response: Response): Promise<string> {
  const text = (await response.text()).trim();
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const message = body.error ?? body.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: use the text
  }
  return text.length > 200 ? `${text.slice(0, 200)}…` : text || response.statusText;
}

/** The `rel="next"` URL of a Link header: `<https://…?page=2>; rel="next", <https://…?page=9>; rel="last"`. */
export function nextLink(header: string | null): string | undefined {
  for (const link of header?.split(',') ?? []) {
    const [target = '', ...params] = link.split(';').map((piece) => piece.trim());
    const rel = params.find((param) => /^rel\s*=/i.test(param))?.replace(/^rel\s*=\s*"?|"$/gi, '');
    if (/^<.*>$/.test(target) && rel?.split(/\s+/).includes('next')) return target.slice(1, -1);
  }
  return undefined;
}

/** `https://api.acme-crm.example` for `https://api.acme-crm.example/v1`; undefined for what is not an http(s) URL. */
function httpOrigin(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** A small client of Acme CRM's REST API, authenticated with the fields of the connection. */
export function createAcmeCrmClient(connection: Connection) {
  const baseUrl = String(connection.fields.baseUrl ?? '').replace(/\/+$/, '');
  const apiKey = String(connection.fields.apiKey ?? '');
  const origin = httpOrigin(baseUrl);
  if (origin === undefined) {
    throw new ConnectionError(connection, `The Acme CRM connection's API base URL '${baseUrl}' is not a URL`);
  }
  if (apiKey === '') throw new ConnectionError(connection, 'The Acme CRM connection has no API key');

  /** `path` is relative to the base URL (`/contacts`), or an absolute URL a Link header gave. */
  async function request(method: string, path: string, body?: unknown) {
    const url = new URL(/^https?:\/\//.test(path) ? path : `${baseUrl}${path}`);
    // The API key goes only to the connection's own server, never to a host a response pointed at.
    if (url.origin !== origin) {
      throw new Error(`Acme CRM pointed to ${url.origin}, which is not the connection's server ${origin}`);
    }
    const what = `${method} ${url.pathname}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          'x-api-key': apiKey,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(requestTimeoutMs),
      });
    } catch (error) {
      throw new Error(`Acme CRM could not be reached (${what}): ${(error as Error).message}`);
    }
    if (response.status === 401) {
      throw new ConnectionError(
        connection,
        `Acme rejected the API key (401 to ${what}); check the API key of the connection`,
      );
    }
    if (!response.ok) {
      throw new AcmeCrmError(
        response.status,
        `Acme CRM answered ${response.status} to ${what}: ${await errorDetail(response)}`,
      );
    }
    const text = await response.text();
    let data: unknown = null;
    try {
      if (text !== '') data = JSON.parse(text);
    } catch {
      throw new Error(`Acme CRM answered ${what} with something that is not JSON: ${text.slice(0, 100)}`);
    }
    return { url, headers: response.headers, data };
  }

  /**
   * Every page of a list, one array of items at a time. Acme answers `{items, nextCursor}`; the next page is the
   * same path with `?cursor=<nextCursor>`, or the `rel="next"` URL of the Link header when there is one instead.
   */
  async function* pages<T>(path: string): AsyncGenerator<T[]> {
    const seen = new Set<string>();
    let next: string | undefined = path;
    while (next !== undefined) {
      const { url, headers, data } = await request('GET', next);
      seen.add(url.href);
      const page = (data ?? {}) as { items?: T[]; nextCursor?: string | null };
      if (!Array.isArray(page.items)) throw new Error(`Acme CRM answered GET ${url.pathname} without items`);
      yield page.items;

      let following: URL | undefined;
      if (typeof page.nextCursor === 'string' && page.nextCursor !== '') {
        following = new URL(url);
        following.searchParams.set('cursor', page.nextCursor);
      } else {
        const link = nextLink(headers.get('link'));
        if (link !== undefined) following = new URL(link, url);
      }
      if (following !== undefined && seen.has(following.href)) {
        throw new Error(
          `Acme CRM gave ${following.pathname}${following.search}, a page already fetched, as the next page; stopped`,
        );
      }
      if (seen.size >= maxPages && following !== undefined) {
        throw new Error(`Acme CRM still had more pages after ${maxPages}; narrow the request`);
      }
      next = following?.href;
    }
  }

  return {
    pages,
    getContact: async (id: string) =>
      (await request('GET', `/contacts/${encodeURIComponent(id)}`)).data as Contact,
    createContact: async (contact: Record<string, unknown>) =>
      (await request('POST', '/contacts', contact)).data as Contact,
  };
}
