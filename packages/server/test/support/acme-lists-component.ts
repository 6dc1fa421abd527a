/**
 * The source of `acme-lists`, a custom component with one data source for config wizard tests: the lists of an
 * Acme account in a region, which needs an authorized OAuth 2.0 connection (`'<region> customers'`,
 * `'<region> leads'`). Publish it with `bundleSource`.
 */
export const acmeListsComponent = `
import { action, component, dataSource, input } from '@weft/sdk';
export default component({
  key: 'acme-lists',
  display: { label: 'Acme Lists', description: 'Lists of an Acme account' },
  dataSources: {
    lists: dataSource({
      display: { label: 'Lists', description: 'The lists of the region' },
      inputs: {
        connection: input({ label: 'Connection', type: 'connection', required: true }),
        region: input({ label: 'Region', type: 'string', required: true }),
      },
      dataSourceType: 'picklist',
      perform: async (context, { connection, region }) => {
        if (!connection || !connection.token || !connection.token.access_token) throw new Error('Acme is not connected');
        return { result: [
          { label: region + ' customers', key: region + '-customers' },
          { label: region + ' leads', key: region + '-leads' },
        ] };
      },
    }),
  },
  actions: {
    noop: action({ display: { label: 'Noop', description: 'Does nothing' }, inputs: {}, perform: async () => ({ data: null }) }),
  },
});
`;

/**
 * The YAML (an item of `requiredConfigVars`) of an OAuth 2.0 connection to the test provider, whose client id,
 * secret and URLs the organization sets (customers never see them), and of the Region picklist the data source
 * reads.
 */
export function acmeConnectionAndRegionYaml(
  connection: { key: string; stableKey: string },
  provider: { authorizeUrl: string; tokenUrl: string },
  client: { clientId: string; clientSecret: string },
): string {
  const orgOnly = '{orgOnly: true, visibleToCustomerDeployer: false, visibleToOrgDeployer: true}';
  return `  - key: ${connection.key}
    stableKey: ${connection.stableKey}
    dataType: connection
    connection: {key: oauth2, component: {key: http, version: LATEST, isPublic: true}}
    inputs:
      authorizeUrl: {type: value, value: "${provider.authorizeUrl}", meta: ${orgOnly}}
      tokenUrl: {type: value, value: "${provider.tokenUrl}", meta: ${orgOnly}}
      clientId: {type: value, value: ${client.clientId}, meta: ${orgOnly}}
      clientSecret: {type: value, value: ${client.clientSecret}, meta: ${orgOnly}}
      scopes: {type: value, value: read}
    orgOnly: false
  - key: Region
    stableKey: region
    dataType: picklist
    pickList: [eu, us]
    description: Where your Acme account lives
    orgOnly: false
`;
}
