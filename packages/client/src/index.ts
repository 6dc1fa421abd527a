/**
 * `@weft/client`: the typed HTTP client of the Weft REST API. Paths, parameters, bodies and answers are typed from
 * the server's own route schemas (generated into `api-schema.ts`; see `scripts/generate.js`), so a route that
 * changes its answer breaks its callers at compile time instead of at run time.
 *
 * ```ts
 * import { answerOf, createWeftClient } from '@weft/client';
 * const weft = createWeftClient({ url: 'http://127.0.0.1:3000', token: process.env.WEFT_TOKEN });
 * const customer = await answerOf(weft.GET('/api/customers/{id}', { params: { path: { id } } }));
 * ```
 *
 * It is `openapi-fetch` with Weft's authentication and error shape; nothing of Weft is imported at run time.
 */
import createFetchClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './api-schema.js';

export type { components, operations, paths } from './api-schema.js';

/** Every named schema of the API (`Customer`, `Instance`, `ExecutionDetail`...). */
export type ApiSchemas = components['schemas'];
/** One named schema: `ApiSchema<'Customer'>` is what `GET /api/customers/{id}` answers. */
export type ApiSchema<Name extends keyof ApiSchemas> = ApiSchemas[Name];

export type WeftClient = Client<paths>;

export interface WeftClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000`. */
  url: string;
  /** An API token (`Authorization: Bearer`); omitted for public routes. */
  token?: string | undefined;
  /** The fetch to use (timeouts, proxies, tests); `globalThis.fetch` by default. */
  fetch?: (request: Request) => Promise<Response>;
  /** Headers sent with every request. */
  headers?: Record<string, string>;
}

/** An error answer of the API: `{"error": {"code", "message", "details"}}`, with the HTTP status. */
export class WeftApiError extends Error {
  override readonly name = 'WeftApiError';
  constructor(
    message: string,
    /** The stable error code (docs/errors.md); undefined when the answer was not Weft's error shape. */
    readonly code: string | undefined,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function createWeftClient(options: WeftClientOptions): WeftClient {
  return createFetchClient<paths>({
    baseUrl: options.url.replace(/\/+$/, ''),
    headers: {
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      ...options.headers,
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** The body of an error answer as a WeftApiError (any JSON or text, so a proxy's HTML page still reads well). */
export function apiErrorOf(status: number, body: unknown, statusText = ''): WeftApiError {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (error && typeof error.message === 'string') {
    return new WeftApiError(
      error.message,
      typeof error.code === 'string' ? error.code : undefined,
      status,
      error.details && typeof error.details === 'object' ? (error.details as Record<string, unknown>) : {},
    );
  }
  const text = typeof body === 'string' ? body.trim().slice(0, 300) : '';
  return new WeftApiError(
    `The server answered ${status}${statusText ? ` ${statusText}` : ''}${text ? `: ${text}` : ''}.`,
    undefined,
    status,
  );
}

/**
 * The answer of a call, or its error thrown as a WeftApiError: `await answerOf(weft.GET(...))` is the typed body.
 * An empty answer (204) is `undefined`.
 */
export async function answerOf<Data>(
  call: Promise<{ data?: Data; error?: unknown; response: Response }>,
): Promise<Data> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiErrorOf(response.status, error, response.statusText);
  return data as Data;
}
