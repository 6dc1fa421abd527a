// The SDK never verifies a JWT (Weft does, with the organization's public key); it only checks the shape, to fail
// fast on a wrong argument, and reads `exp`, to ask the host for a new token before this one runs out.

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** Three non-empty base64url parts separated by dots. */
export function isJwtShaped(token: unknown): token is string {
  return typeof token === 'string' && JWT_SHAPE.test(token);
}

/** When the token expires (epoch milliseconds), from its payload's `exp`; undefined when it has none. */
export function jwtExpiresAt(token: string): number | undefined {
  try {
    const payload: unknown = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    const exp = (payload as { exp?: unknown } | null)?.exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
