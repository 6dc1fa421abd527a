/**
 * What validation knows about the built-ins: the manifest of each built-in component (actions and triggers with
 * their inputs), derived from the implementations the engine runs, so that what a definition is checked against
 * is what will run.
 *
 * The transcription of Prismatic's documentation (keys, input names, defaults) that the implementations are tested
 * against is a test fixture, `test/fixtures/catalog/*`, not part of the build.
 */
import type { CatalogComponent } from '@weft/definition';
import { componentManifest } from '@weft/sdk';
import { builtinComponents } from './builtin-components.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Every built-in component, all public. Frozen: it is shared by every catalog built from it. */
export const builtinCatalog: CatalogComponent[] = deepFreeze(
  builtinComponents.map((component) => ({ ...componentManifest(component), isPublic: true })),
);
