import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import {
  CustomerParams,
  CustomerUser,
  CustomerUserCreate,
  CustomerUserListQuery,
  CustomerUserPage,
  CustomerUserSelf,
  CustomerUserUpdate,
  customerUserAnswers,
  IdParams,
} from './customer-user-schemas.js';
import {
  createCustomerUser,
  customerUserSelf,
  deleteCustomerUser,
  getCustomerUser,
  listCustomerUsers,
  updateCustomerUser,
} from './customer-user-store.js';

/**
 * `/api/customers/:customer/users` and `/api/customer-users`: the people of a customer. The organization's team
 * manages every customer's users; a customer admin manages its own customer's, a member reads them (the hook
 * confines customer callers to their customer: anything else is a 404).
 */
export function customerUserRoutes(db: Kysely<Database>) {
  return async function customerUserRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(CustomerUser);
    app.addSchema(CustomerUserPage);
    app.addSchema(CustomerUserSelf);
    const answers = customerUserAnswers;
    const tags = ['customer-users'];
    const byCustomer = { params: { customer: 'customer' } } as const;
    const byId = { params: { id: 'customer-user' } } as const;

    app.get(
      '/customers/:customer/users',
      {
        config: { permission: 'customer-users:read', customerScope: byCustomer },
        schema: {
          tags,
          summary: "List a customer's users",
          description: 'The customer by id or externalId; oldest first, in pages.',
          params: CustomerParams,
          querystring: CustomerUserListQuery,
          response: { 200: answers.page, ...errorResponses(404) },
        },
      },
      async (request) =>
        listCustomerUsers(db, callerOf(request).orgId, request.params.customer, request.query),
    );

    app.post(
      '/customers/:customer/users',
      {
        config: { permission: 'customer-users:write', customerScope: byCustomer },
        schema: {
          tags,
          summary: 'Create a customer user',
          description:
            'Rarely needed: embedded sign-in creates users on their first sign-in. A user needs an email or an externalId; creating one with the externalId a JWT will carry gives that user a role before they first sign in.',
          params: CustomerParams,
          body: CustomerUserCreate,
          response: { 201: answers.user, ...errorResponses(404, 409) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await createCustomerUser(db, callerOf(request).orgId, request.params.customer, request.body)),
    );

    // A static path: the router prefers it to /customer-users/:id.
    app.get(
      '/customer-users/me',
      {
        // Every customer role holds marketplace:read: the one permission all customer users share.
        config: { permission: 'marketplace:read', customerScope: { handlerNarrows: true } },
        schema: {
          tags,
          summary: 'Who you are, as a customer user',
          description:
            'For a customer user (embedded sign-in JWT): their user and their customer. An organization caller is no customer user: 404.',
          response: { 200: answers.self, ...errorResponses(404) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        if (caller.kind !== 'customer') {
          throw new WeftError(
            'CUSTOMER_USER_NOT_FOUND',
            'You are signed in for the organization, not as a customer user: GET /api/customer-users/me answers customer users (embedded sign-in) only.',
          );
        }
        return customerUserSelf(db, caller.orgId, caller.customerUserId);
      },
    );

    app.get(
      '/customer-users/:id',
      {
        config: { permission: 'customer-users:read', customerScope: byId },
        schema: {
          tags,
          summary: 'Get a customer user',
          params: IdParams,
          response: { 200: answers.user, ...errorResponses(404) },
        },
      },
      async (request) => getCustomerUser(db, callerOf(request).orgId, request.params.id),
    );

    app.patch(
      '/customer-users/:id',
      {
        config: { permission: 'customer-users:write', customerScope: byId },
        schema: {
          tags,
          summary: 'Update a customer user',
          description: 'Only the fields sent change.',
          params: IdParams,
          body: CustomerUserUpdate,
          response: { 200: answers.user, ...errorResponses(404, 409) },
        },
      },
      async (request) => updateCustomerUser(db, callerOf(request).orgId, request.params.id, request.body),
    );

    app.delete(
      '/customer-users/:id',
      {
        config: { permission: 'customer-users:write', customerScope: byId },
        schema: {
          tags,
          summary: 'Delete a customer user',
          description:
            'Answers with the deleted user. A user of embedded sign-in is created again on their next sign-in.',
          params: IdParams,
          response: { 200: answers.user, ...errorResponses(404) },
        },
      },
      async (request) => deleteCustomerUser(db, callerOf(request).orgId, request.params.id),
    );
  };
}
