/**
 * The unique index a failed write broke (PostgreSQL's unique_violation, 23505), or undefined for any other error:
 * what a store turns into the 409 a user can act on.
 */
export function violatedUniqueIndex(error: unknown): string | undefined {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && typeof constraint === 'string' ? constraint : undefined;
}
