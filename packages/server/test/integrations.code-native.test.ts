// Issue 3: code-native bundles are loaded in a sandboxed child process: their YAML and component are read off them,
// and a bundle that throws, loops, or reaches for the server's files, environment or processes gets nowhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractCodeNativeBundle } from '../src/components/code-native-bundle.js';
import { WeftError } from '../src/index.js';
import { base64, codeNativeBundle, codeNativeYaml, sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

async function extractionError(source: string, options = {}): Promise<WeftError> {
  const error = await extractCodeNativeBundle(Buffer.from(source), options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WeftError);
  expect((error as WeftError).code).toBe('BUNDLE_INVALID');
  return error as WeftError;
}

describe('extractCodeNativeBundle', () => {
  it("reads the YAML and the generated component's manifest (functions left behind)", async () => {
    const { yaml, component } = await extractCodeNativeBundle(Buffer.from(codeNativeBundle()));
    expect(yaml).toBe(codeNativeYaml('acme-sync'));
    expect(component).toMatchObject({ key: 'acme-sync', label: 'Acme Sync', isPublic: false });
    expect(Object.keys(component.actions)).toEqual(['sync-orders-onExecution']);
    expect(component.triggers['sync-orders-onTrigger']).toEqual({
      key: 'sync-orders-onTrigger',
      label: 'Sync Orders - On Trigger',
      description: 'The function that will be executed by the flow.',
      inputs: [
        { key: 'batchSize', label: 'Batch size', type: 'string', required: false, default: '10' },
        {
          key: 'mode',
          label: 'Mode',
          type: 'picklist',
          required: true,
          default: 'fast',
          model: [{ label: 'Fast', value: 'fast' }],
        },
        { key: 'headers', label: 'Headers', type: 'string', collection: 'keyvaluelist' },
      ],
      // What the platform needs to run it from the manifest alone (in a sandbox): its schedule and response support.
      scheduleSupport: 'valid',
      synchronousResponseSupport: 'valid',
    });
    expect(component.dataSources?.['choose-widget']).toMatchObject({ dataSourceType: 'picklist' });
    expect(component.connections?.['acme-api-key']?.inputs[0]).toMatchObject({
      key: 'apiKey',
      type: 'password',
    });
  });

  it('accepts module.exports itself being the integration (no default export)', async () => {
    const source = codeNativeBundle().replace('module.exports.default =', 'module.exports =');
    expect((await extractCodeNativeBundle(Buffer.from(source))).component.key).toBe('acme-sync');
  });

  it('reports a bundle that throws while loading, with its message', async () => {
    const error = await extractionError(`${codeNativeBundle()}\nthrow new Error("missing ACME_REGION");`);
    expect(error.message).toContain('threw while loading');
    expect(error.message).toContain('missing ACME_REGION');
  });

  it('reports a syntax error', async () => {
    const error = await extractionError('module.exports.default = { key: "x", ');
    expect(error.message).toContain('SyntaxError');
  });

  it('reports a module that is not an integration (no codeNativeIntegrationYAML)', async () => {
    const component = await extractionError(
      'module.exports.default = { key: "just-a-component", actions: {} };',
    );
    expect(component.message).toContain('no codeNativeIntegrationYAML');
    const nothing = await extractionError('module.exports = 42;');
    expect(nothing.message).toContain('exports no integration');
  });

  it('stops a bundle that loops forever at load time', async () => {
    const started = Date.now();
    const error = await extractionError('while (true) {}', { timeoutMs: 1500 });
    expect(error.message).toContain('did not finish loading within 1.5 s');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('stops a bundle that never settles its exported promise', async () => {
    const error = await extractionError(
      'module.exports.default = new Promise(() => setInterval(() => {}, 1000));',
      {
        timeoutMs: 1500,
      },
    );
    expect(error.message).toContain('did not finish loading');
  });

  it('stops a bundle that exhausts its memory', async () => {
    const error = await extractionError(
      'const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random()));',
      {
        memoryMb: 64,
        timeoutMs: 30_000,
      },
    );
    expect(error.message).toContain('memory');
  });

  it("cannot read the server's files or environment, write files, start processes or signal the server", async () => {
    const secretFile = path.join(os.tmpdir(), `weft-secret-${process.pid}.txt`);
    fs.writeFileSync(secretFile, 'file-secret-4711');
    process.env.WEFT_TEST_SERVER_SECRET = 'env-secret-0815';
    try {
      const prelude = `
        const fs = require('node:fs');
        const found = {};
        const attempt = (name, fn) => { try { found[name] = fn(); } catch (error) { found[name] = 'denied: ' + (error.code || error.message); } };
        attempt('hostname', () => fs.readFileSync('/etc/hostname', 'utf8'));
        attempt('secretFile', () => fs.readFileSync(${JSON.stringify(secretFile)}, 'utf8'));
        attempt('passwd', () => fs.readFileSync('/etc/passwd', 'utf8'));
        attempt('env', () => JSON.stringify(process.env));
        attempt('write', () => { fs.writeFileSync(__dirname + '/planted.js', 'x'); return 'written'; });
        attempt('spawn', () => require('node:child_process').execSync('id').toString());
        attempt('worker', () => { new (require('node:worker_threads').Worker)('1', { eval: true }); return 'started'; });
        attempt('kill', () => { process.kill(process.ppid, 'SIGTERM'); return 'signalled'; });
      `;
      const { yaml } = await extractCodeNativeBundle(
        Buffer.from(
          codeNativeBundle({
            prelude,
            yamlExpression: `${JSON.stringify(codeNativeYaml('acme-sync'))} + '# ' + JSON.stringify(found)`,
          }),
        ),
      );
      const found = JSON.parse(yaml.slice(yaml.lastIndexOf('# ') + 2)) as Record<string, string>;
      expect(found.env).toBe('{}');
      expect(yaml).not.toContain('env-secret-0815');
      expect(yaml).not.toContain('file-secret-4711');
      for (const denied of ['hostname', 'secretFile', 'passwd', 'write', 'spawn', 'worker']) {
        expect(found[denied], denied).toBe('denied: ERR_ACCESS_DENIED');
      }
      expect(found.kill).toContain('denied');
      if (fs.existsSync('/etc/hostname')) {
        const hostname = fs.readFileSync('/etc/hostname', 'utf8').trim();
        if (hostname.length > 3) expect(yaml).not.toContain(hostname);
      }
    } finally {
      fs.rmSync(secretFile, { force: true });
      delete process.env.WEFT_TEST_SERVER_SECRET;
    }
  });

  it("does not let a bundle's console output or forged answers through unchecked", async () => {
    const noisy = codeNativeBundle({
      prelude: 'console.log("hello from the bundle"); process.stdout.write("junk");',
    });
    expect((await extractCodeNativeBundle(Buffer.from(noisy))).component.key).toBe('acme-sync');
    // A bundle can write to its sandbox's answer pipe itself: what it writes is checked like any other answer.
    const forged = `require('node:fs').writeSync(3, JSON.stringify({ ok: true, yaml: 'x', component: { key: 'k', isPublic: true } })); process.exit(0);`;
    const error = await extractionError(forged);
    expect(error.message).toContain('not of the expected shape');
    const garbled = await extractionError(`require('node:fs').writeSync(3, '{"ok": tr'); process.exit(0);`);
    expect(garbled.message).toContain('garbled');
  });

  // Review of issue 3: the answer used to travel on stdout. A bundle that merely looked at process.stdout (as
  // colour-detection libraries do) made that pipe non-blocking, and any answer over the pipe's 64 KiB buffer was cut
  // short: "ended (exit code 0) without an answer" for a perfectly good integration.
  it('reads a large answer even when the bundle has touched process.stdout', async () => {
    const big = `${codeNativeYaml('acme-sync')}# ${'x'.repeat(2 * 1024 * 1024)}\n`;
    const { yaml } = await extractCodeNativeBundle(
      Buffer.from(
        codeNativeBundle({
          prelude: 'const colours = process.stdout.isTTY; process.stdout.write("starting\\n");',
          yamlExpression: JSON.stringify(big),
        }),
      ),
    );
    expect(yaml).toBe(big);
  });

  // Review of issue 3: stdout used to be gathered and searched again on every line, so a bundle printing tens of
  // MiB of newlines kept the server's event loop busy for seconds at a time and then failed. Its output now goes
  // nowhere, and a bundle that prints a lot still imports.
  it("ignores the bundle's own stdout, however much it writes", async () => {
    const chatty = codeNativeBundle({
      prelude: `const line = '\\n'.repeat(64 * 1024); for (let i = 0; i < 1600; i++) require('node:fs').writeSync(1, line);`,
    });
    expect((await extractCodeNativeBundle(Buffer.from(chatty))).component.key).toBe('acme-sync');
  });

  // Review of issue 3: --max-old-space-size covers the JavaScript heap only; Buffers live outside it, so a bundle
  // could take gigabytes from the server's machine for the whole time limit.
  it('stops a bundle that fills memory with Buffers outside the heap', async () => {
    const error = await extractionError(
      'const keep = []; for (;;) keep.push(Buffer.alloc(32 * 1024 * 1024, 1));',
      { memoryMb: 64, timeoutMs: 30_000 },
    );
    expect(error.message).toContain('more than the 64 MB of memory');
  });

  it('kills the sandbox and removes its temporary directory when the time runs out', async () => {
    const previousTmp = process.env.TMPDIR;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-review-'));
    process.env.TMPDIR = tmp;
    try {
      const error = await extractionError('while (true) {}', { timeoutMs: 1000 });
      expect(error.message).toContain('did not finish loading');
      expect(fs.readdirSync(tmp)).toEqual([]);
      // No process runs from the removed directory any more (it was sent SIGKILL before the answer).
      const runningFromTmp = () =>
        fs
          .readdirSync('/proc')
          .filter((pid) => /^\d+$/.test(pid))
          .some((pid) => {
            try {
              return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(tmp);
            } catch {
              return false;
            }
          });
      if (fs.existsSync('/proc/self/cmdline')) {
        for (let i = 0; i < 50 && runningFromTmp(); i++) await new Promise((r) => setTimeout(r, 20));
        expect(runningFromTmp()).toBe(false);
      }
    } finally {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('importing a code-native bundle through the API', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a bundle that fails in its sandbox with 422 BUNDLE_INVALID, and stores nothing', async () => {
    const answer = await server.api('POST', '/api/integrations/import', {
      body: { bundle: base64('throw new Error("no config");') },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('BUNDLE_INVALID');
    expect(answer.body.error.message).toContain('no config');
    expect((await server.api('GET', '/api/integrations')).body.items).toEqual([]);
  });

  it('refuses a body with both or neither of definition and bundle, and text that is not base64', async () => {
    for (const body of [{}, { definition: 'x', bundle: 'eA==' }]) {
      const answer = await server.api('POST', '/api/integrations/import', { body });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('API_VALIDATION_FAILED');
    }
    const notBase64 = await server.api('POST', '/api/integrations/import', {
      body: { bundle: 'not base64!' },
    });
    expect(notBase64.status).toBe(400);
    expect(notBase64.body.error.details.field).toBe('bundle');
  });

  it('imports a bundle: a code-native integration with its component, bundle stored once, publishable', async () => {
    const bundle = codeNativeBundle();
    const created = await server.api('POST', '/api/integrations/import', {
      body: { bundle: base64(bundle), fileName: 'dist/index.js' },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Acme Sync',
      isCodeNative: true,
      flowCount: 1,
      created: true,
    });
    const id = created.body.id as string;

    const detail = await server.api('GET', `/api/integrations/${id}`);
    expect(detail.body.definition.isCodeNative).toBe(true);
    expect(detail.body.definition.flows[0].stableKey).toBe('sync-orders');

    // The same bundle again replaces the draft; the bundle is stored once.
    const again = await server.api('POST', '/api/integrations/import', {
      body: { bundle: base64(bundle), integrationId: id },
    });
    expect(again.status, again.text).toBe(200);
    expect(again.body.created).toBe(false);
    const bundles = await sqlQuery<{ n: number }>(
      server,
      'select count(*)::int as n from integration_bundles b join integrations i on i.bundle_sha256 = b.sha256 where i.id = $1',
      [id],
    );
    expect(bundles[0]?.n).toBe(1);

    const version = await server.api('POST', `/api/integrations/${id}/publish`, {
      body: { comment: 'first' },
    });
    expect(version.status, version.text).toBe(201);
    expect(version.body).toMatchObject({ versionNumber: 1, isCodeNative: true });

    // The exported YAML imports back into the integration: its bundle's component still validates it.
    const exported = await server.api('GET', `/api/integrations/${id}/export`);
    const reimported = await server.api('POST', '/api/integrations/import', {
      body: { definition: exported.text, integrationId: id },
    });
    expect(reimported.status, reimported.text).toBe(200);
    expect(reimported.body.isCodeNative).toBe(true);
  });

  // Review of issue 3: an import that replaces a bundle deletes the old one when nothing refers to it any more. If
  // another transaction was just then making a draft refer to it, the delete waited for that transaction and then
  // failed on the foreign key: the import answered 500. The bundle now stays (it is in use), and the import succeeds.
  it('replaces a bundle while another transaction starts using it, without failing', async () => {
    const first = codeNativeBundle({ key: 'race-one', name: 'Race One' });
    const created = await server.api('POST', '/api/integrations/import', { body: { bundle: base64(first) } });
    expect(created.status, created.text).toBe(201);
    const [row] = await sqlQuery<{ org_id: string; bundle_sha256: string }>(
      server,
      'select org_id, bundle_sha256 from integrations where id = $1',
      [created.body.id],
    );
    const other = new pg.Client({ connectionString: server.databaseUrl });
    await other.connect();
    try {
      await other.query('begin');
      await other.query(
        `insert into integrations (org_id, name, definition, bundle_sha256) values ($1, 'Race Other', '{}', $2)`,
        [row!.org_id, row!.bundle_sha256],
      );
      const replacing = server.api('POST', '/api/integrations/import', {
        body: {
          bundle: base64(codeNativeBundle({ key: 'race-two', name: 'Race One' })),
          integrationId: created.body.id,
        },
      });
      // Until the import waits on the other transaction's lock on the old bundle.
      const waiting = async () =>
        (
          await sqlQuery<{ n: number }>(
            server,
            `select count(*)::int as n from pg_stat_activity
             where wait_event_type = 'Lock' and query like '%delete from integration_bundles%'`,
          )
        )[0]!.n;
      for (let i = 0; i < 200 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 25));
      expect(await waiting()).toBe(1);
      await other.query('commit');
      const replaced = await replacing;
      expect(replaced.status, replaced.text).toBe(200);
    } finally {
      await other.end();
    }
    const kept = await sqlQuery<{ n: number }>(
      server,
      'select count(*)::int as n from integration_bundles where sha256 = $1',
      [row!.bundle_sha256],
    );
    expect(kept[0]!.n).toBe(1);
  });

  it('refuses a bundle whose YAML uses a step its component does not have (422 DEFINITION_INVALID)', async () => {
    const bundle = codeNativeBundle({ key: 'other-key', name: 'Mismatched' }).replace(
      'key: "other-key"',
      'key: "renamed-key"',
    );
    const answer = await server.api('POST', '/api/integrations/import', { body: { bundle: base64(bundle) } });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('DEFINITION_INVALID');
    expect(answer.body.error.details.problems.length).toBeGreaterThan(0);
  });
});
