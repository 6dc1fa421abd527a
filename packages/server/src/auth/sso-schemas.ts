import { type Static, Type } from '@sinclair/typebox';
import { DateTime } from '../http/common-schemas.js';
import { orgRoles } from './roles.js';

/** The request and answer shapes of an organization's single sign-on (OpenID Connect) settings and sign-in. */

const Role = Type.Union(
  orgRoles.map((role) => Type.Literal(role)),
  { description: 'owner > admin > integrator > support > viewer' },
);

const Domain = Type.String({
  minLength: 1,
  maxLength: 253,
  pattern: '^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$',
  description: 'An email domain such as example.com (stored lower-cased)',
});

export const SsoSettings = Type.Object(
  {
    issuer: Type.String({ description: 'The OpenID provider’s issuer URL' }),
    clientId: Type.String(),
    clientSecretSet: Type.Boolean({
      description: 'Whether a client secret is stored (it is never answered)',
    }),
    defaultRole: Role,
    allowedDomains: Type.Array(Type.String(), {
      description: 'People with a verified email of these domains get a user on their first sign-in',
    }),
    enabled: Type.Boolean(),
    redirectUri: Type.String({ description: 'Register this redirect URI for the client at the provider' }),
    signInUrl: Type.String({ description: 'Where people start single sign-on' }),
    updatedAt: DateTime,
  },
  { $id: 'SsoSettings' },
);
export type SsoSettings = Static<typeof SsoSettings>;

export const SsoSettingsPut = Type.Object(
  {
    issuer: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'https URL (http only on this machine, for development)',
    }),
    clientId: Type.String({ minLength: 1, maxLength: 500 }),
    clientSecret: Type.Optional(
      Type.Union([Type.String({ minLength: 1, maxLength: 2000 }), Type.Null()], {
        description: 'Omit to keep the stored one; null removes it (a public client, with PKCE only)',
      }),
    ),
    defaultRole: Type.Optional(Role),
    allowedDomains: Type.Optional(Type.Array(Domain, { maxItems: 100 })),
    enabled: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type SsoSettingsPut = Static<typeof SsoSettingsPut>;

export const OidcStartQuery = Type.Object(
  {
    organization: Type.Optional(
      Type.String({ description: 'Organization id; may be left out on a server with one organization' }),
    ),
    returnTo: Type.Optional(
      Type.String({ maxLength: 2000, description: 'A path of this server to go to afterwards (default /)' }),
    ),
  },
  { additionalProperties: false },
);
export type OidcStartQuery = Static<typeof OidcStartQuery>;

export const SignInOptionsQuery = Type.Object(
  {
    organization: Type.Optional(
      Type.String({ format: 'uuid', description: 'Organization id; may be left out on a server with one' }),
    ),
  },
  { additionalProperties: false },
);

export const SignInOptions = Type.Object({
  sso: Type.Boolean({ description: 'Single sign-on is set up and enabled: /api/auth/oidc/start signs in' }),
  organizationRequired: Type.Boolean({
    description: 'The server has several organizations: name one (?organization=) to learn about its sign-in',
  }),
});

export const OidcCallbackQuery = Type.Object(
  {
    code: Type.Optional(Type.String()),
    state: Type.Optional(Type.String()),
    error: Type.Optional(Type.String()),
    error_description: Type.Optional(Type.String()),
    iss: Type.Optional(Type.String()),
    session_state: Type.Optional(Type.String()),
  },
  { additionalProperties: true },
);

export const Redirect = Type.Unsafe<undefined>(Type.Null({ description: 'A redirect (Location header)' }));
