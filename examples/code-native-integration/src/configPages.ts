import { type Connection, configPage, configVar, connectionConfigVar, dataSourceConfigVar } from '@weft/sdk';
import { createAcmeClient } from './acmeClient';

/** The config wizard: one page to connect to Acme, one to choose what is synced and when. */
export const configPages = {
  Connection: configPage({
    tagline: 'Connect your Acme account',
    elements: {
      'Acme help': '<p>Find your API key in Acme under <b>Settings → API</b>.</p>',
      'Acme Connection': connectionConfigVar({
        stableKey: 'acme-connection',
        dataType: 'connection',
        description: 'The Acme account whose orders are synced',
        inputs: {
          baseUrl: {
            label: 'API base URL',
            type: 'string',
            required: true,
            default: 'https://api.acme.example/v1',
          },
          apiKey: { label: 'API key', type: 'password', required: true },
        },
      }),
    },
  }),
  Sync: configPage({
    tagline: 'Choose which orders go where, and when',
    elements: {
      'Order Status': configVar({
        stableKey: 'order-status',
        dataType: 'picklist',
        description: 'Only orders with this status are sent to the warehouse',
        pickList: ['open', 'paid', 'shipped'],
        defaultValue: 'paid',
      }),
      'Target Warehouse': dataSourceConfigVar({
        stableKey: 'target-warehouse',
        dataSourceType: 'picklist',
        description: 'The warehouse that receives the orders',
        perform: async (context) => {
          const client = createAcmeClient(context.configVars['Acme Connection'] as Connection);
          const warehouses = await client.listWarehouses();
          return { result: warehouses.map((warehouse) => ({ key: warehouse.id, label: warehouse.name })) };
        },
      }),
      'Sync Schedule': configVar({
        stableKey: 'sync-schedule',
        dataType: 'schedule',
        description: 'When the nightly sync runs',
        defaultValue: '0 2 * * *',
        timeZone: 'America/Chicago',
      }),
      'Dry Run': configVar({
        stableKey: 'dry-run',
        dataType: 'boolean',
        description: 'Log what would be sent instead of sending it',
        defaultValue: false,
        permissionAndVisibilityType: 'organization',
      }),
    },
  }),
};
