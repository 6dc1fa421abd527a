// Issue 15: inside the server, one folder per domain, and folders import only the layers below them. A file that
// reaches up (a store importing a route, the database importing the worker) fails here, before cycles come back.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const src = new URL('../src/', import.meta.url).pathname;

/**
 * The server's layers, lowest first. A folder (or a top-level file) may import its own layer and the layers
 * before it, never one after. Read top to bottom, this is also the path of a request: HTTP plumbing, then the
 * domains (each a Fastify plugin of routes, schemas, store, operations), then the executions queue, the worker
 * that runs the engine, and the ingress that hands webhooks to both; `http-app.ts` and `weft-server.ts` put it
 * all together.
 */
const layers: string[][] = [
  ['errors.ts', 'version.ts', 'logger.ts'],
  ['database', 'secrets'],
  ['config.ts'],
  ['monitoring', 'notifications'],
  ['http'],
  ['auth', 'customers', 'users', 'customer-users', 'audit', 'embedding'],
  ['components'],
  ['integrations'],
  ['connections'],
  ['executions'],
  ['logs', 'scheduler'],
  ['instances'],
  ['marketplace'],
  ['alerts', 'event-webhooks', 'log-streams'],
  ['worker'],
  ['ingress'],
  ['monitoring-runtime.ts'],
  ['http-app.ts'],
  ['weft-server.ts'],
  ['index.ts'],
];

const layerOf = new Map(layers.flatMap((names, index) => names.map((name) => [name, index] as const)));

/** The folder (or top-level file) a path under src/ belongs to. */
function unitOf(file: string): string {
  return path.relative(src, file).split(path.sep)[0] ?? '';
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) =>
    path.resolve(path.dirname(file), (match[1] as string).replace(/\.js$/, '.ts')),
  );
}

describe('server folder layering', () => {
  const files = sourceFiles(src);

  it('every folder and top-level file has a layer', () => {
    const units = [...new Set(files.map(unitOf))].sort();
    expect(units.filter((unit) => !layerOf.has(unit))).toEqual([]);
  });

  it('no folder imports a layer above its own', () => {
    const offending: string[] = [];
    for (const file of files) {
      const from = unitOf(file);
      for (const target of relativeImports(file)) {
        const to = unitOf(target);
        if (to === from) continue;
        if ((layerOf.get(to) ?? Number.POSITIVE_INFINITY) > (layerOf.get(from) ?? -1))
          offending.push(`${path.relative(src, file)} → ${path.relative(src, target)}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('each domain folder has its routes, schemas and store side by side', () => {
    const missing: string[] = [];
    const domains: Record<string, string> = {
      auth: 'token',
      customers: 'customer',
      components: 'component',
      integrations: 'integration',
      connections: 'connection',
      executions: 'execution',
      logs: 'log',
      instances: 'instance',
      users: 'user',
      'customer-users': 'customer-user',
      audit: 'audit',
      marketplace: 'marketplace',
      embedding: 'embedding',
    };
    for (const [folder, entity] of Object.entries(domains)) {
      for (const part of ['routes', 'schemas', 'store']) {
        const file = path.join(src, folder, `${entity}-${part}.ts`);
        if (!fs.existsSync(file)) missing.push(path.relative(src, file));
      }
    }
    expect(missing).toEqual([]);
  });
});
