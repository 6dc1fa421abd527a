import { type Static, Type } from '@sinclair/typebox';
import { DateTime, Nullable, refTo, Uuid } from '../http/common-schemas.js';
import { User } from '../users/user-schemas.js';
import { orgRoles } from './roles.js';

/**
 * The request and answer shapes of sign-in, sessions and invitations. Passwords are plain strings: their policy is
 * checked in code, so no refusal quotes one back. The schema bounds only their length (1024 characters, far above
 * the policy's 256): nothing longer is hashed.
 */

/** At most 1024 characters: a longer value is refused before it costs a hash. */
const passwordMaxLength = 1024;

const Role = Type.Union(orgRoles.map((role) => Type.Literal(role)));
const OrganizationRef = Type.Object({ id: Uuid, name: Type.String() });

export const SignIn = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 254 }),
    password: Type.String({ maxLength: passwordMaxLength }),
    organization: Type.Optional(
      Type.String({
        format: 'uuid',
        description: 'The organization to sign in to, when the email is a user of several',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SignIn = Static<typeof SignIn>;

export const InvitationAccept = Type.Object(
  {
    secret: Type.String({
      minLength: 1,
      maxLength: 200,
      description: 'The last part of the invitation link',
    }),
    password: Type.String({ maxLength: passwordMaxLength, description: '12 to 256 characters' }),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' })),
  },
  { additionalProperties: false },
);
export type InvitationAccept = Static<typeof InvitationAccept>;

export const SignedIn = Type.Object(
  {
    user: refTo(User),
    organization: OrganizationRef,
    csrfToken: Type.String({
      description: 'Send it as the X-CSRF-Token header with every request that changes something',
    }),
    expiresAt: Type.String({ format: 'date-time', description: 'The session ends then at the latest' }),
    idleTimeoutMinutes: Type.Integer({
      description: 'The session also ends after this long without a request',
    }),
  },
  { $id: 'SignedIn' },
);
export type SignedIn = Static<typeof SignedIn>;

export const SessionInfo = Type.Object(
  {
    kind: Type.Union([Type.Literal('session'), Type.Literal('token')], {
      description: 'session: signed in by cookie; token: an API token',
    }),
    organization: OrganizationRef,
    role: Type.Union(
      orgRoles.map((role) => Type.Literal(role)),
      { description: 'What the caller may do now (a user’s token: at most the user’s role)' },
    ),
    permissions: Type.Array(Type.String(), {
      description:
        'Every permission the caller holds now (e.g. integrations:write): what the console offers. The server checks each call anyway.',
    }),
    user: Nullable(refTo(User)),
    token: Nullable(Type.Object({ id: Uuid, name: Type.String(), role: Role })),
    csrfToken: Nullable(Type.String()),
    expiresAt: Nullable(DateTime),
    idleTimeoutMinutes: Nullable(Type.Integer()),
  },
  { $id: 'SessionInfo' },
);
export type SessionInfo = Static<typeof SessionInfo>;

export const SignedOutEverywhere = Type.Object({
  signedOutSessions: Type.Integer({ description: 'Sessions ended' }),
});

export const sessionAnswers = {
  signedIn: refTo(SignedIn),
  session: refTo(SessionInfo),
  signedOutEverywhere: SignedOutEverywhere,
};
