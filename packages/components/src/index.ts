export { builtinCatalog } from './builtin-catalog.js';
export { builtinComponent, builtinComponents } from './builtin-components.js';
export { connectionAuthentication } from './components/http.js';
