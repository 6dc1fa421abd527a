import { action, input } from '@weft/sdk';
import { AcmeCrmError, type Contact, createAcmeCrmClient } from './client.js';
import { connectionInput, toEmail, toFields, toOptionalLimit, toRequiredText } from './inputs.js';

export const listContacts = action({
  display: {
    label: 'List Contacts',
    description: 'Lists the contacts of the account, following every page (up to Max Items)',
  },
  inputs: {
    connection: connectionInput,
    maxItems: input({
      label: 'Max Items',
      type: 'number',
      required: false,
      comments: 'Stop after this many contacts; leave empty to fetch them all',
      example: '500',
      clean: toOptionalLimit,
    }),
  },
  perform: async (context, { connection, maxItems }) => {
    const client = createAcmeCrmClient(connection);
    const contacts: Contact[] = [];
    let page = 0;
    // Stop asking for pages once there are enough: breaking out of the loop ends the generator.
    for await (const items of client.pages<Contact>('/contacts')) {
      page += 1;
      contacts.push(...items);
      context.logger.info(`page ${page}: ${items.length} contacts (${contacts.length} so far)`);
      if (maxItems !== undefined && contacts.length >= maxItems) break;
    }
    return { data: maxItems === undefined ? contacts : contacts.slice(0, maxItems) };
  },
  examplePayload: { data: [{ id: 'c_1', email: 'ada@example.com', firstName: 'Ada' }] },
});

export const getContact = action({
  display: { label: 'Get Contact', description: 'Gets one contact by its id' },
  inputs: {
    connection: connectionInput,
    contactId: input({
      label: 'Contact ID',
      type: 'string',
      required: true,
      example: 'c_42',
      clean: toRequiredText,
    }),
  },
  perform: async (_context, { connection, contactId }) => {
    try {
      return { data: await createAcmeCrmClient(connection).getContact(contactId) };
    } catch (error) {
      if (error instanceof AcmeCrmError && error.status === 404) {
        throw new Error(`Acme CRM has no contact '${contactId}' (404): it was deleted, or the id is wrong`);
      }
      throw error;
    }
  },
  examplePayload: { data: { id: 'c_42', email: 'ada@example.com', firstName: 'Ada' } },
});

export const createContact = action({
  display: { label: 'Create Contact', description: 'Creates a contact, optionally in a contact list' },
  inputs: {
    connection: connectionInput,
    email: input({
      label: 'Email',
      type: 'string',
      required: true,
      example: 'ada@example.com',
      clean: toEmail,
    }),
    fields: input({
      label: 'Fields',
      type: 'string',
      collection: 'keyvaluelist',
      required: false,
      comments: 'Other contact fields by name (firstName, lastName, company, ...); an object works too',
      clean: toFields,
    }),
    listId: input({
      label: 'Contact List',
      type: 'string',
      required: false,
      comments: 'The key of a list, as the Contact Lists data source gives it',
      dataSource: 'contactLists',
      clean: (value: unknown) =>
        value === undefined || value === null || value === '' ? undefined : String(value),
    }),
  },
  perform: async (context, { connection, email, fields, listId }) => {
    const contact = await createAcmeCrmClient(connection).createContact({
      ...fields,
      email,
      ...(listId === undefined ? {} : { listIds: [listId] }),
    });
    context.logger.info(`created contact ${contact.id}`);
    return { data: contact };
  },
  examplePayload: { data: { id: 'c_43', email: 'grace@example.com', firstName: 'Grace' } },
});
