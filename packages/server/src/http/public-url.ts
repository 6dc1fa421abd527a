import type { FastifyRequest } from 'fastify';

/** The URL callers reach this server at: WEFT_PUBLIC_URL, else what the request came in on (its Host header). */
export function baseUrlOf(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.host}`;
}
