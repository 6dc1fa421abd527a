import { integration } from '@weft/sdk';
import { configPages } from './configPages';
import flows from './flows';

// Exported for .weft/index.ts, which types context.configVars from it.
export { configPages } from './configPages';

export default integration({
  name: 'Acme Orders',
  description: 'Sends Acme orders to the warehouse as they change, and catches up every night',
  category: 'ERP',
  labels: ['acme', 'orders', 'example'],
  version: '1.0.0',
  documentation: '# Acme Orders\n\nConnect your Acme account, choose a warehouse, and deploy.',
  flows,
  configPages,
});
