/**
 * What validation knows about the built-ins: the manifest of each built-in component (actions and triggers with
 * their inputs), derived from the implementations the engine runs, so that what a definition is checked against
 * is what will run.
 *
 * `src/catalog/*` is the transcription of Prismatic's documentation (keys, input names, defaults) that the
 * implementations are tested against; a component not implemented yet is described by its transcription alone.
 */
import type { CatalogComponent } from '@weft/definition';
import { componentManifest } from '@weft/sdk';
import { builtinComponents } from './builtin-components.js';
import { changeDataFormat } from './catalog/change-data-format.js';
import { csv } from './catalog/csv.js';
import { http } from './catalog/http.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const implemented = builtinComponents.map((component) => ({
  ...componentManifest(component),
  isPublic: true,
}));
const transcribedOnly = [http, changeDataFormat, csv].filter(
  (manifest) => !implemented.some((component) => component.key === manifest.key),
);

/** Every built-in component, all public. Frozen: it is shared by every catalog built from it. */
export const builtinCatalog: CatalogComponent[] = deepFreeze([...implemented, ...transcribedOnly]);
