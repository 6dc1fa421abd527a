import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { Cursor, errorResponses, Limit, page } from '../http/common-schemas.js';
import {
  type CustomerRef,
  createCustomer,
  deleteCustomer,
  getCustomer,
  listCustomers,
  updateCustomer,
} from './customer-store.js';

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

const Customer = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    externalId: Type.Union([Type.String(), Type.Null()]),
    description: Type.String(),
    labels: Type.Array(Type.String()),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Customer' },
);

const CustomerCreate = Type.Object(
  {
    name: Name,
    externalId: Type.Optional(Type.Union([ExternalId, Type.Null()])),
    description: Type.Optional(Description),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false, $id: 'CustomerCreate' },
);

const CustomerUpdate = Type.Object(
  {
    name: Type.Optional(Name),
    externalId: Type.Optional(Type.Union([ExternalId, Type.Null()], { description: 'null removes it' })),
    description: Type.Optional(Description),
    labels: Type.Optional(Labels),
  },
  { additionalProperties: false, minProperties: 1, $id: 'CustomerUpdate' },
);

const CustomerListQuery = Type.Object(
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

const IdParams = Type.Object({ id: Type.String({ description: 'Customer id' }) });
const ExternalIdParams = Type.Object({ externalId: Type.String({ description: "Customer's externalId" }) });

/** `/api/customers`: the organization's customers, addressable by Weft id or by externalId. */
export function customerRoutes(db: Kysely<Database>) {
  return async function customerRoutesPlugin(app: FastifyInstance): Promise<void> {
    app.addSchema(Customer);
    app.addSchema(page(Type.Ref('Customer'), 'CustomerPage'));
    const tags = ['customers'];
    const read = { permission: 'customers:read' } as const;
    const write = { permission: 'customers:write' } as const;

    app.post<{ Body: Static<typeof CustomerCreate> }>(
      '/customers',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create a customer',
          body: CustomerCreate,
          response: { 201: Type.Ref('Customer'), ...errorResponses(409, 413) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createCustomer(db, callerOf(request).orgId, request.body)),
    );

    app.get<{ Querystring: Static<typeof CustomerListQuery> }>(
      '/customers',
      {
        config: read,
        schema: {
          tags,
          summary: 'List customers',
          description: 'Oldest first, in pages; filter by free-text search and labels.',
          querystring: CustomerListQuery,
          response: { 200: Type.Ref('CustomerPage'), ...errorResponses() },
        },
      },
      async (request) => {
        const { search, label, limit, cursor } = request.query;
        return listCustomers(db, callerOf(request).orgId, {
          ...(search ? { search } : {}),
          ...(label ? { labels: label } : {}),
          ...(cursor ? { cursor } : {}),
          limit: limit ?? 100,
        });
      },
    );

    // The same three operations by Weft id and by externalId.
    const addressings: Array<{
      path: string;
      params: typeof IdParams | typeof ExternalIdParams;
      ref: (p: Record<string, string>) => CustomerRef;
      by: string;
    }> = [
      { path: '/customers/:id', params: IdParams, ref: (p) => ({ id: p.id ?? '' }), by: 'id' },
      {
        path: '/customers/by-external-id/:externalId',
        params: ExternalIdParams,
        ref: (p) => ({ externalId: p.externalId ?? '' }),
        by: 'externalId',
      },
    ];
    for (const { path, params, ref, by } of addressings) {
      app.get<{ Params: Record<string, string> }>(
        path,
        {
          config: read,
          schema: {
            tags,
            summary: `Get a customer by ${by}`,
            params,
            response: { 200: Type.Ref('Customer'), ...errorResponses(404) },
          },
        },
        async (request) => getCustomer(db, callerOf(request).orgId, ref(request.params)),
      );
      app.patch<{ Params: Record<string, string>; Body: Static<typeof CustomerUpdate> }>(
        path,
        {
          config: write,
          schema: {
            tags,
            summary: `Update a customer by ${by}`,
            description: 'Only the fields sent change; labels are replaced as a whole.',
            params,
            body: CustomerUpdate,
            response: { 200: Type.Ref('Customer'), ...errorResponses(404, 409, 413) },
          },
        },
        async (request) => updateCustomer(db, callerOf(request).orgId, ref(request.params), request.body),
      );
      app.delete<{ Params: Record<string, string> }>(
        path,
        {
          config: write,
          schema: {
            tags,
            summary: `Delete a customer by ${by}`,
            description: 'Answers with the deleted customer.',
            params,
            response: { 200: Type.Ref('Customer'), ...errorResponses(404) },
          },
        },
        async (request) => deleteCustomer(db, callerOf(request).orgId, ref(request.params)),
      );
    }
  };
}
