// Issue 2: customers CRUD, search, labels, pagination, externalId uniqueness, tenancy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/index.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('customers API', () => {
  it('creates, reads, updates and deletes a customer, by id and by externalId', async () => {
    const created = await server.api('POST', '/api/customers', {
      body: {
        name: 'Acme Corp',
        externalId: 'acme-42',
        description: 'Our first',
        labels: ['Gold', ' EU ', 'gold'],
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Acme Corp',
      externalId: 'acme-42',
      description: 'Our first',
      labels: ['gold', 'eu'],
    });
    const id = created.body.id as string;

    expect((await server.api('GET', `/api/customers/${id}`)).body.name).toBe('Acme Corp');
    expect((await server.api('GET', '/api/customers/by-external-id/acme-42')).body.id).toBe(id);

    const renamed = await server.api('PATCH', `/api/customers/${id}`, {
      body: { name: 'Acme Inc', labels: ['platinum'] },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'Acme Inc',
      externalId: 'acme-42',
      description: 'Our first',
      labels: ['platinum'],
    });
    expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

    const byExternal = await server.api('PATCH', '/api/customers/by-external-id/acme-42', {
      body: { externalId: null },
    });
    expect(byExternal.body.externalId).toBeNull();
    expect((await server.api('GET', '/api/customers/by-external-id/acme-42')).status).toBe(404);

    const deleted = await server.api('DELETE', `/api/customers/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(id);
    const gone = await server.api('GET', `/api/customers/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('CUSTOMER_NOT_FOUND');
  });

  it('refuses a second customer with the same externalId or name (409), and says which field', async () => {
    await server.api('POST', '/api/customers', { body: { name: 'Unique One', externalId: 'dup-1' } });
    const sameExternal = await server.api('POST', '/api/customers', {
      body: { name: 'Unique Two', externalId: 'dup-1' },
    });
    expect(sameExternal.status).toBe(409);
    expect(sameExternal.body.error).toMatchObject({
      code: 'CUSTOMER_EXTERNAL_ID_TAKEN',
      details: { field: 'externalId' },
    });
    expect(sameExternal.body.error.message).toContain("'dup-1'");

    const sameName = await server.api('POST', '/api/customers', { body: { name: 'unique one' } });
    expect(sameName.status).toBe(409);
    expect(sameName.body.error.code).toBe('CUSTOMER_NAME_TAKEN');

    const other = await server.api('POST', '/api/customers', {
      body: { name: 'Unique Three', externalId: 'dup-3' },
    });
    const update = await server.api('PATCH', `/api/customers/${other.body.id}`, {
      body: { externalId: 'dup-1' },
    });
    expect(update.status).toBe(409);
    expect((await server.api('GET', `/api/customers/${other.body.id}`)).body.externalId).toBe('dup-3');
  });

  it('searches name, externalId and description, and filters by every label given', async () => {
    const make = (name: string, externalId: string, description: string, labels: string[]) =>
      server.api('POST', '/api/customers', { body: { name, externalId, description, labels } });
    await make('Search Zebra Ltd', 'zz-100', 'stripes', ['zoo', 'africa']);
    await make('Search Lion SA', 'll-200', 'mane 100% real', ['zoo']);
    await make('Search Penguin', 'pp-300', 'cold', ['antarctica']);

    const names = async (query: string) =>
      ((await server.api('GET', `/api/customers?${query}`)).body.items as Array<{ name: string }>).map(
        (c) => c.name,
      );
    expect(await names('search=zebra')).toEqual(['Search Zebra Ltd']);
    expect(await names('search=ll-2')).toEqual(['Search Lion SA']);
    expect(await names('search=COLD')).toEqual(['Search Penguin']);
    expect(await names('search=100%25')).toEqual(['Search Lion SA']); // '%' is literal, not a wildcard
    expect(await names('label=zoo')).toEqual(['Search Zebra Ltd', 'Search Lion SA']);
    expect(await names('label=ZOO&label=africa')).toEqual(['Search Zebra Ltd']);
    expect(await names('label=zoo&search=lion')).toEqual(['Search Lion SA']);
    expect(await names('label=nothing-has-this')).toEqual([]);
  });

  it('walks every customer exactly once with cursor pagination, even when rows are added mid-walk', async () => {
    for (let i = 0; i < 23; i++) {
      await server.api('POST', '/api/customers', {
        body: { name: `Page ${String(i).padStart(2, '0')}`, labels: ['paging'] },
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer: { body: { items: Array<{ name: string }>; nextCursor: string | null } } =
        await server.api('GET', `/api/customers?label=paging&limit=5${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...answer.body.items.map((c) => c.name));
      cursor = answer.body.nextCursor;
      pages += 1;
      if (pages === 2)
        await server.api('POST', '/api/customers', { body: { name: 'Page 99 (late)', labels: ['paging'] } });
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(24);
    expect(new Set(seen).size).toBe(24);
    expect(seen[0]).toBe('Page 00');
    expect(seen.at(-1)).toBe('Page 99 (late)');
  });

  it('rejects a cursor it did not make', async () => {
    const answer = await server.api('GET', '/api/customers?cursor=not-a-cursor');
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'API_INVALID_CURSOR', details: { field: 'cursor' } });
  });

  it("answers 404 for another organization's customer and never lists it", async () => {
    const other = await createOrganization(server.weft.database.db, { name: 'Other org' });
    const theirs = await server.api('POST', '/api/customers', {
      token: other.ownerToken,
      body: { name: 'Their Secret Customer', externalId: 'shared-ext' },
    });
    expect(theirs.status).toBe(201);
    // The same externalId is free in our organization: uniqueness is per organization.
    expect(
      (
        await server.api('POST', '/api/customers', {
          body: { name: 'Our Customer', externalId: 'shared-ext' },
        })
      ).status,
    ).toBe(201);

    for (const [method, body] of [['GET'], ['PATCH', { name: 'hijacked' }], ['DELETE']] as const) {
      const answer = await server.api(method, `/api/customers/${theirs.body.id}`, body ? { body } : {});
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('CUSTOMER_NOT_FOUND');
    }
    const ours = await server.api('GET', '/api/customers?search=Secret');
    expect(ours.body.items).toEqual([]);
    const viaExternal = await server.api('GET', '/api/customers/by-external-id/shared-ext');
    expect(viaExternal.body.name).toBe('Our Customer');
    expect(
      (await server.api('GET', `/api/customers/${theirs.body.id}`, { token: other.ownerToken })).body.name,
    ).toBe('Their Secret Customer');
  });

  it('answers 404 (not 500) for ids that are not UUIDs', async () => {
    const answer = await server.api('GET', '/api/customers/12345');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('CUSTOMER_NOT_FOUND');
  });
});
