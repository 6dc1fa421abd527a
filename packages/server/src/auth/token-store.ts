import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { tokenNotFound, WeftError } from '../errors.js';
import type { OrganizationCaller } from './caller.js';
import { canGrantRole, type OrgRole, orgRoles } from './roles.js';
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
  user_id: string | null;
};

type Owner = ApiToken['owner'];

function toApiToken(row: TokenRow, owner: Owner): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as OrgRole,
    prefix: row.token_prefix,
    owner,
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
  'user_id',
] as const;

type Db = Kysely<Database> | Transaction<Database>;

/** The user a token belongs to, as token answers show it; null for a token of the organization. */
async function ownerOf(db: Db, userId: string | null): Promise<Owner> {
  if (userId === null) return null;
  const user = await db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('id', '=', userId)
    .executeTakeFirst();
  return user ?? null;
}

/** The lower of two roles: what a user's token may do is at most what the user may do now. */
export function lowerRole(a: OrgRole, b: OrgRole): OrgRole {
  return orgRoles.indexOf(a) >= orgRoles.indexOf(b) ? a : b;
}

export async function createApiToken(
  db: Kysely<Database>,
  input: {
    orgId: string;
    name: string;
    role: OrgRole;
    createdByTokenId: string | null;
    secret?: string;
    /** The user the token belongs to: it acts as that user (at most their role) and dies with them. */
    userId?: string | null;
  },
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
      user_id: input.userId ?? null,
    })
    .returning(tokenColumns)
    .executeTakeFirstOrThrow();
  return { token: toApiToken(row, await ownerOf(db, row.user_id)), secret };
}

/** The organization's tokens, oldest first, each with the user it belongs to (or only those of one user). */
export async function listApiTokens(
  db: Kysely<Database>,
  orgId: string,
  includeRevoked: boolean,
  options: { userId?: string } = {},
): Promise<ApiToken[]> {
  let query = db
    .selectFrom('api_tokens as t')
    .leftJoin('users as u', 'u.id', 't.user_id')
    .select(tokenColumns.map((column) => `t.${column}` as const))
    .select(['u.email as owner_email', 'u.name as owner_name'])
    .where('t.org_id', '=', orgId);
  if (!includeRevoked) query = query.where('t.revoked_at', 'is', null);
  if (options.userId !== undefined) query = query.where('t.user_id', '=', options.userId);
  const rows = await query.orderBy('t.created_at').orderBy('t.id').execute();
  return rows.map((row) =>
    toApiToken(
      row,
      row.user_id !== null && row.owner_email !== null
        ? { id: row.user_id, email: row.owner_email, name: row.owner_name ?? '' }
        : null,
    ),
  );
}

/**
 * Revokes a token of the caller's organization (with `ownedBy`, only a token of that user). The last live owner
 * token cannot be revoked while the organization has no owner user: nobody could manage it afterwards.
 */
export async function revokeApiToken(
  db: Kysely<Database>,
  caller: OrganizationCaller,
  tokenId: string,
  options: { ownedBy?: string } = {},
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
    if (!target || (options.ownedBy !== undefined && target.user_id !== options.ownedBy)) {
      throw tokenNotFound(tokenId);
    }
    if (!canGrantRole(caller.role, target.role as OrgRole)) {
      throw new WeftError(
        'TOKEN_ROLE_NOT_GRANTABLE',
        `A token with role '${caller.role}' cannot revoke a token with role '${target.role}'.`,
      );
    }
    if (target.revoked_at) return toApiToken(target, await ownerOf(tx, target.user_id));
    if (target.role === 'owner') {
      // An owner user can still manage the organization (and make tokens) without it.
      const ownerUser = await tx
        .selectFrom('users')
        .select('id')
        .where('org_id', '=', orgId)
        .where('role', '=', 'owner')
        .executeTakeFirst();
      if (owners.length <= 1 && !ownerUser) {
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
    return toApiToken(row, await ownerOf(tx, row.user_id));
  });
}

/**
 * Resolves a presented bearer token to its caller, or throws the 401 that says why it was refused. A token that
 * belongs to a user acts as that user: at most the user's current role (a demoted user's tokens are demoted too),
 * named by the user's email in the audit log.
 */
export async function authenticateToken(db: Kysely<Database>, secret: string): Promise<OrganizationCaller> {
  const row = await db
    .selectFrom('api_tokens as t')
    .leftJoin('users as u', 'u.id', 't.user_id')
    .select([
      't.id',
      't.org_id',
      't.role',
      't.name',
      't.user_id',
      't.revoked_at',
      't.last_used_at',
      'u.role as user_role',
      'u.email as user_email',
    ])
    .where('t.token_hash', '=', hashToken(secret))
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
  const tokenRole = row.role as OrgRole;
  return {
    kind: 'organization',
    orgId: row.org_id,
    role: row.user_role ? lowerRole(tokenRole, row.user_role as OrgRole) : tokenRole,
    tokenId: row.id,
    userId: row.user_id,
    sessionId: null,
    actorName: row.user_email ?? `token ${row.name}`,
  };
}

/**
 * The user a new token belongs to: `userId` when given (null: the organization's), else the caller's own user
 * (`forMe`, and by default when the caller is a signed-in user or one of their tokens), else nobody. A token for
 * another user acts as that user, so the caller must be able to grant that user's role, and only an owner may make
 * one for another user of their own role (an admin for another admin: it would act in their name).
 */
export async function tokenOwnerFor(
  db: Kysely<Database>,
  caller: OrganizationCaller,
  request: { forMe?: boolean | undefined; userId?: string | null | undefined },
): Promise<string | null> {
  if (request.forMe && request.userId !== undefined) {
    throw new WeftError('TOKEN_OWNER_INVALID', 'Send forMe or userId, not both.', { field: 'userId' });
  }
  if (request.userId === null) return null;
  if (request.userId !== undefined) {
    // The schema's uuid format also lets other spellings through (urn:uuid:…), which the database refuses.
    const user = isUuid(request.userId)
      ? await db
          .selectFrom('users')
          .select(['id', 'role', 'email'])
          .where('org_id', '=', caller.orgId)
          .where('id', '=', request.userId)
          .executeTakeFirst()
      : undefined;
    if (!user) {
      throw new WeftError(
        'TOKEN_OWNER_INVALID',
        `No user with id '${request.userId}' in your organization.`,
        {
          field: 'userId',
        },
      );
    }
    if (!canGrantRole(caller.role, user.role as OrgRole)) {
      throw new WeftError(
        'TOKEN_ROLE_NOT_GRANTABLE',
        `A caller with role '${caller.role}' cannot make tokens for ${user.email}, who has role '${user.role}'.`,
        { field: 'userId' },
      );
    }
    if (caller.role !== 'owner' && user.role === caller.role && user.id !== caller.userId) {
      throw new WeftError(
        'TOKEN_ROLE_NOT_GRANTABLE',
        `A caller with role '${caller.role}' cannot make tokens for ${user.email}, another user with role '${user.role}'; an owner can.`,
        { field: 'userId' },
      );
    }
    return user.id;
  }
  if (request.forMe && !caller.userId) {
    throw new WeftError(
      'TOKEN_OWNER_INVALID',
      'forMe needs a caller who is a user: this request came with a token that belongs to no user.',
      { field: 'forMe' },
    );
  }
  return caller.userId;
}
