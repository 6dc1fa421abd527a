/**
 * A fake Acme CRM API for the tests: a real HTTP server on 127.0.0.1 (a free port) that checks the X-API-Key
 * header, answers lists two items per page, and records every request it gets.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Contact, ContactList } from '../src/index.js';

export const goodApiKey = 'test-api-key';
const pageSize = 2;

export interface RecordedRequest {
  method: string;
  /** Path and query, as received: `/v1/contacts?cursor=c_2`. */
  url: string;
  apiKey: string | undefined;
  body: unknown;
}

export interface FakeAcmeCrmOptions {
  contacts?: Contact[];
  lists?: ContactList[];
  /**
   * How `/contacts` gives the next page: `cursor` (`{items, nextCursor}`, the default), `link` (a Link header with
   * `rel="next"`), `foreign-link` (a Link header pointing to another server, which the client must refuse), or
   * `stuck` (always the same next cursor, which the client must not follow forever).
   */
  pagination?: 'cursor' | 'link' | 'foreign-link' | 'stuck';
}

export interface FakeAcmeCrm {
  /** What the connection's `baseUrl` field holds: `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  requests: RecordedRequest[];
  contacts: Contact[];
  close(): Promise<void>;
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}

export async function startFakeAcmeCrm(options: FakeAcmeCrmOptions = {}): Promise<FakeAcmeCrm> {
  const contacts = [...(options.contacts ?? [])];
  const lists = options.lists ?? [];
  const requests: RecordedRequest[] = [];
  let baseUrl = '';

  /** One page of `items`, starting at the `page` query parameter (1-based) with Link headers. */
  function linkPage<T>(response: ServerResponse, url: URL, items: T[], nextOrigin?: string) {
    const page = Number(url.searchParams.get('page') ?? '1');
    const start = (page - 1) * pageSize;
    const headers: Record<string, string> = {};
    if (start + pageSize < items.length) {
      const next = new URL(url.pathname, nextOrigin ?? baseUrl);
      next.searchParams.set('page', String(page + 1));
      headers.link = `<${next.href}>; rel="next", <${url.pathname}?page=1>; rel="first"`;
    }
    send(response, 200, { items: items.slice(start, start + pageSize) }, headers);
  }

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', baseUrl);
    const body = await readJson(request);
    const apiKey = request.headers['x-api-key'] as string | undefined;
    requests.push({ method: request.method ?? '', url: `${url.pathname}${url.search}`, apiKey, body });
    if (apiKey !== goodApiKey) return send(response, 401, { error: 'invalid API key' });

    if (request.method === 'GET' && url.pathname === '/v1/contacts') {
      if (options.pagination === 'link') return linkPage(response, url, contacts);
      if (options.pagination === 'foreign-link')
        return linkPage(response, url, contacts, 'http://127.0.0.2:9');
      if (options.pagination === 'stuck') {
        return send(response, 200, { items: contacts.slice(0, pageSize), nextCursor: 'again' });
      }
      // Cursor pagination: the cursor is the id of the last contact of the previous page.
      const cursor = url.searchParams.get('cursor');
      const start = cursor === null ? 0 : contacts.findIndex((contact) => contact.id === cursor) + 1;
      const items = contacts.slice(start, start + pageSize);
      const more = start + pageSize < contacts.length;
      return send(response, 200, { items, nextCursor: more ? items.at(-1)?.id : null });
    }
    const contactPath = /^\/v1\/contacts\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && contactPath) {
      const contact = contacts.find((each) => each.id === decodeURIComponent(contactPath[1] ?? ''));
      return contact ? send(response, 200, contact) : send(response, 404, { error: 'contact not found' });
    }
    if (request.method === 'POST' && url.pathname === '/v1/contacts') {
      const fields = body as Record<string, unknown>;
      if (contacts.some((contact) => contact.email === fields.email)) {
        return send(response, 409, {
          error: `a contact with the email ${String(fields.email)} already exists`,
        });
      }
      const contact = { ...fields, id: `c_${contacts.length + 1}` } as Contact;
      contacts.push(contact);
      return send(response, 201, contact);
    }
    if (request.method === 'GET' && url.pathname === '/v1/lists') return linkPage(response, url, lists);
    send(response, 404, { error: `no route ${request.method} ${url.pathname}` });
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl: `${baseUrl}/v1`,
    requests,
    contacts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
