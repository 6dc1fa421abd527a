import { type Static, Type } from '@sinclair/typebox';
import type { CatalogComponent, Integration } from '@weft/definition';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { callerOf } from '../auth/authenticate.js';
import { connectionComponents } from '../components/component-store.js';
import type { CustomerRef } from '../customers/customer-store.js';
import type { Database } from '../database/schema.js';
import { instanceNotFound, WeftError } from '../errors.js';
import { errorResponses } from '../http/common-schemas.js';
import { isUuid } from '../integrations/integration-store.js';
import { describeEncryptionKeys, rotateEncryptionKeys } from '../secrets/key-rotation.js';
import type { Keyring } from '../secrets/keyring.js';
import { definitionOf, findConnectionDefinition } from './connection-definitions.js';
import { type ConnectionRow, connectionView } from './connection-store.js';
import { testConnection } from './connection-test.js';
import { callbackPath, completeAuthorization, startAuthorization } from './oauth-authorization.js';
import {
  createScoped,
  deleteCustomerCredentials,
  deleteScoped,
  findScoped,
  listCustomerCredentials,
  scopedCredentialsRow,
  scopedView,
  setCustomerCredentials,
  updateScoped,
} from './scoped-connections.js';

/**
 * `/api/connections`: integration-agnostic connections and their per-customer credentials; `/api/instances/{id}/
 * connections`: an instance's connection config variables; `/api/encryption-keys`: the data keys and their
 * rotation; `/oauth2/callback`: where OAuth 2.0 providers send the browser back. Secrets never leave: input
 * values of type password are masked, tokens are shown only as facts (present, expiry, scope).
 */
export interface ConnectionRouteOptions {
  keyring: Keyring;
  log: Logger;
  publicUrl: string | undefined;
}

const Values = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Boolean(), Type.Number(), Type.Null()]),
  {
    description: 'Input values by input key; null removes one. Inputs left out keep their stored value.',
  },
);
const Kind = Type.Union([
  Type.Literal('org_global'),
  Type.Literal('org_customer'),
  Type.Literal('customer_activated'),
]);
const ScopedCreateBody = Type.Object(
  {
    stableKey: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._-]+$' }),
    kind: Kind,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    component: Type.String({ minLength: 1 }),
    connection: Type.String({ minLength: 1 }),
    values: Type.Optional(Values),
  },
  { additionalProperties: false },
);
const ScopedUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    values: Type.Optional(Values),
  },
  { additionalProperties: false },
);
const CustomerParam = Type.Object({ id: Type.String(), customer: Type.String() });
const TestBody = Type.Object(
  {
    customer: Type.Optional(
      Type.String({ description: 'Per-customer connections: the customer id or external id' }),
    ),
    url: Type.Optional(
      Type.String({ format: 'uri', description: 'A URL an authenticated GET of must answer 2xx' }),
    ),
  },
  { additionalProperties: false },
);
const AuthorizeBody = Type.Object(
  {
    customer: Type.Optional(Type.String()),
    returnTo: Type.Optional(
      Type.String({ format: 'uri', description: 'Where the browser goes once authorized' }),
    ),
  },
  { additionalProperties: false },
);
const loose = { 200: Type.Any(), 201: Type.Any(), ...errorResponses(404, 409, 422) };

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
  const tokenDeps = { db, keyring, log };
  return async function connectionRoutesPlugin(app: FastifyInstance): Promise<void> {
    const tags = ['connections'];
    const read = { permission: 'connections:read' } as const;
    const write = { permission: 'connections:write' } as const;

    app.post<{ Body: Static<typeof ScopedCreateBody> }>(
      '/connections',
      {
        config: write,
        schema: {
          tags,
          summary: 'Create an integration-agnostic connection',
          body: ScopedCreateBody,
          response: loose,
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await createScoped(db, keyring, callerOf(request).orgId, request.body as never)),
    );

    app.get(
      '/connections',
      { config: read, schema: { tags, summary: 'List integration-agnostic connections', response: loose } },
      async (request) => {
        const rows = await db
          .selectFrom('scoped_connections')
          .selectAll()
          .where('org_id', '=', callerOf(request).orgId)
          .orderBy('stable_key')
          .execute();
        return { items: await Promise.all(rows.map((row) => scopedView(db, keyring, row))) };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/connections/:id',
      { config: read, schema: { tags, summary: 'Get a connection by id or stable key', response: loose } },
      async (request) =>
        scopedView(db, keyring, await findScoped(db, callerOf(request).orgId, request.params.id)),
    );

    app.patch<{ Params: { id: string }; Body: Static<typeof ScopedUpdateBody> }>(
      '/connections/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Rename, describe, or set the credentials of a global connection',
          body: ScopedUpdateBody,
          response: loose,
        },
      },
      async (request) =>
        updateScoped(db, keyring, callerOf(request).orgId, request.params.id, request.body as never),
    );

    app.delete<{ Params: { id: string } }>(
      '/connections/:id',
      {
        config: write,
        schema: {
          tags,
          summary: 'Delete a connection and every credential it holds',
          response: { 204: Type.Null(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        await deleteScoped(db, callerOf(request).orgId, request.params.id);
        return reply.status(204).send();
      },
    );

    app.get<{ Params: { id: string } }>(
      '/connections/:id/customers',
      {
        config: read,
        schema: {
          tags,
          summary: "List customers' credentials of a per-customer connection",
          response: loose,
        },
      },
      async (request) => ({
        items: await listCustomerCredentials(db, keyring, callerOf(request).orgId, request.params.id),
      }),
    );

    app.put<{ Params: Static<typeof CustomerParam>; Body: { values: Record<string, unknown> } }>(
      '/connections/:id/customers/:customer',
      {
        config: write,
        schema: {
          tags,
          summary: "Set a customer's credentials for a per-customer connection",
          params: CustomerParam,
          body: Type.Object({ values: Values }, { additionalProperties: false }),
          response: loose,
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

    app.delete<{ Params: Static<typeof CustomerParam> }>(
      '/connections/:id/customers/:customer',
      {
        config: write,
        schema: {
          tags,
          summary: "Delete a customer's credentials",
          params: CustomerParam,
          response: { 204: Type.Null(), ...errorResponses(404) },
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

    app.post<{ Params: { id: string }; Body: Static<typeof TestBody> }>(
      '/connections/:id/test',
      {
        config: write,
        schema: {
          tags,
          summary: 'Test a connection: inputs, token, and optionally an authenticated GET',
          body: TestBody,
          response: loose,
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

    app.post<{ Params: { id: string }; Body: Static<typeof AuthorizeBody> }>(
      '/connections/:id/authorize',
      {
        config: write,
        schema: {
          tags,
          summary: 'Start the OAuth 2.0 authorization of a connection: answers the URL to open in a browser',
          body: AuthorizeBody,
          response: loose,
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
          ...(body.returnTo ? { returnTo: body.returnTo } : {}),
        });
      },
    );

    // An instance's connection config variables, with what its version says about them.
    const instanceConnectionVars = async (orgId: string, instanceId: string) => {
      const instance = isUuid(instanceId)
        ? await db
            .selectFrom('instances as n')
            .innerJoin('integration_versions as v', 'v.id', 'n.integration_version_id')
            .select(['n.id', 'n.customer_id', 'v.definition', 'v.component_manifest'])
            .where('n.org_id', '=', orgId)
            .where('n.id', '=', instanceId)
            .executeTakeFirst()
        : undefined;
      if (!instance) throw instanceNotFound(instanceId);
      const vars = ((instance.definition as Integration).configVars ?? []).filter(
        (v) => v.dataType === 'connection',
      );
      const components = await connectionComponents(
        db,
        orgId,
        instance.definition as Integration,
        (instance.component_manifest ?? null) as CatalogComponent | null,
      );
      return { instance, vars, components };
    };
    const instanceConnection = async (orgId: string, instanceId: string, configVar: string) => {
      const { instance, vars, components } = await instanceConnectionVars(orgId, instanceId);
      const found = vars.find((v) => v.key === configVar || v.stableKey === configVar);
      if (!found) {
        throw new WeftError(
          'CONNECTION_NOT_FOUND',
          `The instance has no connection config variable '${configVar}' (it has: ${vars.map((v) => v.key).join(', ') || 'none'}).`,
        );
      }
      const row = await db
        .selectFrom('connections')
        .selectAll()
        .where('instance_id', '=', instance.id)
        .where('config_var_stable_key', '=', found.stableKey)
        .executeTakeFirst();
      if (!row) {
        throw new WeftError(
          'CONNECTION_NOT_FOUND',
          `Connection '${found.key}' has no inputs on this instance yet: set them with weft instances:configure.`,
        );
      }
      return { row, configVar: found, manifest: components };
    };

    app.get<{ Params: { id: string } }>(
      '/instances/:id/connections',
      {
        config: { permission: 'instances:read' },
        schema: {
          tags,
          summary: "An instance's connection config variables and their state",
          response: loose,
        },
      },
      async (request) => {
        const orgId = callerOf(request).orgId;
        const { instance, vars, components } = await instanceConnectionVars(orgId, request.params.id);
        const items: unknown[] = [];
        for (const configVar of vars) {
          let row: ConnectionRow | undefined;
          if (configVar.useScopedConfigVar) {
            const scoped = await db
              .selectFrom('scoped_connections')
              .selectAll()
              .where('org_id', '=', orgId)
              .where('stable_key', '=', configVar.useScopedConfigVar)
              .executeTakeFirst();
            row = scoped
              ? await db
                  .selectFrom('connections')
                  .selectAll()
                  .where('scoped_connection_id', '=', scoped.id)
                  .where((eb) =>
                    scoped.kind === 'org_global'
                      ? eb('customer_id', 'is', null)
                      : eb('customer_id', '=', instance.customer_id),
                  )
                  .executeTakeFirst()
              : undefined;
            items.push({
              configVar: configVar.key,
              stableKey: configVar.stableKey,
              source: scoped?.kind ?? 'missing',
              scopedConnection: configVar.useScopedConfigVar,
              connection: row && scoped ? await connectionView(keyring, row, definitionOf(scoped)) : null,
            });
            continue;
          }
          row = await db
            .selectFrom('connections')
            .selectAll()
            .where('instance_id', '=', instance.id)
            .where('config_var_stable_key', '=', configVar.stableKey)
            .executeTakeFirst();
          const definition = row
            ? findConnectionDefinition(row.component_key, row.connection_key, components)
            : undefined;
          items.push({
            configVar: configVar.key,
            stableKey: configVar.stableKey,
            source: 'instance',
            connection: row ? await connectionView(keyring, row, definition) : null,
          });
        }
        return { items };
      },
    );

    app.post<{ Params: { id: string; configVar: string }; Body: Static<typeof AuthorizeBody> }>(
      '/instances/:id/connections/:configVar/authorize',
      {
        config: { permission: 'instances:write' },
        schema: {
          tags,
          summary: "Start the OAuth 2.0 authorization of an instance's connection",
          body: AuthorizeBody,
          response: loose,
        },
      },
      async (request) => {
        const orgId = callerOf(request).orgId;
        const { row } = await instanceConnection(orgId, request.params.id, request.params.configVar);
        return startAuthorization(tokenDeps, {
          orgId,
          connectionId: row.id,
          redirectUri: `${baseUrl(request, options.publicUrl)}${callbackPath}`,
          ...(request.body?.returnTo ? { returnTo: request.body.returnTo } : {}),
        });
      },
    );

    app.post<{ Params: { id: string; configVar: string }; Body: Static<typeof TestBody> }>(
      '/instances/:id/connections/:configVar/test',
      {
        config: { permission: 'instances:write' },
        schema: { tags, summary: "Test an instance's connection", body: TestBody, response: loose },
      },
      async (request) => {
        const { row, configVar, manifest } = await instanceConnection(
          callerOf(request).orgId,
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
          response: loose,
        },
      },
      async () => ({
        masterKeyId: keyring.masterKeyId,
        masterKeySource: keyring.masterKeys.source,
        items: (await describeEncryptionKeys(db)).map((key) => ({
          ...key,
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
          response: loose,
        },
      },
      async () => rotateEncryptionKeys(db, keyring, log),
    );
  };
}

/** `GET /oauth2/callback`: public (the state is the credential), answers a page a person reads, or redirects. */
export function oauthCallbackRoute(db: Kysely<Database>, options: ConnectionRouteOptions) {
  const deps = { db, keyring: options.keyring, log: options.log };
  return async function oauthCallbackPlugin(app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: Record<string, string> }>(
      callbackPath,
      { schema: { hide: true } },
      async (request, reply) => {
        const { connectionId, returnTo } = await completeAuthorization(deps, request.query);
        if (returnTo) {
          const target = new URL(returnTo);
          target.searchParams.set('connectionId', connectionId);
          target.searchParams.set('status', 'connected');
          return reply.redirect(target.toString(), 302);
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
