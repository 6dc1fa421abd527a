import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf } from '../auth/authenticate.js';
import { callbackPath, returnToFor } from '../connections/oauth-authorization.js';
import type { Database } from '../database/schema.js';
import { getEmbeddingSettings } from '../embedding/embedding-store.js';
import { errorResponses, refTo } from '../http/common-schemas.js';
import { baseUrlOf } from '../http/public-url.js';
import { DataSourceAnswer } from '../instances/instance-schemas.js';
import {
  authorizeWizardConnection,
  getConfigWizard,
  runWizardDataSource,
  savePage,
  validatePage,
  type WizardDeps,
} from './config-wizard.js';
import {
  ConfigWizard,
  marketplacePermissions,
  PageValidation,
  PageValues,
  WizardAuthorization,
  WizardAuthorizeBody,
  WizardDataSourceBody,
  WizardPageParams,
  WizardParams,
  WizardVariableParams,
} from './marketplace-schemas.js';
import type { AuthorizationUrls } from './wizard-connections.js';

export interface WizardRouteOptions extends WizardDeps {
  publicUrl: string | undefined;
  allowedOrigins: string[];
}

/**
 * Where an OAuth 2.0 authorization a request starts goes: Weft's callback, then `returnTo` (Weft's origin, the
 * server's allowed origins, or the caller's organization's embedding origins: the app that embeds the wizard) or,
 * without one, the landing page that tells the window that opened it.
 */
export async function authorizationUrlsOf(
  request: FastifyRequest,
  returnTo: string | undefined,
  options: { db: Kysely<Database>; publicUrl: string | undefined; allowedOrigins: string[] },
): Promise<AuthorizationUrls> {
  const baseUrl = baseUrlOf(request, options.publicUrl);
  const allowedOrigins =
    returnTo === undefined
      ? options.allowedOrigins
      : (await getEmbeddingSettings(options.db, callerOf(request).orgId, options.allowedOrigins))
          .effectiveAllowedOrigins;
  return {
    callbackUrl: `${baseUrl}${callbackPath}`,
    returnTo: returnToFor(returnTo, { baseUrl, allowedOrigins }),
  };
}

/**
 * `/api/instances/{id}/config-wizard`: the config wizard of an instance for the console and the embedded
 * marketplace. Customer users reach their own customer's instances only (the authentication hook answers 404 for
 * the others). Deploy, pause, unpause, delete and test runs are the instance routes'.
 */
export function wizardRoutes(options: WizardRouteOptions) {
  return async function wizardRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['config wizard'];
    const { wizardRead, wizardConfigure } = marketplacePermissions;

    app.get(
      '/instances/:id/config-wizard',
      {
        config: wizardRead,
        schema: {
          tags,
          summary: "An instance's config wizard: pages, elements, values and status",
          description:
            "The configured version's config pages in order (variables placed on no page come last, on a page of their own), each with its elements (config variables as this caller may see them, HTML), its status and what keeps it incomplete; the values (secrets answered only as {configured: true}); whether the whole is complete and can be deployed. Customer users never see organization-only variables.",
          params: WizardParams,
          response: { 200: refTo(ConfigWizard), ...errorResponses(404) },
        },
      },
      async (request) => getConfigWizard(options, callerOf(request), request.params.id),
    );

    app.put(
      '/instances/:id/config-wizard/pages/:page',
      {
        config: wizardConfigure,
        schema: {
          tags,
          summary: 'Save one page of the config wizard',
          description:
            "Values of the page's variables by name (partial saves are fine: the others keep theirs; null clears one; a connection takes its inputs, merged into the stored ones). Nothing is saved when one is wrong, on another page, or not the caller's to set: 422 CONFIG_WIZARD_VALUES_INVALID, every problem in details.problems by variable. Answers the whole wizard again.",
          params: WizardPageParams,
          body: PageValues,
          response: { 200: refTo(ConfigWizard), ...errorResponses(404, 422) },
        },
      },
      async (request) =>
        savePage(options, callerOf(request), request.params.id, request.params.page, request.body.values),
    );

    app.post(
      '/instances/:id/config-wizard/pages/:page/validate',
      {
        config: wizardConfigure,
        schema: {
          tags,
          summary: 'Check one page of the config wizard without saving it',
          description:
            'The same checks as a save; answers whether the values could be saved, their problems, and which variables of the page would still have no value.',
          params: WizardPageParams,
          body: PageValues,
          response: { 200: refTo(PageValidation), ...errorResponses(404) },
        },
      },
      async (request) =>
        validatePage(options, callerOf(request), request.params.id, request.params.page, request.body.values),
    );

    app.post(
      '/instances/:id/config-wizard/data-sources/:configVar',
      {
        config: wizardConfigure,
        schema: {
          tags,
          summary: "Run a variable's data source for the wizard",
          description:
            "Runs it with the instance's saved values and connections, with the unsaved values the wizard sends laid over them (a picklist on a later page may depend on an earlier page's choice). Secrets are masked. 422 DATA_SOURCE_FAILED says why it failed; DATA_SOURCE_NOT_AVAILABLE when the variable has none.",
          params: WizardVariableParams,
          body: WizardDataSourceBody,
          response: { 200: DataSourceAnswer, ...errorResponses(404, 422) },
        },
      },
      async (request) =>
        runWizardDataSource(
          options,
          callerOf(request),
          request.params.id,
          request.params.configVar,
          request.body?.values,
        ),
    );

    app.post(
      '/instances/:id/config-wizard/connections/:configVar/authorize',
      {
        config: wizardConfigure,
        schema: {
          tags,
          summary: 'Start the OAuth 2.0 authorization of a connection variable from the wizard',
          description:
            "Answers the provider URL to open (in a popup, or by redirecting). The provider returns to /oauth2/callback, which sends the browser to returnTo (with connectionId and status) — an http(s) URL on Weft's public origin or an allowed one — or, without returnTo, to a page that posts {type: 'weft:connection-authorization', connectionId, status} to the window that opened it. The wizard then shows the connection's status. For a customer-activated connection, the customer's own credentials are authorized.",
          params: WizardVariableParams,
          body: WizardAuthorizeBody,
          response: { 200: refTo(WizardAuthorization), ...errorResponses(404, 422) },
        },
      },
      async (request) =>
        authorizeWizardConnection(
          options,
          callerOf(request),
          request.params.id,
          request.params.configVar,
          await authorizationUrlsOf(request, request.body?.returnTo, options),
        ),
    );
  };
}
