import { type Static, Type } from '@sinclair/typebox';
import { customerRoles } from '../auth/roles.js';
import { Cursor, Limit, page, refTo } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the customer users API: people of a customer, most created by embedded sign-in,
 * a few by hand. The types of what the store returns are derived from these (`Static`).
 */

const Role = Type.Union(
  customerRoles.map((role) => Type.Literal(role)),
  {
    description:
      'admin (manages the customer’s users and instances), member (reads them), marketplace-admin (activates and configures integrations in the embedded marketplace), marketplace-user (user-level configuration only)',
  },
);
const Name = Type.String({ maxLength: 200 });
const Email = Type.String({ format: 'email', maxLength: 320 });
const ExternalId = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^\\S(.*\\S)?$',
  description:
    "The user's id in your own app: the `external_id` (or `sub`) claim of their embedded sign-in JWT",
});

export const CustomerUser = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    customerId: Type.String({ format: 'uuid' }),
    externalId: Type.Union([Type.String(), Type.Null()]),
    email: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
    role: Role,
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    lastSignInAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'CustomerUser' },
);
export type CustomerUser = Static<typeof CustomerUser>;

export const CustomerUserPage = page(refTo(CustomerUser), 'CustomerUserPage');
export type CustomerUserPage = Static<typeof CustomerUserPage>;

export const CustomerUserSelf = Type.Object(
  {
    user: refTo(CustomerUser),
    customer: Type.Object({
      id: Type.String({ format: 'uuid' }),
      name: Type.String(),
      externalId: Type.Union([Type.String(), Type.Null()]),
    }),
  },
  { $id: 'CustomerUserSelf' },
);
export type CustomerUserSelf = Static<typeof CustomerUserSelf>;

export const customerUserAnswers = {
  user: refTo(CustomerUser),
  page: refTo(CustomerUserPage),
  self: refTo(CustomerUserSelf),
};

export const CustomerUserCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    email: Type.Optional(Email),
    externalId: Type.Optional(ExternalId),
    role: Role,
  },
  {
    additionalProperties: false,
    description: 'A user needs an email or an externalId (both unique within the customer).',
  },
);
export type CustomerUserCreate = Static<typeof CustomerUserCreate>;

export const CustomerUserUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    email: Type.Optional(Type.Union([Email, Type.Null()], { description: 'null removes it' })),
    externalId: Type.Optional(Type.Union([ExternalId, Type.Null()], { description: 'null removes it' })),
    role: Type.Optional(Role),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type CustomerUserUpdate = Static<typeof CustomerUserUpdate>;

export const CustomerUserListQuery = Type.Object(
  {
    search: Type.Optional(Type.String({ maxLength: 200, description: 'Matches name, email or externalId' })),
    role: Type.Optional(Role),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type CustomerUserListQuery = Static<typeof CustomerUserListQuery>;

export const CustomerParams = Type.Object({
  customer: Type.String({ description: 'Customer id or externalId' }),
});
export const IdParams = Type.Object({ id: Type.String({ description: 'Customer user id' }) });
