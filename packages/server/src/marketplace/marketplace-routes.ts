import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { callerOf } from '../auth/authenticate.js';
import type { ComponentSandboxes } from '../components/component-sandboxes.js';
import { authorizationLandingPage, landingPath, returnOrigins } from '../connections/oauth-authorization.js';
import type { Database } from '../database/schema.js';
import { errorResponses, NoContent, refTo } from '../http/common-schemas.js';
import { baseUrlOf } from '../http/public-url.js';
import { fileAnswers } from '../integrations/integration-schemas.js';
import type { Keyring } from '../secrets/keyring.js';
import {
  ActivateBody,
  Activation,
  IntegrationIdParams,
  MarketplaceCustomerQuery,
  MarketplaceIntegration,
  MarketplaceIntegrationParams,
  MarketplaceList,
  MarketplaceListQuery,
  MarketplaceSettings,
  MarketplaceSettingsUpdate,
  marketplacePermissions,
  marketplaceSchemas,
  SelfServiceAuthorizeBody,
  SelfServiceConnection,
  SelfServiceConnectionList,
  SelfServiceParams,
  SelfServiceValues,
  WizardAuthorization,
} from './marketplace-schemas.js';
import {
  activateIntegration,
  customerFor,
  getMarketplaceIntegration,
  getMarketplaceSettings,
  listMarketplace,
  marketplaceIcon,
  updateMarketplaceSettings,
} from './marketplace-store.js';

import {
  authorizeSelfService,
  deleteSelfServiceCredentials,
  getSelfServiceConnection,
  listSelfServiceConnections,
  setSelfServiceCredentials,
} from './self-service-connections.js';
import { authorizationUrlsOf, wizardRoutes } from './wizard-routes.js';

export interface MarketplaceRouteOptions {
  keyring: Keyring;
  log: Logger;
  /** Where data sources of custom components and code-native integrations run. */
  sandboxes: ComponentSandboxes;
  /** Base of the OAuth callback and of the wizard's return origin; unset: taken from the request. */
  publicUrl: string | undefined;
  /** Origins besides Weft's own a wizard's OAuth may return to (the organization's app embedding it). */
  allowedOrigins?: string[];
}

/**
 * The marketplace: each integration's marketplace settings (`/api/integrations/{id}/marketplace`), what a
 * customer may activate and the activation (`/api/marketplace`), customers' self-service connections
 * (`/api/marketplace/connections`), the config wizard (`/api/instances/{id}/config-wizard`, wizard-routes.ts),
 * and the page an OAuth popup lands on (`/oauth2/complete`).
 */
export function marketplaceRoutes(db: Kysely<Database>, options: MarketplaceRouteOptions) {
  const allowedOrigins = options.allowedOrigins ?? [];
  const deps = { db, keyring: options.keyring, log: options.log, sandboxes: options.sandboxes };
  return async function marketplacePlugin(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: Record<string, string | undefined> }>(
      landingPath,
      { schema: { hide: true } },
      async (request, reply) => {
        const nonce = randomBytes(16).toString('base64');
        const query = request.query;
        const page = authorizationLandingPage(
          {
            connectionId: query.connectionId ?? null,
            status: query.status === 'connected' ? 'connected' : 'error',
            message: query.message ?? null,
          },
          returnOrigins({ baseUrl: baseUrlOf(request, options.publicUrl), allowedOrigins }),
          nonce,
        );
        return reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'`)
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .send(page);
      },
    );
    await app.register(marketplaceApi(db, deps, { ...options, allowedOrigins }), { prefix: '/api' });
  };
}

function marketplaceApi(
  db: Kysely<Database>,
  deps: { db: Kysely<Database>; keyring: Keyring; log: Logger; sandboxes: ComponentSandboxes },
  options: MarketplaceRouteOptions & { allowedOrigins: string[] },
) {
  return async function marketplaceApiPlugin(fastify: FastifyInstance): Promise<void> {
    for (const schema of marketplaceSchemas) fastify.addSchema(schema);
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['marketplace'];
    const selfServiceTags = ['self-service connections'];
    const p = marketplacePermissions;

    app.get(
      '/integrations/:id/marketplace',
      {
        config: p.settingsRead,
        schema: {
          tags,
          summary: "An integration's marketplace settings",
          params: IntegrationIdParams,
          response: { 200: refTo(MarketplaceSettings), ...errorResponses(404) },
        },
      },
      async (request) => getMarketplaceSettings(db, callerOf(request).orgId, request.params.id),
    );

    app.put(
      '/integrations/:id/marketplace',
      {
        config: p.settingsWrite,
        schema: {
          tags,
          summary: "Change an integration's marketplace settings",
          description:
            'Only the fields sent change. A pinned versionNumber must be an available published version (null offers the newest available one); listing an integration that offers no available version is refused (422 MARKETPLACE_NO_AVAILABLE_VERSION). Instances already activated are not changed.',
          params: IntegrationIdParams,
          body: refTo(MarketplaceSettingsUpdate),
          response: { 200: refTo(MarketplaceSettings), ...errorResponses(404, 422) },
        },
      },
      async (request) =>
        updateMarketplaceSettings(db, callerOf(request).orgId, request.params.id, request.body),
    );

    app.get(
      '/marketplace',
      {
        config: p.browse,
        schema: {
          tags,
          summary: 'The integrations a customer may activate',
          description:
            "Listed integrations that offer an available version, by name, with the version an activation gets and the customer's instances of each (deployed, needs configuration, upgrade available). A customer user sees their own customer's; an organization caller sees the list as the customer named by `customer` would (without one, with no instances). Filter by category, labels and search.",
          querystring: MarketplaceListQuery,
          response: { 200: refTo(MarketplaceList), ...errorResponses(404) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const customer = await customerFor(db, caller, request.query.customer, false);
        return listMarketplace(db, caller.orgId, request.query, customer);
      },
    );

    app.get(
      '/marketplace/connections',
      {
        config: p.connectionsList,
        schema: {
          tags: selfServiceTags,
          summary: 'Customer-activated connections and the customer’s credentials of each',
          description:
            "The connections the organization defined for customers to activate themselves, with this customer's status of each (never a secret) and which of the customer's instances use it. Organization callers name the customer with `customer` (without one, no credentials are shown).",
          querystring: MarketplaceCustomerQuery,
          response: { 200: SelfServiceConnectionList, ...errorResponses(404) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const customer = await customerFor(db, caller, request.query.customer, false);
        return listSelfServiceConnections(deps, caller, customer);
      },
    );

    app.get(
      '/marketplace/connections/:connectionId',
      {
        config: p.connectionRead,
        schema: {
          tags: selfServiceTags,
          summary: 'One customer-activated connection and the customer’s credentials of it',
          params: SelfServiceParams,
          querystring: MarketplaceCustomerQuery,
          response: { 200: refTo(SelfServiceConnection), ...errorResponses(404) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const customer = await customerFor(db, caller, request.query.customer, false);
        return getSelfServiceConnection(deps, caller, request.params.connectionId, customer);
      },
    );

    app.put(
      '/marketplace/connections/:connectionId',
      {
        config: p.connectionWrite,
        schema: {
          tags: selfServiceTags,
          summary: 'Create or update the customer’s credentials of a customer-activated connection',
          description:
            'Input values by key, merged into the stored ones (null removes one). Every instance of the customer that uses the connection runs with them from now on. Organization callers name the customer with `customer`.',
          params: SelfServiceParams,
          querystring: MarketplaceCustomerQuery,
          body: SelfServiceValues,
          response: { 200: refTo(SelfServiceConnection), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const customer = await customerFor(db, caller, request.query.customer, true);
        return setSelfServiceCredentials(
          deps,
          caller,
          request.params.connectionId,
          customer,
          request.body.values,
        );
      },
    );

    app.post(
      '/marketplace/connections/:connectionId/authorize',
      {
        config: p.connectionWrite,
        schema: {
          tags: selfServiceTags,
          summary: 'Authorize (or re-authorize) the customer’s credentials with OAuth 2.0',
          description:
            'Answers the provider URL to open; returnTo as for the config wizard (Weft’s origin or an allowed one; without it, a page that tells the opening window).',
          params: SelfServiceParams,
          querystring: MarketplaceCustomerQuery,
          body: SelfServiceAuthorizeBody,
          response: { 200: refTo(WizardAuthorization), ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const customer = await customerFor(db, caller, request.query.customer, true);
        return authorizeSelfService(
          deps,
          caller,
          request.params.connectionId,
          customer,
          await authorizationUrlsOf(request, request.body?.returnTo, { ...options, db }),
        );
      },
    );

    app.delete(
      '/marketplace/connections/:connectionId',
      {
        config: p.connectionWrite,
        schema: {
          tags: selfServiceTags,
          summary: 'Delete the customer’s credentials of a customer-activated connection',
          description:
            'Instances of the customer that use it fail their connection steps until credentials are set again.',
          params: SelfServiceParams,
          querystring: MarketplaceCustomerQuery,
          response: { 204: NoContent, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const customer = await customerFor(db, caller, request.query.customer, true);
        await deleteSelfServiceCredentials(deps, caller, request.params.connectionId, customer);
        return reply.status(204).send();
      },
    );

    app.get(
      '/marketplace/:integrationId',
      {
        config: p.browse,
        schema: {
          tags,
          summary: 'One integration of the marketplace',
          description:
            'As the list shows it. Customer users reach listed integrations (and those they have an instance of) only: 404 MARKETPLACE_INTEGRATION_NOT_FOUND otherwise.',
          params: MarketplaceIntegrationParams,
          querystring: MarketplaceCustomerQuery,
          response: { 200: refTo(MarketplaceIntegration), ...errorResponses(404) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const customer = await customerFor(db, caller, request.query.customer, false);
        return getMarketplaceIntegration(db, caller, request.params.integrationId, customer);
      },
    );

    app.get(
      '/marketplace/:integrationId/icon',
      {
        config: p.browse,
        schema: {
          tags,
          summary: "A marketplace integration's icon",
          params: MarketplaceIntegrationParams,
          response: { 200: fileAnswers.icon, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const customer = await customerFor(db, caller, undefined, false);
        const { contentType, icon } = await marketplaceIcon(
          db,
          caller,
          request.params.integrationId,
          customer,
        );
        return (
          reply
            .header('content-type', contentType)
            .header('x-content-type-options', 'nosniff')
            .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
            .header('cache-control', 'private, no-cache')
            // The schema documents binary content; the bytes are sent as they are.
            .send(icon as unknown as string)
        );
      },
    );

    app.post(
      '/marketplace/:integrationId/activate',
      {
        config: p.activate,
        schema: {
          tags,
          summary: "Activate an integration: create the customer's instance of the version offered",
          description:
            "Creates the instance with the version's defaults; configure it with its config wizard, then deploy it. Refused when the integration is not listed (404 MARKETPLACE_INTEGRATION_NOT_FOUND for customer users, 422 MARKETPLACE_NOT_LISTED for the organization), offers no version (422 MARKETPLACE_NO_AVAILABLE_VERSION), is not customer-deployable and a customer user activates it (403 MARKETPLACE_NOT_CUSTOMER_DEPLOYABLE; the organization may activate it for them), or when the customer has an instance of it and it allows one (409 MARKETPLACE_INSTANCE_EXISTS, details.instanceId). Organization callers name the customer.",
          params: MarketplaceIntegrationParams,
          body: ActivateBody,
          response: { 201: refTo(Activation), ...errorResponses(404, 409, 422) },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const body = request.body ?? {};
        const customer = await customerFor(db, caller, body.customer, true);
        const activation = await activateIntegration(
          db,
          caller,
          request.params.integrationId,
          customer,
          body.name,
        );
        return reply.status(201).send(activation);
      },
    );

    await app.register(
      wizardRoutes({ ...deps, publicUrl: options.publicUrl, allowedOrigins: options.allowedOrigins }),
    );
  };
}
