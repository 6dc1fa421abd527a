import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Egress } from '@weft/egress';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { callerOf } from '../auth/authenticate.js';
import type { Caller } from '../auth/caller.js';
import type { CustomerRef } from '../customers/customer-store.js';
import { isUuid } from '../database/ids.js';
import type { Database } from '../database/schema.js';
import { WeftError } from '../errors.js';
import { errorResponses, NoContent, refTo } from '../http/common-schemas.js';
import { describeEncryptionKeys, rotateEncryptionKeys } from '../secrets/key-rotation.js';
import type { Keyring } from '../secrets/keyring.js';
import { definitionOf } from './connection-definitions.js';
import {
  createScoped,
  deleteCustomerCredentials,
  deleteScoped,
  findScoped,
  instanceConnection,
  listCustomerCredentials,
  listInstanceConnections,
  listScoped,
  scopedCredentialsRow,
  scopedView,
  setCustomerCredentials,
  updateScoped,
} from './connection-operations.js';
import { connectionTypes, connectionUsage, customerConnections } from './connection-overview.js';
import {
  AuthorizeBody,
  CallbackPage,
  Connection,
  ConnectionAuthorization,
  ConnectionCreateBody,
  ConnectionCustomerParams,
  ConnectionIdParams,
  ConnectionList,
  ConnectionTestBody,
  ConnectionTestResult,
  ConnectionTypeList,
  ConnectionUpdateBody,
  ConnectionUsage,
  CustomerConnection,
  CustomerConnectionList,
  CustomerConnectionStateList,
  CustomerCredentialsBody,
  CustomerRefParams,
  connectionSchemas,
  type EncryptionKey,
  EncryptionKeys,
  InstanceConnectionList,
  InstanceConnectionParams,
  InstanceIdParams,
  KeyRotation,
} from './connection-schemas.js';
import { testConnection } from './connection-test.js';
import {
  callbackPath,
  completeAuthorization,
  returnToFor,
  returnUrlFor,
  startAuthorization,
} from './oauth-authorization.js';

/**
 * `/api/connections`: integration-agnostic connections and their per-customer credentials; `/api/instances/{id}/
 * connections`: an instance's connection config variables; `/api/encryption-keys`: the data keys and their
 * rotation; `/oauth2/callback`: where OAuth 2.0 providers send the browser back. Secrets never leave: every answer
 * is serialized from its schema (connection-schemas.ts), input values of type password are masked, tokens are
 * shown only as facts (present, expiry, scope).
 */
export interface ConnectionRouteOptions {
  keyring: Keyring;
  log: Logger;
  publicUrl: string | undefined;
  /** Connection tests and token requests go out under it (the server's egress policy). */
  egress?: Egress;
  /** Origins besides Weft's own an authorization may return the browser to (WEFT_ALLOWED_ORIGINS). */
  allowedOrigins?: string[];
}

/** Customer references in paths: an id, or `external:<externalId>`. */
function customerRef(text: string): CustomerRef {
  return text.startsWith('external:')
    ? { externalId: text.slice('external:'.length) }
    : isUuid(text)
      ? { id: text }
      : { externalId: text };
}

function baseUrl(request: FastifyRequest, publicUrl: string | undefined): string {
  return publicUrl ?? `${request.protocol}://${request.headers.host ?? request.hostname}`;
}

export function connectionRoutes(db: Kysely<Database>, options: ConnectionRouteOptions) {
  const { keyring, log } = options;
  const tokenDeps = { db, keyring, log, ...(options.egress ? { egress: options.egress } : {}) };
  /** A returnTo on Weft's origin or an allowed one (an authorize link is never an open redirect); none: none. */
  const returnToOf = (request: FastifyRequest, given: string | undefined): { returnTo?: string } =>
    given === undefined
      ? {}
      : {
          returnTo: returnToFor(given, {
            baseUrl: baseUrl(request, options.publicUrl),
            allowedOrigins: options.allowedOrigins ?? [],
          }),
        };
  /** An instance's connection variable; one the organization keeps to itself (orgOnly) does not exist for customers. */
  const instanceConnectionFor = async (caller: Caller, instanceId: string, configVar: string) => {
    const found = await instanceConnection(db, caller.orgId, instanceId, configVar);
    if (caller.kind === 'customer' && found.configVar.orgOnly) {
      throw new WeftError(
        'CONNECTION_NOT_FOUND',
        `The instance has no connection config variable '${configVar}'.`,
      );
    }
    return found;
  };
  return async function connectionRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    for (const schema of connectionSchemas) fastify.addSchema(schema);
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['connections'];
    const read = { permission: 'connections:read' } as const;
    const write = { permission: 'connections:write' } as const;
    const errors = errorResponses(404, 409, 422);

    app.post(
      '/connections',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an integration-agnostic connection',
          body: ConnectionCreateBody,
          response: { 201: refTo(Connection), ...errors },
        },
      },
      async (request, reply) =>
        reply.status(201).send(await createScoped(db, keyring, callerOf(request).orgId, request.body)),
    );

    app.get(
      '/connections',
      {
        config: read,
        schema: {
          tags,
          summary: 'List integration-agnostic connections',
          response: { 200: ConnectionList, ...errors },
        },
      },
      async (request) => ({ items: await listScoped(db, keyring, callerOf(request).orgId) }),
    );

    // Its own path, not under /connections/: a stable key may be any word.
    app.get(
      '/connection-types',
      {
        config: read,
        schema: {
          tags,
          summary: 'The connection types an organization connection can be created with',
          description:
            "Each component connection with its inputs (secret ones write-only); for the console's forms.",
          response: { 200: ConnectionTypeList, ...errors },
        },
      },
      async () => ({ items: connectionTypes() }),
    );

    app.get(
      '/connections/:id/usage',
      {
        config: read,
        schema: {
          tags,
          summary:
            'Where a connection is used: the integrations that name its stable key, and their instances',
          params: ConnectionIdParams,
          response: { 200: refTo(ConnectionUsage), ...errors },
        },
      },
      async (request) => connectionUsage(db, callerOf(request).orgId, request.params.id),
    );

    app.get(
      '/customers/:customer/connections',
      {
        config: read,
        schema: {
          tags,
          summary: "A customer's per-customer connections, with its credentials for each",
          description:
            'Every org-activated customer and customer-activated connection; credentials null where the customer has none yet.',
          params: CustomerRefParams,
          response: { 200: CustomerConnectionStateList, ...errors },
        },
      },
      async (request) => ({
        items: await customerConnections(
          db,
          keyring,
          callerOf(request).orgId,
          customerRef(request.params.customer),
        ),
      }),
    );

    app.get(
      '/connections/:id',
      {
        config: read,
        schema: {
          tags,
          summary: 'Get a connection by id or stable key',
          params: ConnectionIdParams,
          response: { 200: refTo(Connection), ...errors },
        },
      },
      async (request) =>
        scopedView(db, keyring, await findScoped(db, callerOf(request).orgId, request.params.id)),
    );

    app.patch(
      '/connections/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Rename, describe, or set the credentials of a global connection',
          params: ConnectionIdParams,
          body: ConnectionUpdateBody,
          response: { 200: refTo(Connection), ...errors },
        },
      },
      async (request) => updateScoped(db, keyring, callerOf(request).orgId, request.params.id, request.body),
    );

    app.delete(
      '/connections/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete a connection and every credential it holds',
          params: ConnectionIdParams,
          response: { 204: NoContent, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        await deleteScoped(db, callerOf(request).orgId, request.params.id);
        return reply.status(204).send();
      },
    );

    app.get(
      '/connections/:id/customers',
      {
        config: read,
        schema: {
          tags,
          summary: "List customers' credentials of a per-customer connection",
          params: ConnectionIdParams,
          response: { 200: CustomerConnectionList, ...errors },
        },
      },
      async (request) => ({
        items: await listCustomerCredentials(db, keyring, callerOf(request).orgId, request.params.id),
      }),
    );

    app.put(
      '/connections/:id/customers/:customer',
      {
        config: write,
        schema: {
          tags,
          summary: "Set a customer's credentials for a per-customer connection",
          params: ConnectionCustomerParams,
          body: CustomerCredentialsBody,
          response: { 200: refTo(CustomerConnection), ...errors },
        },
      },
      async (request) =>
        setCustomerCredentials(
          db,
          keyring,
          callerOf(request).orgId,
          request.params.id,
          customerRef(request.params.customer),
          request.body.values,
        ),
    );

    app.delete(
      '/connections/:id/customers/:customer',
      {
        config: write,
        schema: {
          tags,
          summary: "Delete a customer's credentials",
          params: ConnectionCustomerParams,
          response: { 204: NoContent, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        await deleteCustomerCredentials(
          db,
          callerOf(request).orgId,
          request.params.id,
          customerRef(request.params.customer),
        );
        return reply.status(204).send();
      },
    );

    app.post(
      '/connections/:id/test',
      {
        config: write,
        schema: {
          tags,
          summary: 'Test a connection: inputs, token, and optionally an authenticated GET',
          params: ConnectionIdParams,
          body: ConnectionTestBody,
          response: { 200: refTo(ConnectionTestResult), ...errors },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        const { scoped, row } = await scopedCredentialsRow(
          db,
          callerOf(request).orgId,
          request.params.id,
          body.customer ? customerRef(body.customer) : undefined,
        );
        return testConnection(tokenDeps, row, definitionOf(scoped), {
          label: `'${scoped.stable_key}'`,
          ...(body.url ? { url: body.url } : {}),
        });
      },
    );

    app.post(
      '/connections/:id/authorize',
      {
        config: write,
        schema: {
          tags,
          summary: 'Start the OAuth 2.0 authorization of a connection: answers the URL to open in a browser',
          params: ConnectionIdParams,
          body: AuthorizeBody,
          response: { 200: refTo(ConnectionAuthorization), ...errors },
        },
      },
      async (request) => {
        const body = request.body ?? {};
        const { row } = await scopedCredentialsRow(
          db,
          callerOf(request).orgId,
          request.params.id,
          body.customer ? customerRef(body.customer) : undefined,
        );
        return startAuthorization(tokenDeps, {
          orgId: callerOf(request).orgId,
          connectionId: row.id,
          redirectUri: `${baseUrl(request, options.publicUrl)}${callbackPath}`,
          ...returnToOf(request, body.returnTo),
        });
      },
    );

    app.get(
      '/instances/:id/connections',
      {
        config: { permission: 'instances:read', customerScope: { params: { id: 'instance' } } },
        schema: {
          tags,
          summary: "An instance's connection config variables and their state",
          params: InstanceIdParams,
          response: { 200: InstanceConnectionList, ...errors },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        return {
          items: await listInstanceConnections(db, keyring, caller.orgId, request.params.id, caller.kind),
        };
      },
    );

    app.post(
      '/instances/:id/connections/:configVar/authorize',
      {
        config: { permission: 'instances:configure', customerScope: { params: { id: 'instance' } } },
        schema: {
          tags,
          summary: "Start the OAuth 2.0 authorization of an instance's connection",
          params: InstanceConnectionParams,
          body: AuthorizeBody,
          response: { 200: refTo(ConnectionAuthorization), ...errors },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const orgId = caller.orgId;
        const { row } = await instanceConnectionFor(caller, request.params.id, request.params.configVar);
        return startAuthorization(tokenDeps, {
          orgId,
          connectionId: row.id,
          redirectUri: `${baseUrl(request, options.publicUrl)}${callbackPath}`,
          ...returnToOf(request, request.body?.returnTo),
        });
      },
    );

    app.post(
      '/instances/:id/connections/:configVar/test',
      {
        config: { permission: 'instances:configure', customerScope: { params: { id: 'instance' } } },
        schema: {
          tags,
          summary: "Test an instance's connection",
          params: InstanceConnectionParams,
          body: ConnectionTestBody,
          response: { 200: refTo(ConnectionTestResult), ...errors },
        },
      },
      async (request) => {
        const { row, configVar, manifest } = await instanceConnectionFor(
          callerOf(request),
          request.params.id,
          request.params.configVar,
        );
        const definition = definitionOf(row, manifest);
        return testConnection(tokenDeps, row, definition, {
          label: `'${configVar.key}'`,
          ...(request.body?.url ? { url: request.body.url } : {}),
        });
      },
    );

    app.get(
      '/encryption-keys',
      {
        config: { permission: 'encryption:read' },
        schema: {
          tags: ['encryption'],
          summary: 'The data encryption keys, and how many values each seals',
          response: { 200: refTo(EncryptionKeys), ...errors },
        },
      },
      async () => ({
        masterKeyId: keyring.masterKeyId,
        masterKeySource: keyring.masterKeys.source,
        items: (await describeEncryptionKeys(db)).map((key) => ({
          ...key,
          state: key.state as EncryptionKey['state'],
          createdAt: key.createdAt.toISOString(),
        })),
      }),
    );

    app.post(
      '/encryption-keys/rotate',
      {
        config: { permission: 'encryption:rotate' },
        schema: {
          tags: ['encryption'],
          summary:
            'Rotate: a new data key, everything re-encrypted under it, every key rewrapped under the current master key',
          response: { 200: refTo(KeyRotation), ...errors },
        },
      },
      async () => rotateEncryptionKeys(db, keyring, log),
    );
  };
}

/** `GET /oauth2/callback`: public (the state is the credential), answers a page a person reads, or redirects. */
export function oauthCallbackRoute(db: Kysely<Database>, options: ConnectionRouteOptions) {
  const deps = {
    db,
    keyring: options.keyring,
    log: options.log,
    ...(options.egress ? { egress: options.egress } : {}),
  };
  return async function oauthCallbackPlugin(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: Record<string, string> }>(
      callbackPath,
      {
        schema: {
          hide: true,
          response: { 200: { content: { 'text/html': { schema: CallbackPage } } } },
        },
      },
      async (request, reply) => {
        let completed: Awaited<ReturnType<typeof completeAuthorization>>;
        try {
          completed = await completeAuthorization(deps, request.query);
        } catch (error) {
          // A refusal the provider or the token endpoint gave goes back to the page that started it (the wizard),
          // which shows it; without one, the error page says it.
          const returnTo =
            (error instanceof WeftError && (error.details as { returnTo?: unknown })?.returnTo) || undefined;
          if (typeof returnTo !== 'string') throw error;
          const message = error instanceof WeftError ? error.message : 'The authorization failed.';
          return reply.redirect(
            returnUrlFor(returnTo, { connectionId: null, status: 'error', message }),
            302,
          );
        }
        const { connectionId, returnTo } = completed;
        if (returnTo) {
          return reply.redirect(
            returnUrlFor(returnTo, { connectionId, status: 'connected', message: null }),
            302,
          );
        }
        return reply
          .type('text/html; charset=utf-8')
          .send(
            '<!doctype html><title>Connected</title><p>The connection is authorized. You can close this window.</p>',
          );
      },
    );
  };
}
