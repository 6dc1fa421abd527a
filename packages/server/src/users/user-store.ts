import { createHash, randomBytes } from 'node:crypto';
import { type Kysely, type Selectable, sql, type Transaction } from 'kysely';
import type { OrganizationCaller } from '../auth/caller.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../auth/passwords.js';
import { canGrantRole, type OrgRole, orgRoles } from '../auth/roles.js';
import type { WallClock } from '../auth/session-store.js';
import { isUuid } from '../database/ids.js';
import { containsPattern } from '../database/like-pattern.js';
import { decodeCursor, pageOf } from '../database/page-cursor.js';
import type { Database, UsersTable } from '../database/schema.js';
import { violatedUniqueIndex } from '../database/unique-violation.js';
import { WeftError } from '../errors.js';
import type { User, UserCreate, UserListQuery, UserPage, UserUpdate } from './user-schemas.js';

/** The SQL behind the organization users API. Every function takes the caller's organization and never reads past it. */

type Db = Kysely<Database> | Transaction<Database>;
export type UserRow = Selectable<UsersTable>;

/** How long an invitation link works. */
export const invitationDays = 7;

// A pragmatic address check: something@domain.tld, no spaces or control characters, within RFC 5321's lengths.
const emailPattern =
  /^[^\s@\p{Cc}"<>()[\]\\,;:]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}$/u;

/** An email as given (trimmed), or the 400 that says it is not one. Compared everywhere in lower case. */
export function checkedEmail(email: string, field = 'email'): string {
  const trimmed = email.trim();
  if (trimmed.length > 254 || !emailPattern.test(trimmed)) {
    throw new WeftError('USER_EMAIL_INVALID', `'${trimmed.slice(0, 80)}' is not an email address.`, {
      field,
    });
  }
  return trimmed;
}

/** The domain of an email, lower-cased: what the SSO settings' allowedDomains are matched against. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

export function userNotFound(id: string): WeftError {
  return new WeftError('USER_NOT_FOUND', `No user with id '${id}' in your organization.`);
}

export function toUser(row: UserRow): User {
  const invited = row.password_hash === null && row.oidc_subject === null && row.last_sign_in_at === null;
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role as OrgRole,
    status: invited ? 'invited' : 'active',
    hasPassword: row.password_hash !== null,
    singleSignOn: row.oidc_subject !== null,
    invitationExpiresAt: row.invitation_expires_at?.toISOString() ?? null,
    lastSignInAt: row.last_sign_in_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function hashInvitationSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

function newInvitation(clock: WallClock): { secret: string; hash: Buffer; expiresAt: Date } {
  const secret = randomBytes(32).toString('base64url');
  return {
    secret,
    hash: hashInvitationSecret(secret),
    expiresAt: new Date(clock.now() + invitationDays * 86_400_000),
  };
}

function refuseUngrantable(caller: OrganizationCaller, role: string, doing: string): void {
  if (!canGrantRole(caller.role, role as OrgRole)) {
    throw new WeftError(
      'USER_ROLE_NOT_GRANTABLE',
      `A caller with role '${caller.role}' cannot ${doing} role '${role}'.`,
      { field: 'role', role, callerRole: caller.role },
    );
  }
}

/**
 * Acting as another user of one's own role (a new invitation link, which resets their password; an API token that
 * acts as them): only owners may do it for a peer. An admin doing it for another admin could take over their
 * account, or act in their name in the audit log.
 */
function refusePeer(caller: OrganizationCaller, target: { id: string; role: string }, doing: string): void {
  if (caller.role !== 'owner' && target.role === caller.role && target.id !== caller.userId) {
    throw new WeftError(
      'USER_ROLE_NOT_GRANTABLE',
      `A caller with role '${caller.role}' cannot ${doing} another user with role '${target.role}'; an owner can.`,
      { field: 'role', role: target.role, callerRole: caller.role },
    );
  }
}

/** Whether `role` is above `than` (owner > admin > integrator > support > viewer). */
function isAbove(role: string, than: string): boolean {
  return orgRoles.indexOf(role as OrgRole) < orgRoles.indexOf(than as OrgRole);
}

function emailTaken(error: unknown, email: string): never {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code === '23505' && constraint === 'users_email_key') {
    throw new WeftError('USER_EMAIL_TAKEN', `The organization already has a user with email '${email}'.`, {
      field: 'email',
    });
  }
  throw error;
}

/**
 * Creates a user. With a password the user can sign in at once; without, they get an invitation whose secret is
 * returned here (and only its SHA-256 stored) for the link the caller passes on.
 */
export async function createUser(
  db: Kysely<Database>,
  caller: OrganizationCaller,
  input: UserCreate,
  clock: WallClock,
): Promise<{ row: UserRow; invitationSecret: string | null }> {
  const email = checkedEmail(input.email);
  refuseUngrantable(caller, input.role, 'give a user the');
  if (input.password !== undefined) checkPasswordPolicy(input.password);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;
  const invitation = passwordHash === null ? newInvitation(clock) : undefined;
  try {
    const row = await db
      .insertInto('users')
      .values({
        org_id: caller.orgId,
        email,
        name: input.name.trim(),
        role: input.role,
        password_hash: passwordHash,
        invitation_hash: invitation?.hash ?? null,
        invitation_expires_at: invitation?.expiresAt ?? null,
        // Sessions are checked against the sign-in clock; start the user's validity just before its now.
        sessions_valid_after: new Date(clock.now() - 1000),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, invitationSecret: invitation?.secret ?? null };
  } catch (error) {
    emailTaken(error, email);
  }
}

export async function getUserRow(db: Db, orgId: string, id: string): Promise<UserRow> {
  const row = isUuid(id)
    ? await db
        .selectFrom('users')
        .selectAll()
        .where('org_id', '=', orgId)
        .where('id', '=', id)
        .executeTakeFirst()
    : undefined;
  if (!row) throw userNotFound(id);
  return row;
}

export async function getUser(db: Kysely<Database>, orgId: string, id: string): Promise<User> {
  return toUser(await getUserRow(db, orgId, id));
}

/** Oldest first, in keyset pages; `search` matches email or name, case-insensitively. */
export async function listUsers(
  db: Kysely<Database>,
  orgId: string,
  query: UserListQuery,
): Promise<UserPage> {
  const limit = query.limit ?? 100;
  let select = db.selectFrom('users').selectAll().where('org_id', '=', orgId);
  if (query.search) {
    const pattern = containsPattern(query.search);
    select = select.where((eb) => eb.or([eb('email', 'ilike', pattern), eb('name', 'ilike', pattern)]));
  }
  if (query.role) select = select.where('role', '=', query.role);
  if (query.cursor) {
    const after = decodeCursor(query.cursor);
    select = select.where(sql<boolean>`(created_at, id) > (${after.createdAt}, ${after.id}::uuid)`);
  }
  const rows = await select
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1)
    .execute();
  return pageOf(rows, limit, toUser);
}

/**
 * Locks the organization's owners, always in id order (two concurrent changes then queue instead of deadlocking
 * and cannot both pass the last-owner check), then the target. As token-store.ts does for owner tokens.
 */
async function lockOwnersAndTarget(
  tx: Transaction<Database>,
  orgId: string,
  id: string,
): Promise<{ owners: string[]; target: UserRow }> {
  const owners = await tx
    .selectFrom('users')
    .select('id')
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .orderBy('id')
    .forUpdate()
    .execute();
  if (!isUuid(id)) throw userNotFound(id);
  const target = await tx
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!target) throw userNotFound(id);
  return { owners: owners.map((owner) => owner.id), target };
}

function refuseLastOwner(owners: string[], target: UserRow, doing: string): void {
  if (target.role === 'owner' && owners.length <= 1) {
    throw new WeftError(
      'USER_LAST_OWNER',
      `${target.email} is the organization's last owner and cannot be ${doing}.`,
      { userId: target.id },
    );
  }
}

/**
 * Changes a user's name or role. Nothing of a user above the caller changes; roles change only within what the caller
 * may grant; the last owner stays one. Raising the role of a user with a pending invitation link cancels the link:
 * it was handed out for the lower role, so a new one must be sent (POST /api/users/{id}/invitation).
 */
export async function updateUser(
  db: Kysely<Database>,
  caller: OrganizationCaller,
  id: string,
  changes: UserUpdate,
  clock: WallClock,
): Promise<User> {
  return db.transaction().execute(async (tx) => {
    const { owners, target } = await lockOwnersAndTarget(tx, caller.orgId, id);
    refuseUngrantable(caller, target.role, 'change a user who has');
    const raised = changes.role !== undefined && isAbove(changes.role, target.role);
    if (changes.role !== undefined && changes.role !== target.role) {
      refuseUngrantable(caller, changes.role, 'give a user the');
      refuseLastOwner(owners, target, 'demoted');
    }
    const row = await tx
      .updateTable('users')
      .set({
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(changes.role !== undefined ? { role: changes.role } : {}),
        ...(raised && target.invitation_hash !== null
          ? { invitation_hash: null, invitation_expires_at: null }
          : {}),
        updated_at: new Date(clock.now()),
      })
      .where('id', '=', target.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  });
}

/**
 * Removes a user: their sessions and the API tokens they own are deleted with them (foreign keys cascade). The last
 * owner cannot be removed, nor a user whose role the caller could not grant.
 */
export async function removeUser(
  db: Kysely<Database>,
  caller: OrganizationCaller,
  id: string,
): Promise<User> {
  return db.transaction().execute(async (tx) => {
    const { owners, target } = await lockOwnersAndTarget(tx, caller.orgId, id);
    refuseUngrantable(caller, target.role, 'remove a user who has');
    refuseLastOwner(owners, target, 'removed');
    const row = await tx
      .deleteFrom('users')
      .where('id', '=', target.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toUser(row);
  });
}

/**
 * A new invitation for a user (the previous link stops working): for someone who lost theirs, or forgot their
 * password. Accepting it sets a new password and signs the user out everywhere else, so it is a way into the account:
 * never for a user above the caller, and for another admin only by an owner.
 */
export async function reissueInvitation(
  db: Kysely<Database>,
  caller: OrganizationCaller,
  id: string,
  clock: WallClock,
): Promise<{ row: UserRow; invitationSecret: string }> {
  const target = await getUserRow(db, caller.orgId, id);
  refuseUngrantable(caller, target.role, 'invite a user who has');
  refusePeer(caller, target, 'send a new invitation link to');
  const invitation = newInvitation(clock);
  const row = await db
    .updateTable('users')
    .set({
      invitation_hash: invitation.hash,
      invitation_expires_at: invitation.expiresAt,
      updated_at: new Date(clock.now()),
    })
    .where('id', '=', target.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, invitationSecret: invitation.secret };
}

/**
 * Accepts an invitation: sets the password (and the name, when given), clears the invitation, and ends every
 * session made before (the link may be a password reset). The link works once.
 */
export async function acceptInvitation(
  db: Kysely<Database>,
  input: { secret: string; password: string; name?: string | undefined },
  clock: WallClock,
): Promise<UserRow> {
  checkPasswordPolicy(input.password);
  const invalid = () =>
    new WeftError('AUTH_INVITATION_INVALID', 'This invitation link is unknown, already used, or expired.');
  const now = new Date(clock.now());
  const found = await db
    .selectFrom('users')
    .select(['id', 'invitation_expires_at'])
    .where('invitation_hash', '=', hashInvitationSecret(input.secret))
    .executeTakeFirst();
  if (!found?.invitation_expires_at || found.invitation_expires_at.getTime() <= now.getTime())
    throw invalid();
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('users')
      .set({
        password_hash: passwordHash,
        invitation_hash: null,
        invitation_expires_at: null,
        sessions_valid_after: new Date(now.getTime() - 1),
        updated_at: now,
        ...(input.name?.trim() ? { name: input.name.trim() } : {}),
      })
      .where('id', '=', found.id)
      // Two acceptances of one link at once: only the first still finds the hash.
      .where('invitation_hash', '=', hashInvitationSecret(input.secret))
      .returningAll()
      .executeTakeFirst();
    if (!row) throw invalid();
    await tx.deleteFrom('user_sessions').where('user_id', '=', row.id).execute();
    return row;
  });
}

/**
 * `lower(email) = lower(value)`, both sides lower-cased by PostgreSQL: as the unique index users_email_key compares
 * them (JavaScript's toLowerCase differs from the database's for letters outside ASCII).
 */
function emailIs(email: string) {
  return sql<boolean>`lower(email) = lower(${email.trim()})`;
}

/** The users with this email (in every organization, or in one), for password sign-in. */
export async function usersByEmail(db: Kysely<Database>, email: string, orgId?: string): Promise<UserRow[]> {
  let select = db.selectFrom('users').selectAll().where(emailIs(email));
  if (orgId !== undefined) {
    if (!isUuid(orgId)) return [];
    select = select.where('org_id', '=', orgId);
  }
  return select.orderBy('created_at').limit(20).execute();
}

/**
 * Changes the caller's own password, and ends every other session. The current one is needed when there is one;
 * a user without one (single sign-on only) sets a first password from a signed-in session only: an API token of
 * theirs, perhaps one with a lower role, must not become a way to sign in as them.
 */
export async function changePassword(
  db: Kysely<Database>,
  caller: OrganizationCaller,
  input: { currentPassword?: string | undefined; newPassword: string },
  clock: WallClock,
): Promise<User> {
  if (!caller.userId) {
    throw new WeftError(
      'AUTH_SESSION_REQUIRED',
      'This token belongs to no user, so it has no password to change.',
    );
  }
  const row = await getUserRow(db, caller.orgId, caller.userId);
  if (row.password_hash === null && !caller.sessionId) {
    throw new WeftError(
      'USER_PASSWORD_NEEDS_SESSION',
      `${row.email} has no password yet, and an API token cannot set the first one.`,
      { field: 'newPassword' },
    );
  }
  if (row.password_hash !== null) {
    const matches =
      input.currentPassword !== undefined && (await verifyPassword(input.currentPassword, row.password_hash));
    if (!matches) {
      throw new WeftError(
        'USER_CURRENT_PASSWORD_WRONG',
        input.currentPassword === undefined
          ? 'The current password is missing.'
          : 'The current password is wrong.',
        { field: 'currentPassword' },
      );
    }
  }
  checkPasswordPolicy(input.newPassword, 'newPassword');
  const passwordHash = await hashPassword(input.newPassword);
  const now = new Date(clock.now());
  return db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: now })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // Every other session ends; the caller's own, which just proved the current password, lives on.
    let others = tx.deleteFrom('user_sessions').where('user_id', '=', row.id);
    if (caller.sessionId) others = others.where('id', '<>', caller.sessionId);
    await others.execute();
    return toUser(updated);
  });
}

/** Who the OpenID provider says signed in (claims already verified by the OIDC client). */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  email: string | undefined;
  /** The provider's email_verified claim; undefined when it sends none. */
  emailVerified: boolean | undefined;
  name: string | undefined;
}

function ssoRefusal(message: string, details: Record<string, unknown> = {}): WeftError {
  return new WeftError('AUTH_SSO_USER_NOT_ALLOWED', message, details);
}

/**
 * The user a single sign-on identity is: the one linked to it (issuer and subject); else the user with its email,
 * linked now (their invitation, if any, is used up); else a new user with the settings' default role when the
 * email's domain is allowed. An email counts only when the provider says it verified it (email_verified: true): a
 * provider that lets people type any address would otherwise hand out existing accounts. Anything else is refused
 * with the reason.
 *
 * Two first sign-ins at once (the same person twice, or two identities with one email) race to link or create the
 * user: the loser looks again, and finds the winner's user (or is refused as another identity of it).
 */
export async function userForSingleSignOn(
  db: Kysely<Database>,
  orgId: string,
  settings: { defaultRole: string; allowedDomains: string[] },
  identity: SsoIdentity,
  clock: WallClock,
): Promise<UserRow> {
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    try {
      const row = await linkOrCreateSsoUser(db, orgId, settings, identity, clock);
      if (row) return row;
    } catch (error) {
      const index = violatedUniqueIndex(error);
      if (index !== 'users_email_key' && index !== 'users_oidc_key') throw error;
    }
  }
  throw new WeftError(
    'USER_EMAIL_TAKEN',
    `Other sign-ins for ${identity.email ?? 'this identity'} kept changing its user at the same moment; sign in again.`,
    { field: 'email' },
  );
}

/** One try of userForSingleSignOn: the user, or undefined when a concurrent sign-in linked them first. */
async function linkOrCreateSsoUser(
  db: Kysely<Database>,
  orgId: string,
  settings: { defaultRole: string; allowedDomains: string[] },
  identity: SsoIdentity,
  clock: WallClock,
): Promise<UserRow | undefined> {
  const linked = await db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('oidc_issuer', '=', identity.issuer)
    .where('oidc_subject', '=', identity.subject)
    .executeTakeFirst();
  if (linked) return linked;
  if (!identity.email) {
    throw ssoRefusal(
      'The provider did not give an email address for this identity, so it matches no user; the client must be allowed the email scope.',
    );
  }
  const email = checkedEmail(identity.email);
  if (identity.emailVerified !== true) {
    throw new WeftError(
      'AUTH_SSO_EMAIL_NOT_VERIFIED',
      identity.emailVerified === false
        ? `The provider says ${email} is not verified, so it neither links to a user nor makes one; verify it with the provider first.`
        : `The provider does not say ${email} is verified (no email_verified claim), so it neither links to a user nor makes one.`,
      { email, emailVerified: identity.emailVerified ?? null },
    );
  }
  const now = new Date(clock.now());
  const byEmail = await db
    .selectFrom('users')
    .selectAll()
    .where('org_id', '=', orgId)
    .where(emailIs(email))
    .executeTakeFirst();
  if (byEmail) {
    if (byEmail.oidc_subject !== null && byEmail.oidc_issuer === identity.issuer) {
      throw ssoRefusal(
        `${byEmail.email} is already linked to another identity of this provider; an administrator can remove and invite the user again.`,
        { email },
      );
    }
    // Only if no other sign-in linked the user since it was read; else look again.
    return db
      .updateTable('users')
      .set({
        oidc_issuer: identity.issuer,
        oidc_subject: identity.subject,
        invitation_hash: null,
        invitation_expires_at: null,
        updated_at: now,
      })
      .where('id', '=', byEmail.id)
      .where((eb) =>
        byEmail.oidc_subject === null
          ? eb('oidc_subject', 'is', null)
          : eb.and([
              eb('oidc_issuer', '=', byEmail.oidc_issuer),
              eb('oidc_subject', '=', byEmail.oidc_subject),
            ]),
      )
      .returningAll()
      .executeTakeFirst();
  }
  const domain = emailDomain(email);
  if (!settings.allowedDomains.includes(domain)) {
    throw ssoRefusal(
      `${email} is not a user of this organization, and its domain '${domain}' is not one whose people may join by single sign-on.`,
      { email, domain },
    );
  }
  return db
    .insertInto('users')
    .values({
      org_id: orgId,
      email,
      name: identity.name?.trim().slice(0, 200) || email,
      role: settings.defaultRole,
      oidc_issuer: identity.issuer,
      oidc_subject: identity.subject,
      sessions_valid_after: new Date(now.getTime() - 1000),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
