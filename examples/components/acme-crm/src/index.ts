import { component } from '@weft/sdk';
import { createContact, getContact, listContacts } from './actions.js';
import { apiKeyConnection } from './connections.js';
import { contactLists } from './dataSources.js';

export { AcmeCrmError, type Contact, type ContactList } from './client.js';

export const acmeCrm = component({
  key: 'acme-crm',
  public: false,
  display: {
    label: 'Acme CRM',
    description: "Lists, reads and creates contacts in Acme CRM, and lists the account's contact lists",
    category: 'Application Connectors',
  },
  actions: { listContacts, getContact, createContact },
  dataSources: { contactLists },
  connections: [apiKeyConnection],
});

export default acmeCrm;
