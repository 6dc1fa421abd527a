/**
 * The CLI's side of `@weft/client`, the one way it talks to the server. It adds only what is the CLI's concern:
 * the client made from --url/--token (or WEFT_URL/WEFT_TOKEN), a time limit on every request, no empty query
 * values, and failures told as the CLI always told them: a missing token or a bad URL (exit 2), a server it cannot
 * reach, an answer that is not JSON (exit 1). Every answer's type is the client's (generated from the server's
 * OpenAPI document); a refusal is the client's WeftApiError, which `reportError` prints with its code (exit 1).
 * Bodies are sent as JSON, which leaves out properties that are undefined: commands pass options as they are.
 */
import { type ApiSchema, createWeftClient, WeftApiError, type WeftClient } from '@weft/client';
import { CliError } from './cli-error.js';
import { type GlobalOptions, serverSettings } from './global-options.js';

/** How long a request may take, answer included, unless the command allows more (uploads, key rotation). */
export const requestTimeoutMs = 30_000;

type Middleware = Parameters<WeftClient['use']>[0];

/** The typed client for the server the options name; nothing is sent before a request is made. */
export function clientFor(options: GlobalOptions, timeoutMs = requestTimeoutMs): WeftClient {
  const { url, token } = serverSettings(options);
  const problem = settingsProblem(url, token);
  const weft = createWeftClient({
    // With a bad setting nothing is sent (each request throws the problem), yet requests need a URL to be built on.
    url: problem ? 'http://weft.invalid' : url,
    token: problem ? undefined : token,
    fetch: async (request) => {
      if (problem) throw problem;
      return send(request, url, timeoutMs);
    },
  });
  weft.use(withoutEmptyQueryValues, answersReadAsWeft(url));
  return weft;
}

/** Throws now what a request would throw for a missing token or a bad URL: for commands that do slow work first. */
export function checkSettings(options: GlobalOptions): void {
  const { url, token } = serverSettings(options);
  const problem = settingsProblem(url, token);
  if (problem) throw problem;
}

function settingsProblem(url: string, token: string | undefined): CliError | undefined {
  if (!token) {
    return new CliError(
      'No API token. Pass --token <token> or set WEFT_TOKEN (the owner token is printed on the first start), or sign in with `weft login`.',
      2,
    );
  }
  // A header value may hold no control characters (a token pasted with its line break, say).
  if (
    [...token].some(
      (char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f || char.charCodeAt(0) > 0xff,
    )
  ) {
    return new CliError(
      'The API token holds characters a token never has (a line break, a control or non-Latin-1 character); copy it again.',
      2,
    );
  }
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (parsed && (parsed.username || parsed.password)) {
    return new CliError(
      `'${url}' carries a user name or password; Weft takes its token from --token or WEFT_TOKEN, so leave them out of the URL.`,
      2,
    );
  }
  if (parsed?.protocol === 'http:' || parsed?.protocol === 'https:') return undefined;
  return new CliError(
    `'${url}' is not a Weft server URL; pass --url or set WEFT_URL to one like http://127.0.0.1:3000.`,
    2,
  );
}

/** Sends a request and reads its whole answer within the time limit; a network failure is a CliError. */
async function send(request: Request, url: string, timeoutMs: number): Promise<Response> {
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(timeoutMs) });
    const bytes = await response.arrayBuffer();
    return new Response(bytes.byteLength > 0 ? bytes : null, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  } catch (error) {
    const { cause: reason } = error as { cause?: { code?: string; message?: string } };
    const cause = reason?.code ?? reason?.message ?? (error as Error).name;
    throw new CliError(
      `Cannot reach Weft at ${url} (${cause}). Is it running? Start it with \`npm start\`, or pass --url / set WEFT_URL.`,
    );
  }
}

/** An empty option (`--search ""`) filters nothing: it is left out of the query, not sent empty. */
const withoutEmptyQueryValues: Middleware = {
  onRequest({ request }) {
    const url = new URL(request.url);
    const empty = [...url.searchParams.entries()].filter(([, value]) => value === '');
    if (empty.length === 0) return undefined;
    for (const [name] of empty) url.searchParams.delete(name, '');
    return new Request(url, request);
  },
};

/**
 * Answers read as a Weft server's: a JSON answer (and any refusal) that is not JSON means another server; a refusal
 * without Weft's `{"error": {"message"}}` is told by its status.
 */
function answersReadAsWeft(url: string): Middleware {
  return {
    async onResponse({ response, options }) {
      if (response.ok && options.parseAs !== 'json') return undefined;
      const text = await response.clone().text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        throw new CliError(
          `${url} answered ${response.status} with something that is not JSON; is it a Weft server?`,
        );
      }
      const error = (body as Partial<ApiSchema<'ErrorResponse'>> | undefined)?.error;
      if (response.ok || typeof error?.message === 'string') return undefined;
      throw new WeftApiError(
        `The server answered ${response.status}.`,
        error?.code,
        response.status,
        error?.details ?? {},
      );
    },
  };
}

/**
 * Options for a call whose body is raw bytes of a content type (icons, attachments), sent as they are: such routes
 * declare no JSON body, so the bytes go in as the client's `body` and are passed through unserialized.
 */
export function rawBody(bytes: Uint8Array, contentType: string) {
  return {
    body: bytes as never,
    bodySerializer: (body: unknown) => body,
    headers: { 'content-type': contentType },
  };
}

/** The refusal `error` again, with the CLI's one-line summary as its message (its details are printed already). */
export function restated(error: WeftApiError, message: string): WeftApiError {
  return new WeftApiError(message, error.code, error.status, error.details);
}

/**
 * The answer of `call`; a refusal whose details list `problems` (with the code `code`, when given) has them printed
 * by `report`, which returns the summary the refusal is then thrown with.
 */
export async function reportingProblems<T>(
  call: Promise<T>,
  report: (problems: unknown[], error: WeftApiError) => string | Promise<string>,
  code?: string,
): Promise<T> {
  try {
    return await call;
  } catch (error) {
    if (
      !(error instanceof WeftApiError) ||
      (code !== undefined && error.code !== code) ||
      !Array.isArray(error.details.problems)
    ) {
      throw error;
    }
    throw restated(error, await report(error.details.problems, error));
  }
}
