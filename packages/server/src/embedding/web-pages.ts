import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { allEmbeddingOrigins } from './embedding-store.js';

/**
 * Weft's web pages, built by `@weft/web` (Vite) and `@weft/embed` (esbuild), served by the same process as the API:
 * - the console (`/`, `/sign-in`, `/integrations/...`: every path under {@link consoleSections}): the organization's
 *   team signs in there (session cookie). One HTML document; the app routes inside it. It may not be framed.
 * - `/embedded/*`: the pages `@weft/embed` shows in an iframe (marketplace, config wizard, connections, dashboard,
 *   logs). One HTML document; the app routes inside it. Its `frame-ancestors` lists every organization's embedding
 *   origins (the page cannot know the organization before sign-in; once signed in it talks only to its own
 *   organization's, see `/api/embedded/context`).
 * - `/assets/*`: the pages' scripts and styles, content-hashed, cached for a year.
 * - `/sdk/weft-embed.min.js` (script tag) and `/sdk/weft-embed.esm.min.js`: the SDK, for hosts that load it from Weft.
 */
export interface WebPagesOptions {
  /** The server's WEFT_ALLOWED_ORIGINS: may frame the pages for every organization. */
  allowedOrigins: string[];
  /** Where `@weft/web`'s build is; found through the package by default. */
  webDist?: string;
  /** Where `@weft/embed`'s build is; found through the package by default. */
  embedDist?: string;
}

const require = createRequire(import.meta.url);

function packageDist(name: string): string | undefined {
  try {
    return path.join(path.dirname(require.resolve(`${name}/package.json`)), 'dist');
  } catch {
    return undefined;
  }
}

const notBuilt = (what: string) =>
  `<!doctype html><meta charset="utf-8"><title>Weft</title><p>${what} is not built in this installation. Run <code>npm run build</code> in Weft's folder, then reload.</p>`;

/** The embedded pages' Content-Security-Policy; `'unsafe-inline'` styles only (React's style attributes). */
export function embeddedPagePolicy(frameAncestors: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${["'self'", ...frameAncestors].join(' ')}`,
  ].join('; ');
}

/**
 * The console's first path segments (its screens; `packages/web/src/console/console-routes.tsx` routes inside).
 * Listed rather than caught by a fallback, so a mistyped API path still answers a JSON 404.
 */
export const consoleSections = [
  'sign-in',
  'setup',
  'invitations',
  'integrations',
  'customers',
  'instances',
  'executions',
  'logs',
  'monitors',
  'connections',
  'components',
  'settings',
] as const;

/** The console's Content-Security-Policy: like the embedded pages', and never framed (clickjacking). */
export function consolePagePolicy(): string {
  return embeddedPagePolicy([]).replace(/frame-ancestors [^;]*/, "frame-ancestors 'none'");
}

export function webPages(db: Kysely<Database>, options: WebPagesOptions) {
  const webDist = options.webDist ?? packageDist('@weft/web');
  const embedDist = options.embedDist ?? packageDist('@weft/embed');
  const cached = new Map<string, { mtimeMs: number; html: string }>();

  // Read again only when the file changed (a `npm run build` while Weft runs gives new asset names).
  async function readPage(name: 'embedded.html' | 'console.html'): Promise<string | undefined> {
    if (!webDist) return undefined;
    const file = path.join(webDist, name);
    try {
      const { mtimeMs } = await stat(file);
      let page = cached.get(name);
      if (page?.mtimeMs !== mtimeMs) {
        page = { mtimeMs, html: await readFile(file, 'utf8') };
        cached.set(name, page);
      }
      return page.html;
    } catch {
      return undefined;
    }
  }

  return async function webPagesPlugin(app: FastifyInstance): Promise<void> {
    const sendConsolePage = async (reply: FastifyReply) => {
      const html = await readPage('console.html');
      if (html === undefined) {
        return reply.status(503).type('text/html; charset=utf-8').send(notBuilt('The console'));
      }
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', consolePagePolicy())
        .header('x-frame-options', 'DENY')
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'strict-origin')
        .send(html);
    };
    app.get('/', { schema: { hide: true } }, (_request, reply) => sendConsolePage(reply));
    for (const section of consoleSections) {
      app.get(`/${section}`, { schema: { hide: true } }, (_request, reply) => sendConsolePage(reply));
      app.get(`/${section}/*`, { schema: { hide: true } }, (_request, reply) => sendConsolePage(reply));
    }

    const sendEmbeddedPage = async (reply: FastifyReply) => {
      const html = await readPage('embedded.html');
      if (html === undefined) {
        return reply.status(503).type('text/html; charset=utf-8').send(notBuilt('The embedded marketplace'));
      }
      const origins = [...new Set([...options.allowedOrigins, ...(await allEmbeddingOrigins(db))])];
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', embeddedPagePolicy(origins))
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .header('referrer-policy', 'strict-origin')
        .send(html);
    };
    app.get('/embedded', { schema: { hide: true } }, (_request, reply) => sendEmbeddedPage(reply));
    app.get('/embedded/*', { schema: { hide: true } }, (_request, reply) => sendEmbeddedPage(reply));

    const assets = webDist ? path.join(webDist, 'assets') : undefined;
    if (assets && existsSync(assets)) {
      await app.register(fastifyStatic, {
        root: assets,
        prefix: '/assets/',
        decorateReply: false,
        index: false,
        immutable: true,
        maxAge: '365d',
      });
    }

    const sdkFiles = ['weft-embed.min.js', 'weft-embed.esm.min.js'];
    for (const file of sdkFiles) {
      app.get(`/sdk/${file}`, { schema: { hide: true } }, async (_request, reply) => {
        const source = embedDist
          ? await readFile(path.join(embedDist, file), 'utf8').catch(() => undefined)
          : undefined;
        if (source === undefined) {
          return reply
            .status(503)
            .type('text/plain; charset=utf-8')
            .send('The embed SDK is not built: run npm run build.');
        }
        return reply
          .type('text/javascript; charset=utf-8')
          .header('access-control-allow-origin', '*')
          .header('cache-control', 'public, max-age=300')
          .header('x-content-type-options', 'nosniff')
          .send(source);
      });
    }
  };
}
