import { builtinCatalog } from '@weft/components';
import { type CatalogComponent, type ComponentCatalog, createComponentCatalog } from '@weft/definition';

/**
 * The one place the server decides which components a definition may use: the built-in catalog of
 * `@weft/components`, plus the generated component of a code-native integration (private to it). Custom
 * components uploaded to the organization will join here.
 */
export function componentCatalog(generated?: CatalogComponent | null): ComponentCatalog {
  return createComponentCatalog(builtinCatalog, generated ? [generated] : []);
}
