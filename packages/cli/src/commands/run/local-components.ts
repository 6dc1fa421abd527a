import { createHash } from 'node:crypto';
import path from 'node:path';
import type { CatalogComponent } from '@weft/definition';
import type { Component } from '@weft/sdk';
import { CliError } from '../../cli-error.js';
import { bundleAt } from '../components/bundle.js';

/** Custom components for one run: what validation needs (manifests) and what the engine calls (sandboxed). */
interface LocalComponents {
  manifests: CatalogComponent[];
  byKey: Map<string, Component>;
  close(): Promise<void>;
}

/**
 * Loads each `--component` path as the server loads a published version: the bundle's manifest is read in a
 * sandbox, and its actions, triggers and data sources run in sandbox processes (`@weft/server`'s own). A key that
 * is a built-in component's, or given twice, is refused.
 */
export async function localComponents(paths: string[]): Promise<LocalComponents> {
  const [server, { builtinComponent }, { pino }] = await Promise.all([
    import('@weft/server'),
    import('@weft/components'),
    import('pino'),
  ]);
  const sandboxes = new server.ComponentSandboxes(pino({ level: 'silent' }), server.defaultSandboxLimits);
  const manifests: CatalogComponent[] = [];
  const byKey = new Map<string, Component>();
  const from = new Map<string, string>();
  try {
    for (const userPath of paths) {
      const bundle = await bundleAt(userPath, {
        option: '--component',
        done: 'run',
        what: 'a component to run',
      });
      let manifest: CatalogComponent;
      try {
        manifest = (await server.extractComponentBundle(bundle)).component;
      } catch (error) {
        throw new CliError(
          `'${userPath}' is not a component Weft can load: ${(error as Error).message}`,
          1,
          server.isWeftError(error) ? error.code : undefined,
        );
      }
      const { key } = manifest;
      if (builtinComponent(key)) {
        throw new CliError(
          `'${userPath}' is the component '${key}', a built-in component's key; give your component another key.`,
          1,
          'COMPONENT_KEY_RESERVED',
        );
      }
      const earlier = from.get(key);
      if (earlier !== undefined) {
        throw new CliError(
          `'${userPath}' and '${earlier}' are both the component '${key}': give it once.`,
          2,
        );
      }
      from.set(key, userPath);
      manifests.push(manifest);
      byKey.set(
        key,
        server.sandboxedComponent(
          manifest,
          {
            sha256: createHash('sha256').update(bundle).digest('hex'),
            label: `component '${key}' (${path.basename(path.resolve(userPath))})`,
            load: async () => bundle,
          },
          sandboxes,
        ),
      );
    }
  } catch (error) {
    await sandboxes.close();
    throw error;
  }
  return { manifests, byKey, close: () => sandboxes.close() };
}
