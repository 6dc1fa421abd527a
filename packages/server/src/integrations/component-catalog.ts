import { builtinCatalog } from '@weft/components';
import { type CatalogComponent, type ComponentCatalog, createComponentCatalog } from '@weft/definition';

/**
 * Components beyond the built-in ones that a definition may use: a code-native integration's own generated
 * component, and the organization's custom components (`components/custom-component-store.ts`).
 */
export type ExtraComponents = CatalogComponent | CatalogComponent[] | null | undefined;

/**
 * The one place the server decides which components a definition may use: the built-in catalog of
 * `@weft/components`, plus the extra components given (custom components, a code-native integration's own).
 * A built-in key always means the built-in component: custom components cannot take one.
 */
export function componentCatalog(extra?: ExtraComponents): ComponentCatalog {
  const list = extra == null ? [] : Array.isArray(extra) ? extra : [extra];
  return createComponentCatalog(list, builtinCatalog);
}
