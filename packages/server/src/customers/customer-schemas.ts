import { type Static, Type } from '@sinclair/typebox';
import { Cursor, Limit, page, refTo } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the customers API. The types of what the store returns are derived from these
 * (`Static`), so the OpenAPI document and the code cannot drift apart.
 */

const Name = Type.String({
  minLength: 1,
  maxLength: 200,
  pattern: '\\S',
  description: 'Unique in the organization (case-insensitive)',
});
const ExternalId = Type.String({
  minLength: 1,
  pattern: '^\\S(.*\\S)?$',
  maxLength: 200,
  description: "The customer's id in your own app; unique in the organization",
});
const Description = Type.String({ maxLength: 5000 });
const Labels = Type.Array(Type.String({ minLength: 1, maxLength: 64, pattern: '\\S' }), {
  maxItems: 50,
  description: 'Stored lower-cased, trimmed, without repeats',
});

export const Customer = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    externalId: Type.Union([Type.String(), Type.Null()]),
    description: Type.String(),
    labels: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
    instanceCount: Type.Optional(
      Type.Integer({ description: 'How many instances the customer has (in list answers)' }),
    ),
  },
  { $id: 'Customer' },
);
export type Customer = Static<typeof Customer>;

export const CustomerPage = page(refTo(Customer), 'CustomerPage');
export type CustomerPage = Static<typeof CustomerPage>;

/** The answers of the routes, each a reference to a named schema above. */
export const customerAnswers = {
  customer: refTo(Customer),
  page: refTo(CustomerPage),
};

export const CustomerCreate = Type.Object(
  {
    name: Name,
    externalId: Type.Optional(Type.Union([ExternalId, Type.Null()])),
    description: Type.Optional(Description),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false, $id: 'CustomerCreate' },
);
export type CustomerCreate = Static<typeof CustomerCreate>;

export const CustomerUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    externalId: Type.Optional(Type.Union([ExternalId, Type.Null()], { description: 'null removes it' })),
    description: Type.Optional(Description),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false, minProperties: 1, $id: 'CustomerUpdate' },
);
export type CustomerUpdate = Static<typeof CustomerUpdate>;

export const CustomerListQuery = Type.Object(
  {
    search: Type.Optional(
      Type.String({ maxLength: 200, description: 'Matches name, externalId or description' }),
    ),
    label: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), {
        maxItems: 50,
        description: 'Customers having every label given',
      }),
    ),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type CustomerListQuery = Static<typeof CustomerListQuery>;

export const IdParams = Type.Object({ id: Type.String({ description: 'Customer id' }) });
export const ExternalIdParams = Type.Object({
  externalId: Type.String({ description: "Customer's externalId" }),
});
