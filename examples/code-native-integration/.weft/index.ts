// Types `context.configVars` in the flows from this project's config pages (as Spectral's `.spectral/index.ts`
// does): each config variable name is checked and has the type of its value.
import type { configPages } from '../src/configPages';

type TConfigPages = typeof configPages;

declare module '@weft/sdk' {
  interface IntegrationDefinitionConfigPages extends TConfigPages {}
}
