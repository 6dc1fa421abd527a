/**
 * The API as the pages call it: `@weft/client` (typed from the server's OpenAPI document), with the credentials of
 * the page's session added to each request. Errors arrive as `WeftApiError` (`answerOf`).
 */
import { answerOf, createWeftClient, WeftApiError, type WeftClient } from '@weft/client';

export type { ApiSchema } from '@weft/client';
export { answerOf, WeftApiError };

export interface Credentials {
  /** The `Authorization` header to send; undefined while signed out. */
  authorization(): string | undefined;
  /** The API refused the credentials (expired): the session decides what to do. */
  refused(): void;
}

export function createApi(credentials: Credentials): WeftClient {
  return createWeftClient({
    url: window.location.origin,
    fetch: async (request) => {
      const authorization = credentials.authorization();
      if (authorization) request.headers.set('authorization', authorization);
      const response = await fetch(request);
      if (response.status === 401) credentials.refused();
      return response;
    },
  });
}

/** A message for any error a call threw: the API's own message when it gave one. */
export function messageOf(error: unknown): string {
  if (error instanceof WeftApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
