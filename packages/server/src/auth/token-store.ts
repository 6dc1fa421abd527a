import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../database/schema.js';
import { tokenNotFound, WeftError } from '../errors.js';
import { canGrantRole, type OrgRole } from './roles.js';
import type { OrganizationCaller } from './caller.js';
import type { ApiToken, CreatedToken } from './token-schemas.js';

const tokenPrefix = 'weft_';


export function generateTokenSecret(): string {
  return tokenPrefix + randomBytes(32).toString('base64url');
}

/** Tokens carry 256 random bits, so a plain SHA-256 is enough to make the stored hash useless to a thief. */
export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function displayPrefix(token: string): string {
  // A generated token's first characters after 'weft_' are random and safe to show. A token chosen by the operator
  // (WEFT_ADMIN_TOKEN) may be short on entropy, so it is shown by a fingerprint of its hash instead.
  if (/^weft_[A-Za-z0-9_-]{43}$/.test(token)) return `${token.slice(0, tokenPrefix.length + 6)}…`;
  return `sha256:${hashToken(token).toString('hex').slice(0, 8)}`;
}

type TokenRow = {
  id: string;
  name: string;
  role: string;
  token_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
};

function toApiToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as OrgRole,
    prefix: row.token_prefix,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

const tokenColumns = [
  'id',
  'name',
  'role',
  'token_prefix',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const;

export async function createApiToken(
  db: Kysely<Database>,
  input: { orgId: string; name: string; role: OrgRole; createdByTokenId: string | null; secret?: string },
): Promise<CreatedToken> {
  const secret = input.secret ?? generateTokenSecret();
  const row = await db
    .insertInto('api_tokens')
    .values({
      org_id: input.orgId,
      name: input.name,
      role: input.role,
      token_hash: hashToken(secret),
      token_prefix: displayPrefix(secret),
      created_by_token_id: input.createdByTokenId,
    })
    .returning(tokenColumns)
    .executeTakeFirstOrThrow();
  return { token: toApiToken(row), secret };
}

export async function listApiTokens(
  db: Kysely<Database>,
  orgId: string,
  includeRevoked: boolean,
): Promise<ApiToken[]> {
  let query = db.selectFrom('api_tokens').select(tokenColumns).where('org_id', '=', orgId);
  if (!includeRevoked) query = query.where('revoked_at', 'is', null);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  return rows.map(toApiToken);
}

/**
 * Revokes a token of the caller's organization. The last live owner token cannot be revoked: nobody could manage
 * the organization afterwards.
 */
export async function revokeApiToken(
  db: Kysely<Database>,
  caller: OrganizationCaller,
  tokenId: string,
): Promise<ApiToken> {
  const { orgId } = caller;
  return db.transaction().execute(async (tx) => {
    // Lock the organization's live owner tokens first, always in id order: two concurrent revocations then queue
    // here instead of deadlocking, and cannot both pass the last-owner check.
    const owners = await tx
      .selectFrom('api_tokens')
      .select('id')
      .where('org_id', '=', orgId)
      .where('role', '=', 'owner')
      .where('revoked_at', 'is', null)
      .orderBy('id')
      .forUpdate()
      .execute();
    const target = await tx
      .selectFrom('api_tokens')
      .select(tokenColumns)
      .where('org_id', '=', orgId)
      .where('id', '=', tokenId)
      .forUpdate()
      .executeTakeFirst();
    if (!target) throw tokenNotFound(tokenId);
    if (!canGrantRole(caller.role, target.role as OrgRole)) {
      throw new WeftError(
        'TOKEN_ROLE_NOT_GRANTABLE',
        `A token with role '${caller.role}' cannot revoke a token with role '${target.role}'.`,
      );
    }
    if (target.revoked_at) return toApiToken(target);
    if (target.role === 'owner') {
      if (owners.length <= 1) {
        throw new WeftError(
          'TOKEN_LAST_OWNER',
          `Token '${target.name}' is the organization's last owner token.`,
        );
      }
    }
    const row = await tx
      .updateTable('api_tokens')
      .set({ revoked_at: sql<Date>`now()` })
      .where('id', '=', tokenId)
      .returning(tokenColumns)
      .executeTakeFirstOrThrow();
    return toApiToken(row);
  });
}

/** Resolves a presented bearer token to its caller, or throws the 401 that says why it was refused. */
export async function authenticateToken(db: Kysely<Database>, secret: string): Promise<OrganizationCaller> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'org_id', 'role', 'name', 'user_id', 'revoked_at', 'last_used_at'])
    .where('token_hash', '=', hashToken(secret))
    .executeTakeFirst();
  if (!row) throw new WeftError('AUTH_TOKEN_INVALID', 'The API token is not valid.');
  if (row.revoked_at) {
    throw new WeftError(
      'AUTH_TOKEN_REVOKED',
      `The API token was revoked at ${row.revoked_at.toISOString()}.`,
    );
  }
  // Record use at most once a minute per token: a write on every request would cost more than it tells.
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: sql<Date>`now()` })
      .where('id', '=', row.id)
      .execute();
  }
  return {
    kind: 'organization',
    orgId: row.org_id,
    role: row.role as OrgRole,
    tokenId: row.id,
    userId: row.user_id,
    sessionId: null,
    actorName: `token ${row.name}`,
  };
}
