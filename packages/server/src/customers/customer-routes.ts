import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import {
  Customer,
  CustomerCreate,
  CustomerListQuery,
  CustomerPage,
  CustomerUpdate,
  customerAnswers,
  ExternalIdParams,
  IdParams,
} from './customer-schemas.js';
import {
  createCustomer,
  deleteCustomer,
  getCustomer,
  listCustomers,
  updateCustomer,
} from './customer-store.js';

/** `/api/customers`: the organization's customers, addressable by Weft id or by externalId. */
export function customerRoutes(db: Kysely<Database>) {
  return async function customerRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(Customer);
    app.addSchema(CustomerPage);
    const answers = customerAnswers;
    const tags = ['customers'];
    const read = { permission: 'customers:read' } as const;
    const write = { permission: 'customers:write' } as const;

    app.post(
      '/customers',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create a customer',
          body: CustomerCreate,
          response: { 201: answers.customer, ...errorResponses(409, 413) },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createCustomer(db, callerOf(request).orgId, request.body)),
    );

    app.get(
      '/customers',
      {
        config: read,
        schema: {
          tags,
          summary: 'List customers',
          description: 'Oldest first, in pages; filter by free-text search and labels.',
          querystring: CustomerListQuery,
          response: { 200: answers.page, ...errorResponses() },
        },
      },
      async (request) => listCustomers(db, callerOf(request).orgId, request.query),
    );

    // The same three operations by Weft id and by externalId: the path parameters are the customer's reference.
    const addressings = [
      { path: '/customers/:id', params: IdParams, by: 'id' },
      { path: '/customers/by-external-id/:externalId', params: ExternalIdParams, by: 'externalId' },
    ];
    for (const { path, params, by } of addressings) {
      app.get(
        path,
        {
          config: read,
          schema: {
            tags,
            summary: `Get a customer by ${by}`,
            params,
            response: { 200: answers.customer, ...errorResponses(404) },
          },
        },
        async (request) => getCustomer(db, callerOf(request).orgId, request.params),
      );
      app.patch(
        path,
        {
          config: write,
          schema: {
            tags,
            summary: `Update a customer by ${by}`,
            description: 'Only the fields sent change; labels are replaced as a whole.',
            params,
            body: CustomerUpdate,
            response: { 200: answers.customer, ...errorResponses(404, 409, 413) },
          },
        },
        async (request) => updateCustomer(db, callerOf(request).orgId, request.params, request.body),
      );
      app.delete(
        path,
        {
          config: write,
          schema: {
            tags,
            summary: `Delete a customer by ${by}`,
            description: 'Answers with the deleted customer.',
            params,
            response: { 200: answers.customer, ...errorResponses(404) },
          },
        },
        async (request) => deleteCustomer(db, callerOf(request).orgId, request.params),
      );
    }
  };
}
