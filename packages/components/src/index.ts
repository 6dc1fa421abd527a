export { builtinCatalog } from './builtin-catalog.js';
