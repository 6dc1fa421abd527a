// Issue 3: code-native bundles are loaded in a sandboxed child process: their YAML and component are read off them,
// and a bundle that throws, loops, or reaches for the server's files, environment or processes gets nowhere.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WeftError } from '../src/index.js';
import { extractCodeNativeBundle } from '../src/integrations/code-native-bundle.js';
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
    // A bundle can see its sandbox's answer marker and write an answer of its own: it is checked like any other.
    const forged = `require('node:fs').writeSync(1, '\\n' + process.argv[3] + JSON.stringify({ ok: true, yaml: 'x', component: { key: 'k', isPublic: true } }) + '\\n'); while (true) {}`;
    const error = await extractionError(forged);
    expect(error.message).toContain('not of the expected shape');
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
