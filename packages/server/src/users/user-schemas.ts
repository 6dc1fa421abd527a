import { type Static, Type } from '@sinclair/typebox';
import { orgRoles } from '../auth/roles.js';
import { Cursor, DateTime, Limit, Nullable, page, refTo, Uuid } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the organization users API. The types of what the store returns are derived from
 * these (`Static`), so the OpenAPI document and the code cannot drift apart. Passwords are plain strings here: their
 * policy is checked in code (auth/passwords.ts), so a refusal never quotes the password back.
 */

export const OrgRoleSchema = Type.Union(
  orgRoles.map((role) => Type.Literal(role)),
  { description: 'owner > admin > integrator > support > viewer' },
);

const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  description: 'Unique in the organization; compared case-insensitively',
});
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
/**
 * The policy (12 to 256 characters) is checked in code, whose refusal never quotes the value
 * (`checkPasswordPolicy`); the schema only bounds what is accepted at all, so nothing huge is ever hashed.
 */
export const Password = Type.String({ maxLength: 1024, description: '12 to 256 characters' });

export const User = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    name: Type.String(),
    role: OrgRoleSchema,
    status: Type.Union([Type.Literal('active'), Type.Literal('invited')], {
      description: 'invited: has not set a password nor signed in with single sign-on yet',
    }),
    hasPassword: Type.Boolean(),
    singleSignOn: Type.Boolean({
      description: 'Linked to an identity of the organization’s OpenID provider',
    }),
    invitationExpiresAt: Nullable(DateTime),
    lastSignInAt: Nullable(DateTime),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'User' },
);
export type User = Static<typeof User>;

export const UserPage = page(refTo(User), 'UserPage');
export type UserPage = Static<typeof UserPage>;

export const CreatedUser = Type.Object(
  {
    user: refTo(User),
    invitationUrl: Nullable(
      Type.String({
        description:
          'Without a password: the link the person opens to choose one (valid 7 days, works once). Shown only this once.',
      }),
    ),
  },
  { $id: 'CreatedUser' },
);
export type CreatedUser = Static<typeof CreatedUser>;

export const Invitation = Type.Object({
  user: refTo(User),
  invitationUrl: Type.String({ description: 'Valid 7 days, works once; shown only this once' }),
});
export type Invitation = Static<typeof Invitation>;

/** The answers of the routes, each a reference to a named schema above. */
export const userAnswers = {
  user: refTo(User),
  page: refTo(UserPage),
  created: refTo(CreatedUser),
  invitation: Invitation,
};

export const UserCreate = Type.Object(
  {
    email: Email,
    name: Name,
    role: OrgRoleSchema,
    password: Type.Optional(Password),
  },
  { additionalProperties: false },
);
export type UserCreate = Static<typeof UserCreate>;

export const UserUpdate = Type.Object(
  { name: Type.Optional(Name), role: Type.Optional(OrgRoleSchema) },
  { additionalProperties: false, minProperties: 1 },
);
export type UserUpdate = Static<typeof UserUpdate>;

export const PasswordChange = Type.Object(
  { currentPassword: Type.Optional(Password), newPassword: Password },
  { additionalProperties: false },
);
export type PasswordChange = Static<typeof PasswordChange>;

export const UserListQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Matches email or name' })),
    role: Type.Optional(OrgRoleSchema),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type UserListQuery = Static<typeof UserListQuery>;

export const IdParams = Type.Object({ id: Type.String({ description: 'User id' }) });
