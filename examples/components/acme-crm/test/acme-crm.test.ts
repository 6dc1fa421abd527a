// The Acme CRM component against a fake Acme CRM API (test/fake-acme-crm.ts) that the tests start on 127.0.0.1.
import {
  type Connection,
  createConnection,
  invokeAction,
  invokeDataSource,
  isConnectionError,
} from '@weft/sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { apiKeyConnection } from '../src/connections.js';
import acmeCrm from '../src/index.js';
import { type FakeAcmeCrm, type FakeAcmeCrmOptions, goodApiKey, startFakeAcmeCrm } from './fake-acme-crm.js';

const fiveContacts = [1, 2, 3, 4, 5].map((n) => ({ id: `c_${n}`, email: `person${n}@example.com` }));

let fake: FakeAcmeCrm | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Starts the fake API and returns a connection to it, as Weft hands it to a step. */
async function connect(options: FakeAcmeCrmOptions = {}, apiKey = goodApiKey): Promise<Connection> {
  fake = await startFakeAcmeCrm(options);
  return createConnection(
    apiKeyConnection,
    { baseUrl: fake.baseUrl, apiKey },
    undefined,
    'Acme CRM Connection',
  );
}

function requestedUrls(): string[] {
  return fake?.requests.map((request) => `${request.method} ${request.url}`) ?? [];
}

describe('listContacts', () => {
  it('fetches every page in order, following nextCursor, and logs each page', async () => {
    const connection = await connect({ contacts: fiveContacts });
    const { result, logs } = await invokeAction(acmeCrm, 'listContacts', { connection });

    expect(result?.data).toEqual(fiveContacts);
    expect(requestedUrls()).toEqual([
      'GET /v1/contacts',
      'GET /v1/contacts?cursor=c_2',
      'GET /v1/contacts?cursor=c_4',
    ]);
    expect(fake?.requests.every((request) => request.apiKey === goodApiKey)).toBe(true);
    expect(logs).toEqual([
      { level: 'info', message: 'page 1: 2 contacts (2 so far)' },
      { level: 'info', message: 'page 2: 2 contacts (4 so far)' },
      { level: 'info', message: 'page 3: 1 contacts (5 so far)' },
    ]);
  });

  it('follows a Link header rel="next" when the API paginates that way', async () => {
    const connection = await connect({ contacts: fiveContacts, pagination: 'link' });
    const { result } = await invokeAction(acmeCrm, 'listContacts', { connection });

    expect(result?.data).toEqual(fiveContacts);
    expect(requestedUrls()).toEqual([
      'GET /v1/contacts',
      'GET /v1/contacts?page=2',
      'GET /v1/contacts?page=3',
    ]);
  });

  it('stops at Max Items without fetching the pages it does not need', async () => {
    const connection = await connect({ contacts: fiveContacts });
    const { result } = await invokeAction(acmeCrm, 'listContacts', { connection, maxItems: '3' });

    expect(result?.data).toEqual(fiveContacts.slice(0, 3));
    expect(requestedUrls()).toEqual(['GET /v1/contacts', 'GET /v1/contacts?cursor=c_2']);
  });

  it('refuses a Max Items that is not a whole number above 0, before calling Acme', async () => {
    const connection = await connect({ contacts: fiveContacts });
    await expect(invokeAction(acmeCrm, 'listContacts', { connection, maxItems: 0 })).rejects.toThrow(
      "input 'maxItems' (Max Items): must be a whole number above 0, or empty for no limit; got '0'",
    );
    expect(fake?.requests).toEqual([]);
  });

  it('does not send the API key to another server named by a Link header', async () => {
    const connection = await connect({ contacts: fiveContacts, pagination: 'foreign-link' });
    await expect(invokeAction(acmeCrm, 'listContacts', { connection })).rejects.toThrow(
      /pointed to http:\/\/127\.0\.0\.2:9, which is not the connection's server/,
    );
    expect(fake?.requests).toHaveLength(1);
  });

  it('stops with an error, instead of looping, when the API gives a page it already gave as the next one', async () => {
    const connection = await connect({ contacts: fiveContacts, pagination: 'stuck' });
    await expect(invokeAction(acmeCrm, 'listContacts', { connection })).rejects.toThrow(
      'Acme CRM gave /v1/contacts?cursor=again, a page already fetched, as the next page; stopped',
    );
    expect(requestedUrls()).toEqual(['GET /v1/contacts', 'GET /v1/contacts?cursor=again']);
  });

  it('throws a ConnectionError when Acme rejects the API key, so Weft marks the connection as failing', async () => {
    const connection = await connect({ contacts: fiveContacts }, 'revoked-key');
    const error = await invokeAction(acmeCrm, 'listContacts', { connection }).catch(
      (thrown: unknown) => thrown,
    );

    expect(isConnectionError(error)).toBe(true);
    expect((error as Error).message).toBe(
      'Acme rejected the API key (401 to GET /v1/contacts); check the API key of the connection',
    );
    expect((error as { connection: Connection }).connection).toBe(connection);
    // The connection (with its key) stays out of anything that serializes the error.
    expect(JSON.stringify(error)).not.toContain('revoked-key');
  });
});

describe('getContact', () => {
  it('returns the contact', async () => {
    const connection = await connect({ contacts: fiveContacts });
    const { result } = await invokeAction(acmeCrm, 'getContact', { connection, contactId: ' c_4 ' });

    expect(result?.data).toEqual({ id: 'c_4', email: 'person4@example.com' });
    expect(requestedUrls()).toEqual(['GET /v1/contacts/c_4']);
  });

  it('says which contact was not found on a 404', async () => {
    const connection = await connect({ contacts: fiveContacts });
    await expect(invokeAction(acmeCrm, 'getContact', { connection, contactId: 'c_404' })).rejects.toThrow(
      "Acme CRM has no contact 'c_404' (404): it was deleted, or the id is wrong",
    );
  });
});

describe('createContact', () => {
  it('sends the email (trimmed, lower-cased), the fields and the list, and returns the new contact', async () => {
    const connection = await connect();
    const { result, logs } = await invokeAction(acmeCrm, 'createContact', {
      connection,
      email: ' Ada@Example.com ',
      fields: [
        { key: 'firstName', value: 'Ada' },
        { key: 'company', value: 'Analytical Engines' },
      ],
      listId: 'l_2',
    });

    const sent = {
      firstName: 'Ada',
      company: 'Analytical Engines',
      email: 'ada@example.com',
      listIds: ['l_2'],
    };
    expect(fake?.requests).toEqual([{ method: 'POST', url: '/v1/contacts', apiKey: goodApiKey, body: sent }]);
    expect(result?.data).toEqual({ ...sent, id: 'c_1' });
    expect(logs).toEqual([{ level: 'info', message: 'created contact c_1' }]);
  });

  it('takes the fields as an object too (an earlier step’s result)', async () => {
    const connection = await connect();
    await invokeAction(acmeCrm, 'createContact', {
      connection,
      email: 'grace@example.com',
      fields: { firstName: 'Grace' },
    });
    expect(fake?.requests[0]?.body).toEqual({ firstName: 'Grace', email: 'grace@example.com' });
  });

  it('refuses an invalid email before calling Acme', async () => {
    const connection = await connect();
    await expect(
      invokeAction(acmeCrm, 'createContact', { connection, email: 'not-an-email' }),
    ).rejects.toThrow("input 'email' (Email): 'not-an-email' is not an email address");
    expect(fake?.requests).toEqual([]);
  });

  it("carries Acme's status and message when Acme refuses the contact", async () => {
    const connection = await connect({ contacts: fiveContacts });
    await expect(
      invokeAction(acmeCrm, 'createContact', { connection, email: 'person1@example.com' }),
    ).rejects.toThrow(
      'Acme CRM answered 409 to POST /v1/contacts: a contact with the email person1@example.com already exists',
    );
  });
});

describe('contactLists data source', () => {
  it("gives the account's lists, across pages, as a picklist", async () => {
    const connection = await connect({
      lists: [
        { id: 'l_1', name: 'Newsletter' },
        { id: 'l_2', name: 'Customers' },
        { id: 'l_3', name: 'Churned' },
      ],
    });
    const { result } = await invokeDataSource(acmeCrm, 'contactLists', { connection });

    expect(acmeCrm.dataSources.contactLists?.dataSourceType).toBe('picklist');
    expect(result).toEqual({
      result: [
        { label: 'Newsletter', key: 'l_1' },
        { label: 'Customers', key: 'l_2' },
        { label: 'Churned', key: 'l_3' },
      ],
    });
    expect(requestedUrls()).toEqual(['GET /v1/lists', 'GET /v1/lists?page=2']);
  });
});
