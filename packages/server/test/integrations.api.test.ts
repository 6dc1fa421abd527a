// Issue 3: integrations API: create, read, list and filter, update, icon, attachments, fork, delete with instances,
// permissions and tenancy. (Importing, publishing and versions are in integrations.import.test.ts.)
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/index.js';
import { sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { type ApiAnswer, startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function createIntegration(body: Record<string, unknown>, token?: string) {
  const answer = await server.api('POST', '/api/integrations', { body, ...(token ? { token } : {}) });
  expect(answer.status, answer.text).toBe(201);
  return answer.body as { id: string; name: string; [key: string]: unknown };
}

const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(200)]);

describe('create, read, list', () => {
  it('creates an integration with an empty draft and reads it back with its definition', async () => {
    const created = await server.api('POST', '/api/integrations', {
      body: {
        name: 'Salesforce Sync',
        description: 'Keeps contacts in step',
        category: 'CRM',
        labels: ['Sales', ' crm ', 'sales'],
        documentation: '# How it works',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Salesforce Sync',
      description: 'Keeps contacts in step',
      category: 'CRM',
      labels: ['Sales', 'crm'],
      documentation: '# How it works',
      isCodeNative: false,
      hasIcon: false,
      iconUrl: null,
      flowCount: 0,
      configVarCount: 0,
      latestVersionNumber: null,
      instanceCount: 0,
    });
    for (const field of ['createdAt', 'updatedAt', 'draftUpdatedAt']) {
      expect(Number.isNaN(Date.parse(created.body[field]))).toBe(false);
    }

    const read = await server.api('GET', `/api/integrations/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.definition).toMatchObject({
      definitionVersion: 7,
      name: 'Salesforce Sync',
      description: 'Keeps contacts in step',
      category: 'CRM',
      labels: ['Sales', 'crm'],
      documentation: '# How it works',
      flows: [],
      configVars: [],
    });
  });

  it('refuses a second integration with the same name, whatever its case (409)', async () => {
    await createIntegration({ name: 'Unique Integration' });
    const again = await server.api('POST', '/api/integrations', { body: { name: 'unique INTEGRATION' } });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'INTEGRATION_NAME_TAKEN', details: { field: 'name' } });
  });

  it('refuses unknown fields and wrong types, and non-JSON bodies (415)', async () => {
    const typo = await server.api('POST', '/api/integrations', { body: { name: 'Typo', catgory: 'x' } });
    expect(typo.status).toBe(400);
    expect(typo.body.error.details.field).toBe('catgory');
    const text = await server.api('POST', '/api/integrations', {
      rawBody: 'name: x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('API_UNSUPPORTED_MEDIA_TYPE');
  });

  it('lists with search, category and labels (all must match, any case), in pages', async () => {
    const marker = `lst${randomBytes(3).toString('hex')}`;
    const a = await createIntegration({ name: `${marker} Alpha`, category: 'ERP', labels: ['Gold', 'eu'] });
    const b = await createIntegration({
      name: `${marker} Beta`,
      description: 'the beta one',
      category: 'erp',
      labels: ['gold'],
    });
    const c = await createIntegration({ name: `${marker} Gamma`, category: 'CRM', labels: ['EU', 'gold'] });

    const names = async (query: string) =>
      ((await server.api('GET', `/api/integrations?${query}`)).body.items as Array<{ name: string }>).map(
        (i) => i.name,
      );
    expect(await names(`search=${marker}`)).toEqual([a.name, b.name, c.name]);
    expect(await names(`search=${marker.toUpperCase()}%20gamma`)).toEqual([c.name]);
    expect(await names(`search=${marker}&category=ERP`)).toEqual([a.name, b.name]);
    expect(await names(`search=${marker}&label=GOLD&label=eu`)).toEqual([a.name, c.name]);
    expect(await names(`search=${marker}&label=gold&category=crm`)).toEqual([c.name]);
    // Description matches too; LIKE wildcards are literal.
    expect(await names('search=the%20beta')).toEqual([b.name]);
    expect(await names(`search=${marker}%25`)).toEqual([]);

    const first = await server.api('GET', `/api/integrations?search=${marker}&limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await server.api(
      'GET',
      `/api/integrations?search=${marker}&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.items.map((i: { id: string }) => i.id)).toEqual([c.id]);
    expect(second.body.nextCursor).toBeNull();
    expect((await server.api('GET', '/api/integrations?cursor=nonsense')).status).toBe(400);
  });
});

describe('pages', () => {
  it('walks integrations created in the same millisecond exactly once, in id order', async () => {
    const marker = `tie${randomBytes(3).toString('hex')}`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createIntegration({ name: `${marker} ${i}` })).id);
    await sqlQuery(
      server,
      `update integrations set created_at = '2026-01-01T00:00:00.000Z' where id = any($1)`,
      [ids],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiAnswer<{ items: Array<{ id: string }>; nextCursor: string | null }> = await server.api(
        'GET',
        `/api/integrations?search=${marker}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((item: { id: string }) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].sort());
  });
});

describe('what list queries rely on', () => {
  // Review of issue 3: the list used to count every draft's flows from its definition (reading each whole
  // definition), and a label filter could use no index. Counts are now columns PostgreSQL keeps from the draft, and
  // the label filter's expression has a GIN index.
  it('keeps flow and config variable counts in step with the draft', async () => {
    const created = await createIntegration({ name: 'Counted', category: '  Spaced Category  ' });
    expect(created).toMatchObject({ flowCount: 0, configVarCount: 0, category: 'Spaced Category' });
    await sqlQuery(
      server,
      `update integrations set definition = jsonb_set(definition, '{flows}', '[{"name": "a"}, {"name": "b"}]') where id = $1`,
      [created.id],
    );
    expect((await server.api('GET', `/api/integrations/${created.id}`)).body).toMatchObject({
      flowCount: 2,
      configVarCount: 0,
    });
  });

  it('can answer a label filter from the labels index', async () => {
    const client = new pg.Client({ connectionString: server.databaseUrl });
    await client.connect();
    try {
      await client.query('begin');
      await client.query('set local enable_seqscan = off');
      const plan = await client.query(
        `explain select id from integrations where integration_label_keys(labels) @> array['gold']::text[]`,
      );
      await client.query('rollback');
      const text = plan.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n');
      expect(text).toContain('integrations_label_keys_idx');
    } finally {
      await client.end();
    }
  });
});

describe('update', () => {
  it('changes metadata in the integration and its draft alike; null removes optional fields', async () => {
    const created = await createIntegration({ name: 'Patch Me', category: 'Old', documentation: 'old docs' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const patched = await server.api('PATCH', `/api/integrations/${created.id}`, {
      body: {
        name: 'Patched',
        description: 'new words',
        category: null,
        labels: ['x', 'y'],
        documentation: null,
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'Patched',
      description: 'new words',
      category: null,
      labels: ['x', 'y'],
      documentation: null,
    });
    expect(Date.parse(patched.body.draftUpdatedAt)).toBeGreaterThan(
      Date.parse(created.draftUpdatedAt as string),
    );
    const definition = (await server.api('GET', `/api/integrations/${created.id}`)).body.definition;
    expect(definition).toMatchObject({ name: 'Patched', description: 'new words', labels: ['x', 'y'] });
    expect(definition).not.toHaveProperty('category');
    expect(definition).not.toHaveProperty('documentation');
  });

  it('refuses an empty change, a blank name, and a name another integration has', async () => {
    const created = await createIntegration({ name: 'Rename Target' });
    await createIntegration({ name: 'Taken Name' });
    expect((await server.api('PATCH', `/api/integrations/${created.id}`, { body: {} })).status).toBe(400);
    expect(
      (await server.api('PATCH', `/api/integrations/${created.id}`, { body: { name: '  ' } })).status,
    ).toBe(400);
    const clash = await server.api('PATCH', `/api/integrations/${created.id}`, {
      body: { name: 'taken name' },
    });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe('INTEGRATION_NAME_TAKEN');
    expect((await server.api('GET', `/api/integrations/${created.id}`)).body.name).toBe('Rename Target');
  });
});

describe('icon', () => {
  it('stores, serves and removes an icon', async () => {
    const { id } = await createIntegration({ name: 'Iconic' });
    const put = await server.api('PUT', `/api/integrations/${id}/icon`, {
      rawBody: png,
      headers: { 'content-type': 'image/png' },
    });
    expect(put.status, put.text).toBe(204);
    const summary = (await server.api('GET', `/api/integrations/${id}`)).body;
    expect(summary).toMatchObject({ hasIcon: true, iconUrl: `/api/integrations/${id}/icon` });

    const response = await fetch(new URL(summary.iconUrl, server.url), {
      headers: { authorization: `Bearer ${server.ownerToken}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await response.arrayBuffer()).equals(png)).toBe(true);

    const svg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
    expect(
      (
        await server.api('PUT', `/api/integrations/${id}/icon`, {
          rawBody: svg,
          headers: { 'content-type': 'image/svg+xml; charset=utf-8' },
        })
      ).status,
    ).toBe(204);
    const svgAnswer = await server.api('GET', `/api/integrations/${id}/icon`);
    expect(svgAnswer.headers.get('content-type')).toBe('image/svg+xml');
    expect(svgAnswer.headers.get('content-security-policy')).toContain('sandbox');
    expect(svgAnswer.text).toBe(svg);

    expect((await server.api('DELETE', `/api/integrations/${id}/icon`)).status).toBe(204);
    const gone = await server.api('GET', `/api/integrations/${id}/icon`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('INTEGRATION_ICON_NOT_FOUND');
    expect((await server.api('GET', `/api/integrations/${id}`)).body).toMatchObject({
      hasIcon: false,
      iconUrl: null,
    });
  });

  it('refuses other content types (415), JSON included, and icons over 1 MiB (413)', async () => {
    const { id } = await createIntegration({ name: 'Picky Icon' });
    for (const type of ['text/plain', 'application/json', 'image/bmp', 'application/octet-stream']) {
      const answer = await server.api('PUT', `/api/integrations/${id}/icon`, {
        rawBody: type === 'application/json' ? '{"icon": 1}' : png,
        headers: { 'content-type': type },
      });
      expect(answer.status, type).toBe(415);
      expect(answer.body.error.code).toBe('INTEGRATION_ICON_TYPE_UNSUPPORTED');
    }
    const noType = await fetch(new URL(`/api/integrations/${id}/icon`, server.url), {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.ownerToken}` },
      body: new Uint8Array(png),
    });
    expect(noType.status).toBe(415);

    const tooBig = await server.api('PUT', `/api/integrations/${id}/icon`, {
      rawBody: Buffer.alloc(1024 * 1024 + 1),
      headers: { 'content-type': 'image/png' },
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error).toMatchObject({
      code: 'API_PAYLOAD_TOO_LARGE',
      details: { limitBytes: 1024 * 1024 },
    });
    const empty = await server.api('PUT', `/api/integrations/${id}/icon`, {
      rawBody: Buffer.alloc(0),
      headers: { 'content-type': 'image/png' },
    });
    expect(empty.status).toBe(400);
    expect((await server.api('GET', `/api/integrations/${id}/icon`)).status).toBe(404);
  });
});

describe('attachments', () => {
  it('uploads any file, lists, downloads the identical bytes with its name, and deletes', async () => {
    const { id } = await createIntegration({ name: 'With Files' });
    // Larger than the JSON routes' 1 MiB limit: attachment routes have their own.
    const pdf = randomBytes(3 * 1024 * 1024);
    const upload = await server.api(
      'POST',
      `/api/integrations/${id}/attachments?name=${encodeURIComponent('Spec sheet – v2.pdf')}`,
      {
        rawBody: pdf,
        headers: { 'content-type': 'application/pdf' },
      },
    );
    expect(upload.status, upload.text).toBe(201);
    expect(upload.body).toMatchObject({
      name: 'Spec sheet – v2.pdf',
      contentType: 'application/pdf',
      sizeBytes: pdf.length,
    });

    // A JSON file is stored as bytes, not parsed.
    const json = '{ "mapping":   [1, 2] }';
    const jsonUpload = await server.api('POST', `/api/integrations/${id}/attachments?name=mapping.json`, {
      rawBody: json,
      headers: { 'content-type': 'application/json' },
    });
    expect(jsonUpload.status).toBe(201);

    const list = await server.api('GET', `/api/integrations/${id}/attachments`);
    expect(list.body.items.map((a: { name: string }) => a.name)).toEqual([
      'Spec sheet – v2.pdf',
      'mapping.json',
    ]);

    const download = await fetch(
      new URL(`/api/integrations/${id}/attachments/${upload.body.id}`, server.url),
      {
        headers: { authorization: `Bearer ${server.ownerToken}` },
      },
    );
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toBe('application/pdf');
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="Spec sheet _ v2.pdf"; filename*=UTF-8''Spec%20sheet%20%E2%80%93%20v2.pdf`,
    );
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true);
    expect((await server.api('GET', `/api/integrations/${id}/attachments/${jsonUpload.body.id}`)).text).toBe(
      json,
    );

    expect((await server.api('DELETE', `/api/integrations/${id}/attachments/${upload.body.id}`)).status).toBe(
      204,
    );
    const gone = await server.api('GET', `/api/integrations/${id}/attachments/${upload.body.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('INTEGRATION_ATTACHMENT_NOT_FOUND');
    expect((await server.api('DELETE', `/api/integrations/${id}/attachments/${upload.body.id}`)).status).toBe(
      404,
    );
    expect((await server.api('GET', `/api/integrations/${id}/attachments/not-a-uuid`)).status).toBe(404);
  });

  it('refuses a file over 25 MiB (413 with the limit) and a name with a slash or none', async () => {
    const { id } = await createIntegration({ name: 'Big Files' });
    const tooBig = await server.api('POST', `/api/integrations/${id}/attachments?name=big.bin`, {
      rawBody: Buffer.alloc(25 * 1024 * 1024 + 1),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.details.limitBytes).toBe(25 * 1024 * 1024);
    for (const query of ['name=../etc/passwd', 'name=', '']) {
      const answer = await server.api('POST', `/api/integrations/${id}/attachments?${query}`, {
        rawBody: 'x',
        headers: { 'content-type': 'text/plain' },
      });
      expect(answer.status, query).toBe(400);
    }
    expect((await server.api('GET', `/api/integrations/${id}/attachments`)).body.items).toEqual([]);
  });
});

describe('attachment names in downloads', () => {
  // Review of issue 3: names are the uploader's text, sent back in a header to whoever downloads the file.
  it('quotes, escapes and percent-encodes any name so the header stays one well-formed value', async () => {
    const { id } = await createIntegration({ name: 'Odd File Names' });
    const cases: Array<[string, string]> = [
      [
        'say "hi"; filename=evil.exe',
        `attachment; filename="say _hi_; filename=evil.exe"; filename*=UTF-8''say%20%22hi%22%3B%20filename%3Devil.exe`,
      ],
      ['😀 report.pdf', `attachment; filename="_ report.pdf"; filename*=UTF-8''%F0%9F%98%80%20report.pdf`],
      [
        "it's (final)*.txt",
        `attachment; filename="it's (final)*.txt"; filename*=UTF-8''it%27s%20%28final%29%2A.txt`,
      ],
      ['100%.csv', `attachment; filename="100_.csv"; filename*=UTF-8''100%25.csv`],
    ];
    for (const [name, expected] of cases) {
      const upload = await server.api(
        'POST',
        `/api/integrations/${id}/attachments?name=${encodeURIComponent(name)}`,
        { rawBody: 'x', headers: { 'content-type': 'text/plain' } },
      );
      expect(upload.status, name).toBe(201);
      expect(upload.body.name).toBe(name);
      const download = await server.api('GET', `/api/integrations/${id}/attachments/${upload.body.id}`);
      expect(download.headers.get('content-disposition'), name).toBe(expected);
      expect(decodeURIComponent(expected.split("UTF-8''")[1]!)).toBe(name);
    }
  });

  it('refuses names with one slash, or Unicode controls that disguise or split them (400)', async () => {
    const { id } = await createIntegration({ name: 'Spoofed Names' });
    // One slash used to pass: the non-blank character the pattern requires could be any character at all.
    for (const name of [
      '../passwd',
      'dir/file.txt',
      '..\\boot.ini',
      'invoice\u202Efdp.exe',
      'a\u2028b.txt',
      'x\u2066y.txt',
      'tab\there.txt',
      'c1\u0085.txt',
    ]) {
      const answer = await server.api(
        'POST',
        `/api/integrations/${id}/attachments?name=${encodeURIComponent(name)}`,
        { rawBody: 'x', headers: { 'content-type': 'text/plain' } },
      );
      expect(answer.status, JSON.stringify(name)).toBe(400);
      expect(answer.body.error.details.field).toBe('name');
    }
    expect((await server.api('GET', `/api/integrations/${id}/attachments`)).body.items).toEqual([]);
  });
});

describe('fork', () => {
  it('copies the draft, icon and attachments into a new integration without versions', async () => {
    const source = await createIntegration({ name: 'Fork Source', category: 'Ops', labels: ['a'] });
    await server.api('PUT', `/api/integrations/${source.id}/icon`, {
      rawBody: png,
      headers: { 'content-type': 'image/png' },
    });
    const file = randomBytes(1000);
    await server.api('POST', `/api/integrations/${source.id}/attachments?name=notes.bin`, {
      rawBody: file,
      headers: { 'content-type': 'application/octet-stream' },
    });

    const fork = await server.api('POST', `/api/integrations/${source.id}/fork`, {
      body: { name: 'Fork Copy', description: 'my variant' },
    });
    expect(fork.status, fork.text).toBe(201);
    expect(fork.body.id).not.toBe(source.id);
    expect(fork.body).toMatchObject({
      name: 'Fork Copy',
      description: 'my variant',
      category: 'Ops',
      labels: ['a'],
      hasIcon: true,
      latestVersionNumber: null,
    });
    const definition = (await server.api('GET', `/api/integrations/${fork.body.id}`)).body.definition;
    expect(definition).toMatchObject({ name: 'Fork Copy', description: 'my variant', category: 'Ops' });
    expect((await server.api('GET', `/api/integrations/${fork.body.id}/icon`)).status).toBe(200);
    const attachments = (await server.api('GET', `/api/integrations/${fork.body.id}/attachments`)).body.items;
    expect(attachments.map((a: { name: string }) => a.name)).toEqual(['notes.bin']);
    const copied = await fetch(
      new URL(`/api/integrations/${fork.body.id}/attachments/${attachments[0].id}`, server.url),
      {
        headers: { authorization: `Bearer ${server.ownerToken}` },
      },
    );
    expect(Buffer.from(await copied.arrayBuffer()).equals(file)).toBe(true);
    expect((await server.api('GET', `/api/integrations/${fork.body.id}/versions`)).body.items).toEqual([]);

    // The source is untouched, and its name cannot be reused by a fork.
    expect((await server.api('GET', `/api/integrations/${source.id}`)).body.name).toBe('Fork Source');
    const clash = await server.api('POST', `/api/integrations/${source.id}/fork`, {
      body: { name: 'fork source' },
    });
    expect(clash.status).toBe(409);
  });
});

describe('delete', () => {
  /** A version row and instances of it, made in SQL: publishing and instances have their own tests and issues. */
  async function withInstances(integrationId: string, count: number): Promise<void> {
    const [org] = await sqlQuery<{ org_id: string }>(
      server,
      'select org_id from integrations where id = $1',
      [integrationId],
    );
    const [version] = await sqlQuery<{ id: string }>(
      server,
      `insert into integration_versions (org_id, integration_id, version_number, definition, is_code_native)
       values ($1, $2, 1, '{}'::jsonb, false) returning id`,
      [org!.org_id, integrationId],
    );
    const customer = await server.api('POST', '/api/customers', {
      body: { name: `Customer of ${integrationId}` },
    });
    for (let i = 0; i < count; i++) {
      await sqlQuery(
        server,
        `insert into instances (org_id, customer_id, integration_id, integration_version_id, name)
         values ($1, $2, $3, $4, $5)`,
        [org!.org_id, customer.body.id, integrationId, version!.id, `Instance ${i}`],
      );
    }
  }

  it('deletes an integration without instances, with its versions and attachments', async () => {
    const { id } = await createIntegration({ name: 'Short Lived' });
    await server.api('POST', `/api/integrations/${id}/attachments?name=a.txt`, {
      rawBody: 'a',
      headers: { 'content-type': 'text/plain' },
    });
    expect((await server.api('DELETE', `/api/integrations/${id}`)).status).toBe(204);
    const gone = await server.api('GET', `/api/integrations/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('INTEGRATION_NOT_FOUND');
    const left = await sqlQuery<{ n: number }>(
      server,
      'select count(*)::int as n from integration_attachments where integration_id = $1',
      [id],
    );
    expect(left[0]!.n).toBe(0);
    expect((await server.api('DELETE', `/api/integrations/${id}`)).status).toBe(404);
  });

  it('refuses while instances exist (409 with instanceCount); force deletes them too', async () => {
    const { id } = await createIntegration({ name: 'In Use' });
    await withInstances(id, 2);
    expect((await server.api('GET', `/api/integrations/${id}`)).body.instanceCount).toBe(2);

    const refused = await server.api('DELETE', `/api/integrations/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'INTEGRATION_HAS_INSTANCES',
      details: { instanceCount: 2 },
    });
    expect((await server.api('GET', `/api/integrations/${id}`)).status).toBe(200);

    expect((await server.api('DELETE', `/api/integrations/${id}?force=true`)).status).toBe(204);
    expect((await server.api('GET', `/api/integrations/${id}`)).status).toBe(404);
    const instances = await sqlQuery<{ n: number }>(
      server,
      'select count(*)::int as n from instances where integration_id = $1',
      [id],
    );
    expect(instances[0]!.n).toBe(0);
  });
});

describe('drafts without flows', () => {
  it('cannot be published (422 INTEGRATION_HAS_NO_FLOWS) and has no versions yet', async () => {
    const { id } = await createIntegration({ name: 'Empty Draft' });
    const publish = await server.api('POST', `/api/integrations/${id}/publish`, { body: { comment: 'v1' } });
    expect(publish.status).toBe(422);
    expect(publish.body.error.code).toBe('INTEGRATION_HAS_NO_FLOWS');
    expect((await server.api('GET', `/api/integrations/${id}/versions`)).body.items).toEqual([]);
    for (const [method, path] of [
      ['GET', `/api/integrations/${id}/versions/1`],
      ['GET', `/api/integrations/${id}/export?version=1`],
    ] as const) {
      const answer = await server.api(method, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body.error.code).toBe('INTEGRATION_VERSION_NOT_FOUND');
    }
    const patch = await server.api('PATCH', `/api/integrations/${id}/versions/1`, {
      body: { available: false },
    });
    expect(patch.status).toBe(404);
    expect((await server.api('GET', `/api/integrations/${id}/versions/zero`)).status).toBe(400);
  });

  it('exports as YAML', async () => {
    const { id } = await createIntegration({ name: 'Exported Empty', description: 'Nothing yet' });
    const exported = await server.api('GET', `/api/integrations/${id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/yaml');
    expect(exported.text).toContain('definitionVersion: 7');
    expect(exported.text).toContain('name: Exported Empty');
  });
});

describe('permissions', () => {
  it('viewers and support read; only owner, admin and integrator write, import and publish', async () => {
    const viewer = await tokenWithRole(server, 'viewer');
    const support = await tokenWithRole(server, 'support');
    const integrator = await tokenWithRole(server, 'integrator');
    const { id } = await createIntegration({ name: 'Guarded' }, integrator);

    for (const token of [viewer, support]) {
      expect((await server.api('GET', '/api/integrations', { token })).status).toBe(200);
      expect((await server.api('GET', `/api/integrations/${id}`, { token })).status).toBe(200);
      expect((await server.api('GET', `/api/integrations/${id}/export`, { token })).status).toBe(200);
      expect((await server.api('GET', `/api/integrations/${id}/versions`, { token })).status).toBe(200);
      expect((await server.api('GET', `/api/integrations/${id}/attachments`, { token })).status).toBe(200);
      const refused = [
        await server.api('POST', '/api/integrations', { token, body: { name: 'Nope' } }),
        await server.api('POST', '/api/integrations/import', { token, body: { definition: 'x' } }),
        await server.api('PATCH', `/api/integrations/${id}`, { token, body: { description: 'x' } }),
        await server.api('POST', `/api/integrations/${id}/publish`, { token, body: { comment: 'x' } }),
        await server.api('PATCH', `/api/integrations/${id}/versions/1`, {
          token,
          body: { available: false },
        }),
        await server.api('POST', `/api/integrations/${id}/fork`, { token, body: { name: 'Nope' } }),
        await server.api('DELETE', `/api/integrations/${id}`, { token }),
        await server.api('PUT', `/api/integrations/${id}/icon`, {
          token,
          rawBody: png,
          headers: { 'content-type': 'image/png' },
        }),
        await server.api('POST', `/api/integrations/${id}/attachments?name=x`, {
          token,
          rawBody: 'x',
          headers: { 'content-type': 'text/plain' },
        }),
      ];
      for (const answer of refused) {
        expect(answer.status).toBe(403);
        expect(answer.body.error.code).toBe('AUTH_FORBIDDEN');
        expect(answer.body.error.details.allowedRoles).toEqual(['owner', 'admin', 'integrator']);
      }
    }
    expect((await server.api('GET', `/api/integrations/${id}`)).body.name).toBe('Guarded');
  });
});

describe('tenancy', () => {
  it("answers 404 for another organization's integration on every route, and never lists it", async () => {
    const { id } = await createIntegration({ name: 'Ours Only' });
    const other = await createOrganization(server.weft.database.db, { name: 'Other org' });
    const token = other.ownerToken;
    const answers = [
      await server.api('GET', `/api/integrations/${id}`, { token }),
      await server.api('PATCH', `/api/integrations/${id}`, { token, body: { name: 'Stolen' } }),
      await server.api('DELETE', `/api/integrations/${id}?force=true`, { token }),
      await server.api('GET', `/api/integrations/${id}/export`, { token }),
      await server.api('POST', `/api/integrations/${id}/fork`, { token, body: { name: 'Stolen copy' } }),
      await server.api('POST', `/api/integrations/${id}/publish`, { token, body: { comment: 'x' } }),
      await server.api('GET', `/api/integrations/${id}/versions`, { token }),
      await server.api('GET', `/api/integrations/${id}/icon`, { token }),
      await server.api('GET', `/api/integrations/${id}/attachments`, { token }),
      await server.api('POST', `/api/integrations/${id}/attachments?name=x`, {
        token,
        rawBody: 'x',
        headers: { 'content-type': 'text/plain' },
      }),
      await server.api('POST', '/api/integrations/import', {
        token,
        body: { definition: 'definitionVersion: 7', integrationId: id },
      }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('INTEGRATION_NOT_FOUND');
    }
    expect((await server.api('GET', '/api/integrations', { token })).body.items).toEqual([]);

    // Nor by the id of one of its attachments or versions, nor its icon, on any route that names them.
    await server.api('PUT', `/api/integrations/${id}/icon`, {
      rawBody: png,
      headers: { 'content-type': 'image/png' },
    });
    const attachment = (
      await server.api('POST', `/api/integrations/${id}/attachments?name=secret.txt`, {
        rawBody: 'ours',
        headers: { 'content-type': 'text/plain' },
      })
    ).body;
    const [org] = await sqlQuery<{ org_id: string }>(
      server,
      'select org_id from integrations where id = $1',
      [id],
    );
    await sqlQuery(
      server,
      `insert into integration_versions (org_id, integration_id, version_number, definition, is_code_native)
       values ($1, $2, 1, '{"name": "Ours Only", "flows": []}'::jsonb, false)`,
      [org!.org_id, id],
    );
    const theirs = (await server.api('POST', '/api/integrations', { token, body: { name: 'Theirs' } })).body;
    const byId = [
      await server.api('GET', `/api/integrations/${id}/attachments/${attachment.id}`, { token }),
      await server.api('DELETE', `/api/integrations/${id}/attachments/${attachment.id}`, { token }),
      await server.api('GET', `/api/integrations/${id}/versions/1`, { token }),
      await server.api('PATCH', `/api/integrations/${id}/versions/1`, { token, body: { available: false } }),
      await server.api('GET', `/api/integrations/${id}/export?version=1`, { token }),
      await server.api('PUT', `/api/integrations/${id}/icon`, {
        token,
        rawBody: png,
        headers: { 'content-type': 'image/png' },
      }),
      await server.api('DELETE', `/api/integrations/${id}/icon`, { token }),
    ];
    for (const answer of byId) expect(answer.body.error.code).toBe('INTEGRATION_NOT_FOUND');
    // Their own integration with our attachment's id finds nothing either.
    const crossed = await server.api('GET', `/api/integrations/${theirs.id}/attachments/${attachment.id}`, {
      token,
    });
    expect(crossed.body.error.code).toBe('INTEGRATION_ATTACHMENT_NOT_FOUND');
    expect((await server.api('GET', `/api/integrations/${id}/attachments/${attachment.id}`)).text).toBe(
      'ours',
    );
    expect((await server.api('GET', `/api/integrations/${id}/versions/1`)).body.available).toBe(true);
    expect((await server.api('GET', `/api/integrations/${id}/icon`)).status).toBe(200);
    // Names are unique per organization only.
    expect(
      (await server.api('POST', '/api/integrations', { token, body: { name: 'Ours Only' } })).status,
    ).toBe(201);
    expect((await server.api('GET', `/api/integrations/${id}`)).body.name).toBe('Ours Only');
    expect((await server.api('GET', '/api/integrations/not-a-uuid')).status).toBe(404);
  });
});

describe('OpenAPI', () => {
  it('documents the integration routes', async () => {
    const doc = (await server.api('GET', '/api/openapi.json', { token: null })).body;
    for (const path of [
      '/api/integrations',
      '/api/integrations/import',
      '/api/integrations/{id}',
      '/api/integrations/{id}/icon',
      '/api/integrations/{id}/attachments/{attachmentId}',
      '/api/integrations/{id}/publish',
      '/api/integrations/{id}/versions/{versionNumber}',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});
