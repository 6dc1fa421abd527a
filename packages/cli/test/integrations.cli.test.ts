// Issue 3: the `weft integrations:*` commands against a running server: import (YAML, bundle, code-native project),
// problems printed as FILE:LINE:COL, publish, export, versions, list, fork, delete with instances, attachments, icons.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codeNativeBundle } from '../../server/test/support/integration-fixtures.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const codeNativeExample = path.join(repositoryRoot, 'examples/code-native-integration');

let server: TestServer;
let scratch: string;
beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-cli-integrations-'));
});
afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** `weft <args>` as the owner, run in `cwd` (the fixtures directory unless told). */
function weftAsOwner(args: string[], cwd = fixtures, timeoutMs?: number): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], {
    env: cleanEnv(),
    cwd,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

function weft(...args: string[]): Promise<RunResult> {
  return weftAsOwner(args);
}

/** Expects a successful run with nothing on stderr, and returns its stdout. */
function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

function tableOf(stdout: string): { header: string; rows: string[] } {
  const [header = '', ...rows] = stdout.trimEnd().split('\n');
  return { header, rows };
}

async function sql<Row = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as Row[];
  } finally {
    await client.end();
  }
}

/**
 * A copy of a fixture in the scratch directory with the integration renamed (every test needs its own name: names
 * are unique in the organization) and any other replacements; returns its absolute path.
 */
async function fixtureCopy(
  fixture: string,
  name: string,
  replacements: Array<[string, string]> = [],
): Promise<string> {
  let text = await fs.readFile(path.join(fixtures, fixture), 'utf8');
  text = text.replace(/^name: .*$/m, `name: ${name}`);
  for (const [from, to] of replacements) text = text.replaceAll(from, to);
  const file = path.join(
    scratch,
    `${name.replace(/\W+/g, '-').toLowerCase()}-${randomBytes(3).toString('hex')}.yaml`,
  );
  await fs.writeFile(file, text);
  return file;
}

/** Imports a renamed copy of `fixture` and returns the new integration's id. */
async function imported(fixture: string, name: string): Promise<string> {
  const stdout = succeeded(await weft('integrations:import', '--path', await fixtureCopy(fixture, name)));
  expect(stdout).toMatch(new RegExp(`^${uuid}\\n$`));
  return stdout.trim();
}

describe('weft integrations:import', () => {
  it('imports a YAML definition and prints only the new id; --json prints {id, created, warnings}', async () => {
    const file = await fixtureCopy('order-sync.yaml', 'Import Plain');
    const id = succeeded(await weft('integrations:import', '--path', file)).trim();
    expect(id).toMatch(new RegExp(`^${uuid}$`));
    const stored = await server.api('GET', `/api/integrations/${id}`);
    expect(stored.body).toMatchObject({
      id,
      name: 'Import Plain',
      description: 'Sends new orders from the storefront to Acme ERP',
      category: 'ERP',
      labels: ['erp', 'orders'],
      flowCount: 1,
      configVarCount: 1,
      latestVersionNumber: null,
      isCodeNative: false,
    });

    const json = JSON.parse(
      succeeded(
        await weft(
          '--json',
          'integrations:import',
          '--path',
          await fixtureCopy('order-sync.yaml', 'Import Json'),
        ),
      ),
    );
    expect(json).toEqual({ id: expect.stringMatching(new RegExp(`^${uuid}$`)), created: true, warnings: [] });
    expect((await server.api('GET', `/api/integrations/${json.id}`)).body.name).toBe('Import Json');
  });

  it('re-importing with --integration replaces the draft of the same integration', async () => {
    const id = await imported('order-sync.yaml', 'Reimported');
    const revised = await fixtureCopy('order-sync-v2.yaml', 'Reimported');
    const again = JSON.parse(
      succeeded(await weft('integrations:import', '--path', revised, '--integration', id, '--json')),
    );
    expect(again).toEqual({ id, created: false, warnings: [] });
    expect(succeeded(await weft('integrations:export', id))).toContain('(v2)');
    expect((await server.api('GET', '/api/integrations?search=Reimported')).body.items).toHaveLength(1);

    // Without --integration the name is taken: the error says how to update instead.
    const clash = await weft('integrations:import', '--path', revised);
    expect(clash).toMatchObject({ code: 1, stdout: '' });
    expect(clash.stderr).toMatch(/^Error \[INTEGRATION_NAME_TAKEN\]: .*'Reimported'.*--integration/);
  });

  it('a broken definition prints one FILE:LINE:COL line per problem, with the path as typed, and exits 1', async () => {
    const reference = await weft('integrations:import', '--path', 'broken-reference.yaml');
    expect(reference).toMatchObject({ code: 1, stdout: '' });
    const lines = reference.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^broken-reference\.yaml:27:45: .*'postOrdr'.*did you mean 'postOrder'/),
      expect.stringMatching(/^broken-reference\.yaml:34:45: .*'Warehouse Region'/),
      'Error [DEFINITION_INVALID]: 2 problems in broken-reference.yaml; nothing was imported.',
    ]);

    // A path typed from another directory is printed as typed.
    const indentation = await weftAsOwner(
      ['integrations:import', '--path', 'fixtures/broken-indentation.yaml'],
      path.dirname(fixtures.replace(/\/$/, '')),
    );
    expect(indentation).toMatchObject({ code: 1, stdout: '' });
    const [first, ...rest] = indentation.stderr.trimEnd().split('\n');
    expect(first).toMatch(/^fixtures\/broken-indentation\.yaml:13:\d+: \S/);
    expect(rest.at(-1)).toMatch(
      /^Error \[DEFINITION_INVALID\]: \d+ problems? in fixtures\/broken-indentation\.yaml; nothing was imported\.$/,
    );
    for (const line of rest.slice(0, -1))
      expect(line).toMatch(/^fixtures\/broken-indentation\.yaml:\d+:\d+: /);

    // Nothing was stored.
    const [brokenRef, brokenIndent] = await Promise.all([
      server.api('GET', '/api/integrations?search=Broken%20Reference'),
      server.api('GET', '/api/integrations?search=Broken%20Indentation'),
    ]);
    expect([...brokenRef.body.items, ...brokenIndent.body.items]).toEqual([]);
  });

  it('a missing file exits 1 naming it; a file that is not a definition is a usage error (exit 2)', async () => {
    const json = path.join(scratch, 'definition.json');
    await fs.writeFile(json, '{"definitionVersion": 7}');
    const [missing, wrongKind] = await Promise.all([
      weft('integrations:import', '--path', 'no-such-file.yaml'),
      weft('integrations:import', '--path', json),
    ]);
    expect(missing).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: "Error: Cannot read 'no-such-file.yaml': no such file or directory.\n",
    });
    expect(wrongKind).toMatchObject({ code: 2, stdout: '' });
    expect(wrongKind.stderr).toContain(`'${json}' is not something to import`);
  });

  it('imports a code-native bundle (.js) as a code-native integration', async () => {
    const file = path.join(scratch, 'acme-sync.js');
    await fs.writeFile(file, codeNativeBundle({ key: 'cli-acme-sync', name: 'CLI Acme Sync' }));
    const { id } = JSON.parse(succeeded(await weft('--json', 'integrations:import', '--path', file)));
    expect((await server.api('GET', `/api/integrations/${id}`)).body).toMatchObject({
      name: 'CLI Acme Sync',
      isCodeNative: true,
      flowCount: 1,
    });
  });

  it('builds a code-native project directory (examples/code-native-integration), says so on stderr, and imports the bundle', async () => {
    const result = await weftAsOwner(
      ['integrations:import', '--path', codeNativeExample, '--json'],
      fixtures,
      120_000,
    );
    expect(result, result.stderr).toMatchObject({ code: 0 });
    expect(result.stderr).toMatch(/Building .*…\n(.*\n)*.*Uploading .*…\n/);
    const { id, created } = JSON.parse(result.stdout);
    expect(created).toBe(true);
    const stored = await server.api('GET', `/api/integrations/${id}`);
    expect(stored.body).toMatchObject({ isCodeNative: true });
    expect(stored.body.flowCount).toBeGreaterThan(0);
  });

  it('a code-native project that does not build prints FILE:LINE:COL lines and uploads nothing', async () => {
    const project = path.join(scratch, 'broken-project');
    await fs.mkdir(path.join(project, 'src'), { recursive: true });
    await fs.writeFile(
      path.join(project, 'src/index.ts'),
      "import { integration } from '@weft/sdk';\nexport default integration({ name: 'Never Built' ;\n",
    );
    const result = await weft('integrations:import', '--path', project);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`• Building ${project}…`);
    expect(lines[1]).toMatch(new RegExp(`^${project}/src/index\\.ts:2:\\d+: `));
    expect(lines.at(-1)).toMatch(
      new RegExp(`^Error \\[BUILD_FAILED\\]: \\d+ problems? building '${project}'; nothing was imported\\.$`),
    );
    expect(result.stderr).not.toContain('Uploading');
    expect((await server.api('GET', '/api/integrations?search=Never%20Built')).body.items).toEqual([]);
  });
});

describe('weft integrations:publish, export and versions', () => {
  it('publish --json gives version 1, then 2; the text form names the integration', async () => {
    const id = await imported('order-sync.yaml', 'Publishable');
    const first = JSON.parse(
      succeeded(await weft('integrations:publish', id, '--comment', 'First release', '--json')),
    );
    expect(first).toMatchObject({
      id: expect.stringMatching(new RegExp(`^${uuid}$`)),
      integrationId: id,
      versionNumber: 1,
      comment: 'First release',
      available: true,
    });
    const second = JSON.parse(
      succeeded(await weft('--json', 'integrations:publish', id, '--comment', 'Second release')),
    );
    expect(second).toMatchObject({ integrationId: id, versionNumber: 2 });
    expect(second.id).not.toBe(first.id);
    expect(succeeded(await weft('integrations:publish', id, '-c', 'Third'))).toBe(
      'Published version 3 of Publishable\n',
    );

    // An empty draft has nothing to publish.
    const empty = succeeded(await weft('--json', 'integrations:create', '--name', 'Empty Draft'));
    const refused = await weft('integrations:publish', JSON.parse(empty).id, '--comment', 'nothing');
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^Error \[INTEGRATION_HAS_NO_FLOWS\]: /);
  });

  it('a draft that no longer validates is not published: its problems point into the exported draft.yaml', async () => {
    const id = await imported('order-sync.yaml', 'Gone Stale');
    // As if the log component had lost its action since the import: the draft now names an unknown action.
    await sql(
      `update integrations set definition = jsonb_set(definition, '{flows,0,steps,1,action,key}', '"writeLogg"')
       where id = $1`,
      [id],
    );
    const draft = succeeded(await weft('integrations:export', id)).split('\n');
    const line = draft.findIndex((text) => text.includes('key: writeLogg')) + 1;
    expect(line).toBeGreaterThan(0);

    const refused = await weft('integrations:publish', id, '--comment', 'stale');
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(new RegExp(`^draft\\.yaml:${line}:\\d+: .*writeLogg`)),
      'Error [DEFINITION_INVALID]: 1 problem in the draft; nothing was published.',
    ]);
    expect((await server.api('GET', `/api/integrations/${id}/versions`)).body.items).toEqual([]);
  });

  it('export prints exactly the YAML, which imports again; --version N shows that version, not the draft', async () => {
    const id = await imported('order-sync.yaml', 'Exportable');
    const answer = await server.api('GET', `/api/integrations/${id}/export`);
    const exported = succeeded(await weft('integrations:export', id));
    expect(exported).toBe(answer.text);
    expect(exported).toMatch(/^definitionVersion: 7$/m);
    expect(exported).toMatch(/^name: Exportable$/m);
    expect(exported).toContain('Sent {{$integrationTrigger.results.body.data.count}} orders');

    // The export is a definition: it imports as a new integration (renamed) with the same shape.
    const copy = path.join(scratch, 'exported.yaml');
    await fs.writeFile(copy, exported.replace(/^name: Exportable$/m, 'name: Exported Copy'));
    const copyId = succeeded(await weft('integrations:import', '--path', copy)).trim();
    expect((await server.api('GET', `/api/integrations/${copyId}`)).body).toMatchObject({
      name: 'Exported Copy',
      flowCount: 1,
      configVarCount: 1,
      labels: ['erp', 'orders'],
    });

    // Version 1, then a changed draft: --version 1 still shows version 1.
    succeeded(await weft('integrations:publish', id, '--comment', 'v1'));
    succeeded(
      await weft(
        'integrations:import',
        '--path',
        await fixtureCopy('order-sync-v2.yaml', 'Exportable'),
        '--integration',
        id,
      ),
    );
    const [draft, versionOne] = await Promise.all([
      weft('integrations:export', id),
      weft('integrations:export', id, '--version', '1'),
    ]);
    expect(succeeded(draft)).toContain('(v2)');
    expect(succeeded(versionOne)).not.toContain('(v2)');
    expect(versionOne.stdout).toContain('Sent {{$integrationTrigger.results.body.data.count}} orders');

    const [noVersion, badVersion] = await Promise.all([
      weft('integrations:export', id, '--version', '9'),
      weft('integrations:export', id, '--version', 'latest'),
    ]);
    expect(noVersion).toMatchObject({ code: 1, stdout: '' });
    expect(noVersion.stderr).toMatch(/^Error \[INTEGRATION_VERSION_NOT_FOUND\]: /);
    expect(badVersion).toMatchObject({ code: 2, stdout: '' });
  });

  it('versions lists newest first; versions:unavailable and versions:available flip a version', async () => {
    const id = await imported('order-sync.yaml', 'Versioned');
    succeeded(await weft('integrations:publish', id, '--comment', 'Initial release'));
    succeeded(await weft('integrations:publish', id, '--comment', 'Retry posts'));

    expect(succeeded(await weft('integrations:versions:unavailable', id, '--version', '1'))).toBe(
      'Version 1 is now unavailable\n',
    );
    const table = tableOf(succeeded(await weft('integrations:versions', id)));
    expect(table.header).toMatch(/^VERSION\s+AVAILABLE\s+PUBLISHED\s+ID\s+COMMENT$/);
    expect(table.rows).toEqual([
      expect.stringMatching(new RegExp(`^2\\s+yes\\s+\\d{4}-\\S+\\s+${uuid}\\s+Retry posts$`)),
      expect.stringMatching(new RegExp(`^1\\s+no\\s+\\d{4}-\\S+\\s+${uuid}\\s+Initial release$`)),
    ]);
    expect((await server.api('GET', `/api/integrations/${id}/versions/1`)).body.available).toBe(false);

    const json = JSON.parse(
      succeeded(await weft('integrations:versions:available', id, '-v', '1', '--json')),
    );
    expect(json).toMatchObject({ versionNumber: 1, available: true, integrationId: id });
    const { items } = JSON.parse(succeeded(await weft('integrations:versions', id, '--json')));
    expect(
      items.map((v: { versionNumber: number; available: boolean }) => [v.versionNumber, v.available]),
    ).toEqual([
      [2, true],
      [1, true],
    ]);

    const missing = await weft('integrations:versions:unavailable', id, '--version', '7');
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^Error \[INTEGRATION_VERSION_NOT_FOUND\]: /);
  });
});

describe('weft integrations: list, get, create, update, fork, delete', () => {
  it('list filters by --search and every --label; --json gives items and nextCursor', async () => {
    // One after the other: the list is oldest first.
    for (const body of [
      { name: 'Listed Salesforce Sync', description: 'CRM sync', labels: ['listed', 'crm'] },
      { name: 'Listed Slack Alerts', category: 'Chat', labels: ['listed'] },
      { name: 'Unlisted Thing', labels: ['crm'] },
    ]) {
      expect((await server.api('POST', '/api/integrations', { body })).status).toBe(201);
    }
    const [byLabel, byTwoLabels, bySearch, byCategory] = await Promise.all([
      weft('integrations:list', '--label', 'listed'),
      weft('integrations:list', '--label', 'listed', '--label', 'crm'),
      weft('integrations:list', '--search', 'crm SYNC'), // the description, any case
      weft('integrations:list', '--category', 'Chat', '--json'),
    ]);
    const listed = tableOf(succeeded(byLabel));
    expect(listed.header).toMatch(/^ID\s+NAME\s+CATEGORY\s+LABELS\s+VERSION\s+FLOWS\s+INSTANCES$/);
    expect(listed.rows).toEqual([
      expect.stringMatching(new RegExp(`^${uuid}\\s+Listed Salesforce Sync\\s+listed,crm\\s+-\\s+0\\s+0$`)),
      expect.stringMatching(new RegExp(`^${uuid}\\s+Listed Slack Alerts\\s+Chat\\s+listed\\s+-\\s+0\\s+0$`)),
    ]);
    expect(tableOf(succeeded(byTwoLabels)).rows).toEqual([expect.stringContaining('Listed Salesforce Sync')]);
    expect(tableOf(succeeded(bySearch)).rows).toEqual([expect.stringContaining('Listed Salesforce Sync')]);
    const chat = JSON.parse(succeeded(byCategory));
    expect(chat.items.map((i: { name: string }) => i.name)).toEqual(['Listed Slack Alerts']);
    expect(chat.nextCursor).toBeNull();
    expect(succeeded(await weft('integrations:list', '--search', 'sync crm'))).toBe('(none)\n');
  });

  it('create, get and update: labels, category, documentation from a file, and an icon', async () => {
    const created = succeeded(
      await weft('integrations:create', '--name', 'Hand Made', '-d', 'Made by hand', '--label', 'Manual'),
    );
    const id = new RegExp(`^id\\s+(${uuid})$`, 'm').exec(created)?.[1] ?? '';
    expect(id, created).not.toBe('');
    expect(created).toMatch(/^name\s+Hand Made$/m);
    expect(created).toMatch(/^flows\s+0$/m);

    const docs = path.join(scratch, 'docs.md');
    await fs.writeFile(docs, '# Hand Made\n\nSet it up like **this**.\n');
    const icon = path.join(scratch, 'icon.png');
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), randomBytes(64)]);
    await fs.writeFile(icon, png);
    const updated = succeeded(
      await weft(
        'integrations:update',
        id,
        '--category',
        'Tools',
        '--label',
        'one',
        '--label',
        'two',
        '--documentation-file',
        docs,
        '--icon',
        icon,
      ),
    );
    expect(updated).toMatch(/^category\s+Tools$/m);
    expect(updated).toMatch(/^labels\s+one, two$/m);
    expect(updated).toMatch(/^icon\s+yes$/m);
    const stored = await server.api('GET', `/api/integrations/${id}`);
    expect(stored.body).toMatchObject({
      category: 'Tools',
      labels: ['one', 'two'],
      documentation: '# Hand Made\n\nSet it up like **this**.\n',
      hasIcon: true,
    });
    const iconAnswer = await fetch(new URL(`/api/integrations/${id}/icon`, server.url), {
      headers: { authorization: `Bearer ${server.ownerToken}` },
    });
    expect(iconAnswer.headers.get('content-type')).toMatch(/^image\/png/);
    expect(Buffer.from(await iconAnswer.arrayBuffer()).equals(png)).toBe(true);

    const got = JSON.parse(succeeded(await weft('integrations:get', id, '--json')));
    expect(got).toMatchObject({ id, name: 'Hand Made', category: 'Tools', hasIcon: true });
    expect(got.definition).toBeDefined();

    const [badIcon, missingDocs, nothing] = await Promise.all([
      weft('integrations:update', id, '--icon', docs),
      weft('integrations:update', id, '--name', 'Renamed', '--documentation-file', 'missing.md'),
      weft('integrations:update', id),
    ]);
    expect(badIcon).toMatchObject({ code: 2, stdout: '' });
    expect(badIcon.stderr).toContain('use a .png, .jpg, .jpeg, .svg, .webp or .gif file');
    expect(missingDocs).toMatchObject({ code: 1, stdout: '' });
    expect(missingDocs.stderr).toContain("'missing.md'");
    expect(nothing).toMatchObject({ code: 2, stdout: '' });
    // The refused update changed nothing, not even the name given with the missing file.
    expect((await server.api('GET', `/api/integrations/${id}`)).body.name).toBe('Hand Made');
  });

  it('fork prints the id of a copy of the draft; --json prints the copy', async () => {
    const id = await imported('order-sync.yaml', 'Fork Source');
    const forkId = succeeded(await weft('integrations:fork', id, '--name', 'Forked Copy')).trim();
    expect(forkId).toMatch(new RegExp(`^${uuid}$`));
    expect(forkId).not.toBe(id);
    expect((await server.api('GET', `/api/integrations/${forkId}`)).body).toMatchObject({
      name: 'Forked Copy',
      flowCount: 1,
      latestVersionNumber: null,
    });
    const json = JSON.parse(
      succeeded(await weft('integrations:fork', id, '-n', 'Forked Again', '-d', 'Second copy', '--json')),
    );
    expect(json).toMatchObject({ name: 'Forked Again', description: 'Second copy', flowCount: 1 });
  });

  it('delete refuses while instances exist, saying how many and to pass --force; --force deletes them', async () => {
    const id = await imported('order-sync.yaml', 'Deployed Somewhere');
    const version = JSON.parse(succeeded(await weft('integrations:publish', id, '-c', 'v1', '--json')));
    const customer = (await server.api('POST', '/api/customers', { body: { name: 'Instance Owner' } })).body;
    const [row] = await sql<{ org_id: string }>('select org_id from integrations where id = $1', [id]);
    const orgId = row?.org_id;
    for (const name of ['First Instance', 'Second Instance']) {
      await sql(
        `insert into instances (org_id, customer_id, integration_id, integration_version_id, name)
         values ($1, $2, $3, $4, $5)`,
        [orgId, customer.id, id, version.id, name],
      );
    }

    const refused = await weft('integrations:delete', id);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toBe(
      'Error [INTEGRATION_HAS_INSTANCES]: Deployed Somewhere has 2 instances; nothing was deleted. Pass --force to delete the integration and its 2 instances.\n',
    );
    expect((await server.api('GET', `/api/integrations/${id}`)).status).toBe(200);

    expect(succeeded(await weft('integrations:delete', id, '--force'))).toBe(
      `Deleted integration Deployed Somewhere (${id})\n`,
    );
    expect((await server.api('GET', `/api/integrations/${id}`)).status).toBe(404);
    expect(await sql('select id from instances where integration_id = $1', [id])).toEqual([]);

    const unused = await imported('order-sync.yaml', 'Never Deployed');
    expect(JSON.parse(succeeded(await weft('integrations:delete', unused, '--json')))).toEqual({
      id: unused,
      name: 'Never Deployed',
      deleted: true,
    });
    const gone = await weft('integrations:delete', unused);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toMatch(/^Error \[INTEGRATION_NOT_FOUND\]: /);
  });
});

describe('weft integrations:attachments*', () => {
  it('uploads, lists, downloads (bytes identical, to a file or stdout) and deletes attachments', async () => {
    const id = await imported('order-sync.yaml', 'With Attachments');
    const binary = path.join(scratch, 'mapping.bin');
    const bytes = randomBytes(200_000);
    await fs.writeFile(binary, bytes);
    const notes = path.join(scratch, 'notes.txt');
    await fs.writeFile(notes, 'Field mapping notes\nline two\n');

    const uploaded = JSON.parse(
      succeeded(await weft('integrations:attachments:upload', id, '--path', binary, '--json')),
    );
    expect(uploaded).toMatchObject({
      id: expect.stringMatching(new RegExp(`^${uuid}$`)),
      name: 'mapping.bin',
      contentType: 'application/octet-stream',
      sizeBytes: bytes.length,
    });
    const record = succeeded(await weft('integrations:attachments:upload', id, '--path', notes));
    expect(record).toMatch(/^name\s+notes\.txt$/m);
    expect(record).toMatch(/^content type\s+text\/plain/m);
    const notesId = new RegExp(`^id\\s+(${uuid})$`, 'm').exec(record)?.[1] ?? '';

    const list = tableOf(succeeded(await weft('integrations:attachments', id)));
    expect(list.header).toMatch(/^ID\s+NAME\s+CONTENT TYPE\s+SIZE\s+CREATED$/);
    expect(list.rows).toEqual([
      expect.stringMatching(
        new RegExp(`^${uploaded.id}\\s+mapping\\.bin\\s+application/octet-stream\\s+195\\.3 KiB\\s+\\d{4}-`),
      ),
      expect.stringMatching(new RegExp(`^${notesId}\\s+notes\\.txt\\s+text/plain`)),
    ]);

    const out = path.join(scratch, 'downloaded.bin');
    expect(succeeded(await weft('integrations:attachments:download', id, uploaded.id, '--out', out))).toBe(
      `Saved 195.3 KiB to ${out}\n`,
    );
    expect((await fs.readFile(out)).equals(bytes)).toBe(true);
    expect(succeeded(await weft('integrations:attachments:download', id, notesId))).toBe(
      'Field mapping notes\nline two\n',
    );

    expect(succeeded(await weft('integrations:attachments:delete', id, uploaded.id))).toBe(
      `Deleted attachment ${uploaded.id}\n`,
    );
    expect(JSON.parse(succeeded(await weft('integrations:attachments', id, '--json'))).items).toEqual([
      expect.objectContaining({ id: notesId }),
    ]);
    const gone = await weft('integrations:attachments:download', id, uploaded.id);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toMatch(/^Error \[INTEGRATION_ATTACHMENT_NOT_FOUND\]: /);
  });
});

describe('weft command line', () => {
  it('global options work before and after the command, and `weft --version` still prints the version', async () => {
    const id = await imported('order-sync.yaml', 'Options Anywhere');
    const after = await runWeft(
      ['integrations:get', id, '--json', '--url', server.url, '--token', server.ownerToken],
      { env: cleanEnv() },
    );
    expect(JSON.parse(succeeded(after)).id).toBe(id);
    const version = await runWeft(['--version'], { env: cleanEnv() });
    expect(succeeded(version)).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
