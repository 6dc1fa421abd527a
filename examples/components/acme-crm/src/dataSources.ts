import { dataSource, type Element } from '@weft/sdk';
import { type ContactList, createAcmeCrmClient } from './client.js';
import { connectionInput } from './inputs.js';

/**
 * The account's contact lists, as a picklist for a config wizard: the deployer picks a list by its name and the
 * config variable holds its id. A data source runs while an instance is being configured, with the connection the
 * deployer set on an earlier page (or earlier on the same page).
 */
export const contactLists = dataSource({
  display: { label: 'Contact Lists', description: "The account's contact lists, to pick one" },
  inputs: { connection: connectionInput },
  dataSourceType: 'picklist',
  perform: async (_context, { connection }) => {
    const result: Element[] = [];
    for await (const lists of createAcmeCrmClient(connection).pages<ContactList>('/lists')) {
      result.push(...lists.map((list) => ({ label: list.name, key: list.id })));
    }
    return { result };
  },
  examplePayload: {
    result: [
      { label: 'Newsletter', key: 'l_1' },
      { label: 'Customers', key: 'l_2' },
    ],
  },
});
