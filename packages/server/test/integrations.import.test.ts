// Issue 3: importing YAML definitions (create, replace the draft with stable keys kept, renameAttributes, problems
// with line and column), export, publishing numbered immutable versions, availability, and forks of real drafts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { definitionYaml, sqlQuery, tokenWithRole } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

type Flow = { name: string; stableKey: string };
type ConfigVar = { key: string; stableKey: string };

async function importYaml(body: Record<string, unknown>, expected = 201) {
  const answer = await server.api('POST', '/api/integrations/import', { body });
  expect(answer.status, answer.text).toBe(expected);
  return answer.body;
}

async function draftOf(id: string) {
  const answer = await server.api('GET', `/api/integrations/${id}`);
  expect(answer.status).toBe(200);
  return answer.body.definition as {
    name: string;
    description: string;
    flows: Flow[];
    configVars: ConfigVar[];
  };
}

function stableKeys(
  items: Array<{ name?: string; key?: string; stableKey: string }>,
): Record<string, string> {
  return Object.fromEntries(items.map((item) => [item.name ?? item.key, item.stableKey]));
}

function expectProblemShape(problem: Record<string, unknown>): void {
  expect(problem).toMatchObject({
    code: expect.any(String),
    severity: expect.stringMatching(/^(error|warning)$/),
    message: expect.any(String),
    line: expect.any(Number),
    column: expect.any(Number),
    path: expect.any(String),
  });
  expect(problem.line).toBeGreaterThanOrEqual(1);
  expect(problem.column).toBeGreaterThanOrEqual(1);
}

describe('import', () => {
  it('creates an integration from YAML (201), then replaces its draft (200) keeping stable keys', async () => {
    const created = await importYaml({
      definition: definitionYaml({
        name: 'Orders Sync',
        category: 'Commerce',
        labels: ['orders', 'sync'],
        flows: ['Sync Orders', 'Refund Orders'],
        configVars: ['API Base URL'],
      }),
      fileName: 'orders.yaml',
    });
    expect(created).toMatchObject({
      name: 'Orders Sync',
      description: 'Sends orders to the warehouse',
      category: 'Commerce',
      labels: ['orders', 'sync'],
      flowCount: 2,
      configVarCount: 1,
      isCodeNative: false,
      created: true,
      warnings: expect.any(Array),
    });
    const id = created.id as string;
    const first = await draftOf(id);
    expect(first.flows.map((f) => f.name)).toEqual(['Sync Orders', 'Refund Orders']);
    const firstKeys = stableKeys(first.flows);
    expect(firstKeys['Sync Orders']).toEqual(expect.any(String));
    expect(firstKeys['Sync Orders']).not.toBe(firstKeys['Refund Orders']);
    const firstVarKeys = stableKeys(first.configVars);

    // The same definition again, without integrationId: the name is taken, and the answer says how to update.
    const taken = await server.api('POST', '/api/integrations/import', {
      body: { definition: definitionYaml({ name: 'orders sync' }) },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({
      code: 'INTEGRATION_NAME_TAKEN',
      details: { integrationId: id },
    });
    expect(taken.body.error.message).toContain('integrationId');

    // Reordered, one flow added, description changed: matched flows keep their stable keys.
    const replaced = await importYaml(
      {
        definition: definitionYaml({
          name: 'Orders Sync',
          description: 'Now with refunds first',
          flows: ['Refund Orders', 'Sync Orders', 'Cancel Orders'],
          configVars: ['API Base URL'],
        }),
        integrationId: id,
      },
      200,
    );
    expect(replaced).toMatchObject({
      id,
      created: false,
      flowCount: 3,
      description: 'Now with refunds first',
    });
    const second = await draftOf(id);
    const secondKeys = stableKeys(second.flows);
    expect(secondKeys['Sync Orders']).toBe(firstKeys['Sync Orders']);
    expect(secondKeys['Refund Orders']).toBe(firstKeys['Refund Orders']);
    expect(Object.values(firstKeys)).not.toContain(secondKeys['Cancel Orders']);
    expect(stableKeys(second.configVars)).toEqual(firstVarKeys);
  });

  it('follows renameAttributes: a renamed flow and config variable keep their stable keys', async () => {
    const created = await importYaml({
      definition: definitionYaml({ name: 'Rename Me', flows: ['Old Flow'], configVars: ['Old Var'] }),
    });
    const before = await draftOf(created.id);
    await importYaml(
      {
        definition: definitionYaml({
          name: 'Rename Me',
          flows: ['New Flow'],
          configVars: ['New Var'],
          extra:
            'renameAttributes:\n  flows:\n    - oldName: Old Flow\n      newName: New Flow\n  requiredConfigVars:\n    - oldName: Old Var\n      newName: New Var\n',
        }),
        integrationId: created.id,
      },
      200,
    );
    const after = await draftOf(created.id);
    expect(after.flows.map((f) => f.name)).toEqual(['New Flow']);
    expect(after.flows[0]!.stableKey).toBe(before.flows[0]!.stableKey);
    expect(after.configVars[0]).toMatchObject({ key: 'New Var', stableKey: before.configVars[0]!.stableKey });
  });

  it('answers 422 DEFINITION_INVALID with problems that carry file, line and column; nothing is stored', async () => {
    const count = async () => (await server.api('GET', '/api/integrations?limit=500')).body.items.length;
    const before = await count();

    const broken = 'definitionVersion: 7\nname: Broken\nflows:\n  - name: [unclosed\n';
    const syntax = await server.api('POST', '/api/integrations/import', {
      body: { definition: broken, fileName: 'broken.yaml' },
    });
    expect(syntax.status).toBe(422);
    expect(syntax.body.error.code).toBe('DEFINITION_INVALID');
    const problems = syntax.body.error.details.problems as Array<Record<string, unknown>>;
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) expectProblemShape(problem);
    expect(problems[0]).toMatchObject({ file: 'broken.yaml', severity: 'error' });
    expect(problems[0]!.line).toBeGreaterThanOrEqual(4);
    expect(syntax.body.error.message).toContain('broken.yaml:');

    // A step using a component nobody has: the problem points at that step.
    const text = definitionYaml({ name: 'Unknown Component' }).replace('key: log', 'key: no-such-component');
    const lines = text.split('\n');
    const componentLine = lines.findIndex((line) => line.includes('no-such-component')) + 1;
    const stepLine = lines.findIndex((line) => line.includes('- name: Write Log')) + 1;
    const unknown = await server.api('POST', '/api/integrations/import', {
      body: { definition: text, fileName: 'unknown.yaml' },
    });
    expect(unknown.status).toBe(422);
    const componentProblem = (unknown.body.error.details.problems as Array<Record<string, unknown>>).find(
      (p) => p.code === 'COMPONENT_UNKNOWN',
    );
    expect(componentProblem).toBeDefined();
    expect(componentProblem!.line).toBeGreaterThanOrEqual(stepLine);
    expect(componentProblem!.line).toBeLessThanOrEqual(componentLine);
    expect(componentProblem!.path).toContain('flows[0]');
    expect(await count()).toBe(before);

    // Into an existing integration: its draft stays as it was.
    const existing = await importYaml({ definition: definitionYaml({ name: 'Keeps Its Draft' }) });
    const draftBefore = await draftOf(existing.id);
    const refused = await server.api('POST', '/api/integrations/import', {
      body: { definition: broken, integrationId: existing.id },
    });
    expect(refused.status).toBe(422);
    expect(await draftOf(existing.id)).toEqual(draftBefore);
  });

  // Review of issue 3: the JSON routes refuse a blank name or 300 labels, but an imported definition's metadata was
  // stored as it came: `name: "   "` made an integration with an empty name (and a second one a 409 about "''").
  it('holds imported metadata to the limits of the JSON routes (422 with the line of the field)', async () => {
    const count = async () => (await server.api('GET', '/api/integrations?limit=500')).body.items.length;
    const before = await count();
    const cases: Array<{ yaml: string; path: string; says: string }> = [
      { yaml: definitionYaml({ name: '"   "' }), path: 'name', says: 'name is blank' },
      { yaml: definitionYaml({ name: 'x'.repeat(201) }), path: 'name', says: 'at most 200' },
      {
        yaml: definitionYaml({ name: 'Many Labels', labels: Array.from({ length: 51 }, (_, i) => `l${i}`) }),
        path: 'labels',
        says: 'at most 50',
      },
      {
        yaml: definitionYaml({ name: 'Long Label', labels: ['y'.repeat(65)] }),
        path: 'labels',
        says: 'at most 64',
      },
      {
        yaml: definitionYaml({ name: 'Long Category', category: 'c'.repeat(201) }),
        path: 'category',
        says: 'at most 200',
      },
    ];
    for (const { yaml, path, says } of cases) {
      const answer = await server.api('POST', '/api/integrations/import', {
        body: { definition: yaml, fileName: 'meta.yaml' },
      });
      expect(answer.status, path).toBe(422);
      expect(answer.body.error.code).toBe('DEFINITION_INVALID');
      const problem = (answer.body.error.details.problems as Array<Record<string, unknown>>).find(
        (p) => p.path === path,
      );
      expectProblemShape(problem!);
      expect(problem).toMatchObject({ severity: 'error', file: 'meta.yaml' });
      expect(problem!.message).toContain(says);
      const fieldLine = yaml.split('\n').findIndex((line) => line.startsWith(`${path}:`)) + 1;
      expect(problem!.line).toBe(fieldLine);
    }
    expect(await count()).toBe(before);

    // Replacing a draft is held to the same limits; surrounding blanks are trimmed away in draft and columns alike.
    const existing = await importYaml({ definition: definitionYaml({ name: '"  Trimmed Name  "' }) });
    expect(existing.name).toBe('Trimmed Name');
    expect((await draftOf(existing.id)).name).toBe('Trimmed Name');
    const blank = await server.api('POST', '/api/integrations/import', {
      body: { definition: definitionYaml({ name: '""' }), integrationId: existing.id },
    });
    expect(blank.status).toBe(422);
    expect((await draftOf(existing.id)).name).toBe('Trimmed Name');
  });

  it('answers 404 for an integrationId that does not exist', async () => {
    const answer = await server.api('POST', '/api/integrations/import', {
      body: {
        definition: definitionYaml({ name: 'Nowhere' }),
        integrationId: '00000000-0000-4000-8000-000000000000',
      },
    });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('INTEGRATION_NOT_FOUND');
  });
});

describe('export', () => {
  it('exports the draft as YAML that imports back into the same definition', async () => {
    const created = await importYaml({
      definition: definitionYaml({
        name: 'Round Trip',
        flows: ['One', 'Two'],
        configVars: ['Token', 'Region'],
      }),
    });
    const exported = await server.api('GET', `/api/integrations/${created.id}/export`);
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-type')).toContain('application/yaml');
    expect(exported.text).toContain('name: Round Trip');
    const before = await draftOf(created.id);
    await importYaml({ definition: exported.text, integrationId: created.id }, 200);
    expect(await draftOf(created.id)).toEqual(before);
  });

  it('carries metadata changed through PATCH', async () => {
    const created = await importYaml({ definition: definitionYaml({ name: 'Patched Then Exported' }) });
    await server.api('PATCH', `/api/integrations/${created.id}`, {
      body: { name: 'Renamed Export', category: 'Ops' },
    });
    const draft = await draftOf(created.id);
    expect(draft.flows).toHaveLength(1);
    const exported = (await server.api('GET', `/api/integrations/${created.id}/export`)).text;
    expect(exported).toContain('name: Renamed Export');
    expect(exported).toContain('category: Ops');
  });
});

describe('publish and versions', () => {
  it('numbers versions 1, 2, ... with their comments; versions never change afterwards', async () => {
    const created = await importYaml({
      definition: definitionYaml({ name: 'Versioned', flows: ['First Flow'] }),
    });
    const id = created.id as string;

    const v1 = await server.api('POST', `/api/integrations/${id}/publish`, {
      body: { comment: 'first release' },
    });
    expect(v1.status, v1.text).toBe(201);
    expect(v1.body).toMatchObject({
      integrationId: id,
      versionNumber: 1,
      comment: 'first release',
      available: true,
      isCodeNative: false,
      publishedByTokenId: expect.any(String),
    });
    const exportV1 = (await server.api('GET', `/api/integrations/${id}/export?version=1`)).text;
    const definitionV1 = (await server.api('GET', `/api/integrations/${id}/versions/1`)).body.definition;
    expect(definitionV1.flows.map((f: Flow) => f.name)).toEqual(['First Flow']);

    // Change the draft: version 1 stays as published.
    await importYaml(
      {
        definition: definitionYaml({ name: 'Versioned', flows: ['First Flow', 'Second Flow'] }),
        integrationId: id,
      },
      200,
    );
    await server.api('PATCH', `/api/integrations/${id}`, { body: { description: 'changed after v1' } });
    const again = await server.api('GET', `/api/integrations/${id}/versions/1`);
    expect(again.body.definition).toEqual(definitionV1);
    expect((await server.api('GET', `/api/integrations/${id}/export?version=1`)).text).toBe(exportV1);

    const v2 = await server.api('POST', `/api/integrations/${id}/publish`, {
      body: { comment: 'second flow' },
    });
    expect(v2.body.versionNumber).toBe(2);
    expect(
      (await server.api('GET', `/api/integrations/${id}/versions/2`)).body.definition.flows,
    ).toHaveLength(2);
    const list = await server.api('GET', `/api/integrations/${id}/versions`);
    expect(
      list.body.items.map((v: { versionNumber: number; comment: string }) => [v.versionNumber, v.comment]),
    ).toEqual([
      [2, 'second flow'],
      [1, 'first release'],
    ]);
    expect((await server.api('GET', `/api/integrations/${id}`)).body.latestVersionNumber).toBe(2);
    // The draft exports differently from version 1 now.
    expect((await server.api('GET', `/api/integrations/${id}/export`)).text).not.toBe(exportV1);
  });

  it('marks a version unavailable and available again', async () => {
    const created = await importYaml({ definition: definitionYaml({ name: 'Availability' }) });
    await server.api('POST', `/api/integrations/${created.id}/publish`, { body: { comment: '' } });
    const off = await server.api('PATCH', `/api/integrations/${created.id}/versions/1`, {
      body: { available: false },
    });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ versionNumber: 1, available: false });
    expect(
      (await server.api('GET', `/api/integrations/${created.id}/versions`)).body.items[0].available,
    ).toBe(false);
    const on = await server.api('PATCH', `/api/integrations/${created.id}/versions/1`, {
      body: { available: true },
    });
    expect(on.body.available).toBe(true);
    const other = await server.api('PATCH', `/api/integrations/${created.id}/versions/1`, {
      body: { available: true, comment: 'rewrite history' },
    });
    expect(other.status).toBe(400);
  });

  it('gives concurrent publishes distinct, consecutive numbers', async () => {
    const created = await importYaml({ definition: definitionYaml({ name: 'Busy Publisher' }) });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        server.api('POST', `/api/integrations/${created.id}/publish`, { body: { comment: `parallel ${i}` } }),
      ),
    );
    for (const answer of answers) expect(answer.status, answer.text).toBe(201);
    const numbers = answers.map((a) => a.body.versionNumber as number).sort((a, b) => a - b);
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('validates the draft again at publish time (422 DEFINITION_INVALID)', async () => {
    const created = await importYaml({ definition: definitionYaml({ name: 'Rotted Draft' }) });
    // As if the component the draft uses had been removed from the catalog since the import.
    await sqlQuery(
      server,
      `update integrations set definition = jsonb_set(definition, '{flows,0,steps,0,action,component,key}', '"removed-component"')
       where id = $1`,
      [created.id],
    );
    const answer = await server.api('POST', `/api/integrations/${created.id}/publish`, {
      body: { comment: 'x' },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('DEFINITION_INVALID');
    expect(
      answer.body.error.details.problems.some((p: { code: string }) => p.code === 'COMPONENT_UNKNOWN'),
    ).toBe(true);
    expect((await server.api('GET', `/api/integrations/${created.id}/versions`)).body.items).toEqual([]);
  });

  it('lets neither a viewer nor support publish or import', async () => {
    const created = await importYaml({ definition: definitionYaml({ name: 'Not Yours To Publish' }) });
    for (const role of ['viewer', 'support']) {
      const token = await tokenWithRole(server, role);
      const publish = await server.api('POST', `/api/integrations/${created.id}/publish`, {
        token,
        body: { comment: 'x' },
      });
      expect(publish.status).toBe(403);
      const imported = await server.api('POST', '/api/integrations/import', {
        token,
        body: { definition: definitionYaml({ name: 'Not Yours To Publish' }), integrationId: created.id },
      });
      expect(imported.status).toBe(403);
    }
    expect((await server.api('GET', `/api/integrations/${created.id}/versions`)).body.items).toEqual([]);
  });
});

describe('fork of a real draft', () => {
  it('copies the flows (same names and stable keys) but not the versions', async () => {
    const created = await importYaml({
      definition: definitionYaml({ name: 'Fork Me', flows: ['A Flow', 'B Flow'] }),
    });
    await server.api('POST', `/api/integrations/${created.id}/publish`, { body: { comment: 'v1' } });
    const fork = await server.api('POST', `/api/integrations/${created.id}/fork`, {
      body: { name: 'Forked' },
    });
    expect(fork.status).toBe(201);
    expect(fork.body).toMatchObject({ flowCount: 2, latestVersionNumber: null });
    const source = await draftOf(created.id);
    const copy = await draftOf(fork.body.id);
    expect(copy.name).toBe('Forked');
    expect(copy.flows).toEqual(source.flows);
    expect((await server.api('GET', `/api/integrations/${fork.body.id}/versions`)).body.items).toEqual([]);
    // The copy publishes on its own numbering.
    const v1 = await server.api('POST', `/api/integrations/${fork.body.id}/publish`, {
      body: { comment: 'fork v1' },
    });
    expect(v1.body.versionNumber).toBe(1);
  });
});
