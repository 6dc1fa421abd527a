import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { callerOf, orgCallerOf } from '../auth/caller.js';
import type { Database } from '../database/schema.js';
import { errorResponses, refTo } from '../http/common-schemas.js';
import {
  EmbeddedContext,
  EmbeddingSettings,
  EmbeddingSettingsUpdate,
  embeddingSchemas,
} from './embedding-schemas.js';
import { embeddedIdentity, getEmbeddingSettings, updateEmbeddingSettings } from './embedding-store.js';

export interface EmbeddingRouteOptions {
  /** The server's WEFT_ALLOWED_ORIGINS: allowed for every organization. */
  allowedOrigins: string[];
}

/**
 * `/api/organization/embedding`: which origins of the organization's app may embed Weft's pages, and their theme;
 * `/api/embedded/context`: what an embedded page reads once signed in.
 */
export function embeddingRoutes(db: Kysely<Database>, options: EmbeddingRouteOptions) {
  return async function embeddingRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    for (const schema of embeddingSchemas) fastify.addSchema(schema);
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    const tags = ['organization'];

    app.get(
      '/organization/embedding',
      {
        config: { permission: 'organization:read' },
        schema: {
          tags,
          summary: 'Get your embedding settings',
          description:
            "The origins of your app that may show Weft's embedded pages in an iframe (the pages' `Content-Security-Policy: frame-ancestors`, and the only parents they talk to), and the theme the pages start from.",
          response: { 200: refTo(EmbeddingSettings), ...errorResponses() },
        },
      },
      async (request) => {
        const { organizationName: _, ...settings } = await getEmbeddingSettings(
          db,
          orgCallerOf(request).orgId,
          options.allowedOrigins,
        );
        return settings;
      },
    );

    app.put(
      '/organization/embedding',
      {
        config: { permission: 'organization:write' },
        schema: {
          tags,
          summary: 'Change your embedding settings',
          description:
            'Each field given replaces the stored one: `allowedOrigins` (scheme://host[:port], at most 50) and `theme` (colours, font family, radius, light or dark).',
          body: EmbeddingSettingsUpdate,
          response: { 200: refTo(EmbeddingSettings), ...errorResponses() },
        },
      },
      async (request) =>
        updateEmbeddingSettings(db, orgCallerOf(request).orgId, request.body, options.allowedOrigins),
    );

    app.get(
      '/embedded/context',
      {
        // Every customer role holds marketplace:read, and so does every organization role.
        config: { permission: 'marketplace:read', customerScope: { handlerNarrows: true } },
        schema: {
          tags: ['marketplace'],
          summary: 'What an embedded page needs once signed in',
          description:
            'Who is signed in (a customer user and their customer, or an organization caller), the theme, and the origins that may embed the pages: an embedded page talks only to a parent on this list or on its own origin.',
          response: { 200: refTo(EmbeddedContext), ...errorResponses() },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const [settings, identity] = await Promise.all([
          getEmbeddingSettings(db, caller.orgId, options.allowedOrigins),
          embeddedIdentity(db, caller),
        ]);
        return {
          organization: { id: caller.orgId, name: settings.organizationName },
          ...identity,
          allowedOrigins: settings.effectiveAllowedOrigins,
          theme: settings.theme,
        };
      },
    );
  };
}
