// Issue 15: the typed client against a real server: typed answers, the token, and errors with their stable codes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { answerOf, createWeftClient, WeftApiError } from '../src/index.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('@weft/client', () => {
  it('creates, reads and lists with typed bodies and answers', async () => {
    const weft = createWeftClient({ url: `${server.url}/`, token: server.ownerToken });
    const created = await answerOf(
      weft.POST('/api/customers', { body: { name: 'Client Co', externalId: 'client-co', labels: ['Gold'] } }),
    );
    expect(created).toMatchObject({ name: 'Client Co', externalId: 'client-co', labels: ['gold'] });
    const read = await answerOf(weft.GET('/api/customers/{id}', { params: { path: { id: created.id } } }));
    expect(read.id).toBe(created.id);
    const page = await answerOf(weft.GET('/api/customers', { params: { query: { search: 'Client Co' } } }));
    expect(page.items.map((customer) => customer.id)).toEqual([created.id]);
    expect(page.nextCursor).toBeNull();
  });

  it('throws the API error with its code, status and details', async () => {
    const weft = createWeftClient({ url: server.url, token: server.ownerToken });
    const refused = await answerOf(
      weft.GET('/api/customers/{id}', { params: { path: { id: '00000000-0000-4000-8000-000000000000' } } }),
    ).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WeftApiError);
    expect(refused).toMatchObject({ code: 'CUSTOMER_NOT_FOUND', status: 404 });

    const invalid = await answerOf(weft.POST('/api/customers', { body: { name: '' } })).catch(
      (error) => error,
    );
    expect(invalid).toMatchObject({ code: 'API_VALIDATION_FAILED', status: 400, details: { field: 'name' } });
  });

  it('without a token, a protected route is refused as unauthenticated', async () => {
    const anonymous = createWeftClient({ url: server.url });
    await expect(answerOf(anonymous.GET('/api/customers', {}))).rejects.toMatchObject({ status: 401 });
  });
});
