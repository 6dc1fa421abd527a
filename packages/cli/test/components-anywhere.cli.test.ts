// Custom components outside the Weft checkout, through the real `weft` binary: a project scaffolded in a temporary
// directory installs with plain `npm install` (@weft/sdk and @weft/definition from the tarballs `components:init`
// writes into vendor/, everything else from the npm cache or the public registry: no linking), passes its own
// tests, publishes, and a flow that uses it runs with `weft run --component` (the folder, or a built bundle) with
// its code in a sandbox process. A project whose dependencies carry native `.node` files publishes and runs with
// them left out (the modules' JavaScript fallbacks used). `--component` refusals.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

/** The flows here call HTTP servers the test starts on 127.0.0.1: the egress guard refuses loopback unless opened. */
const localApis = { WEFT_EGRESS_ALLOW: '127.0.0.1' };

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

let server: TestServer;
let scratch: string;
let api: Server;
let apiUrl: string;

beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  scratch = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'weft-components-anywhere-')));
  // The scaffold's API: GET /items/:id with `Bearer k` answers the item.
  api = createServer((request, response) => {
    const match = /^\/api\/items\/(\w+)$/.exec(request.url ?? '');
    if (request.headers.authorization !== 'Bearer k' || !match) {
      response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad key"}');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ id: match[1], name: `Item ${match[1]}` }));
  });
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/api`;
});

afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
  await new Promise<void>((resolve) => (api ? api.close(() => resolve()) : resolve()));
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

/** `weft <args>` in `cwd`, as the owner of the test server. */
function weft(args: string[], cwd: string): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], {
    env: cleanEnv(),
    cwd,
    timeoutMs: 90_000,
  });
}

/**
 * The environment for npm and the scaffold's own vitest: no Weft settings, nothing of this vitest run, and none of
 * the `npm_*` settings an `npm test` of the repository passes down (a workspace flag would change what npm does).
 */
function projectEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(cleanEnv({ NO_COLOR: '1' })).filter(
      ([key]) =>
        !key.startsWith('VITEST') &&
        !key.toLowerCase().startsWith('npm_') &&
        key !== 'TEST' &&
        key !== 'FORCE_COLOR' &&
        key !== 'NODE_OPTIONS',
    ),
  );
}

async function npm(args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return run('npm', args, { cwd, env: projectEnv(), timeout: 240_000 }).catch(
    (error: { stdout?: string; stderr?: string; message: string }) =>
      expect.fail(
        `npm ${args.join(' ')} failed in ${cwd}:\n${error.message}\n${error.stdout}\n${error.stderr}`,
      ),
  );
}

describe('a component scaffolded outside the checkout', () => {
  let dir: string;

  it('is created with the CLI-carried SDK as tarballs in vendor/, outside any Weft checkout', async () => {
    expect(path.relative(repositoryRoot, scratch).startsWith('..')).toBe(true);
    const init = await weft(['components:init', 'acme-anywhere'], scratch);
    expect(init, init.stderr).toMatchObject({ code: 0, stderr: '' });
    dir = path.join(scratch, 'acme-anywhere');
    expect((await fs.readdir(path.join(dir, 'vendor'))).sort()).toEqual([
      'weft-definition-0.1.0.tgz',
      'weft-sdk-0.1.0.tgz',
    ]);
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest.dependencies).toEqual({
      '@weft/sdk': 'file:vendor/weft-sdk-0.1.0.tgz',
      '@weft/definition': 'file:vendor/weft-definition-0.1.0.tgz',
    });
    expect(manifest.overrides).toEqual({ '@weft/definition': '$@weft/definition' });
  });

  it('installs with `npm install` (the @weft packages from vendor/, nothing linked), and passes `npm test`', async () => {
    // --prefer-offline: the public packages (vitest, typescript, the SDK's own dependencies) come from the npm
    // cache when it has them, else from the public registry; the @weft packages never come from a registry.
    await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], dir);
    for (const name of ['sdk', 'definition']) {
      const installed = path.join(dir, 'node_modules', '@weft', name);
      expect((await fs.lstat(installed)).isSymbolicLink(), `@weft/${name} is a link`).toBe(false);
      expect((await fs.readdir(path.join(installed, 'dist'))).length).toBeGreaterThan(0);
    }
    const lock = JSON.parse(await fs.readFile(path.join(dir, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@weft/sdk'].resolved).toBe('file:vendor/weft-sdk-0.1.0.tgz');
    expect(lock.packages['node_modules/@weft/definition'].resolved).toBe(
      'file:vendor/weft-definition-0.1.0.tgz',
    );
    expect(Object.keys(lock.packages).filter((key) => key.includes('@weft/'))).toEqual([
      'node_modules/@weft/definition',
      'node_modules/@weft/sdk',
    ]);

    const tests = await npm(['test', '--', '--reporter=verbose'], dir);
    expect(tests.stdout).toMatch(/Tests\s+4 passed \(4\)/);
    expect(tests.stdout).toContain('gets an item from the base URL, sending the API key');
  }, 300_000);

  it('publishes to a running server with `weft components:publish`, using its own installed SDK', async () => {
    const published = await weft(['components:publish', '--comment', 'from /tmp'], dir);
    expect(published, published.stderr).toMatchObject({ code: 0 });
    expect(published.stdout).toBe(
      'Published acme-anywhere version 1 (1 action, 0 triggers, 0 data sources, 1 connection)\n',
    );
    // Its own node_modules has @weft/sdk now: nothing was taken from the CLI's copy.
    expect(published.stderr).not.toContain("CLI's");
  });

  it('runs its flow.yaml with `weft run --component .` (no server), the code in a sandbox process', async () => {
    await fs.writeFile(path.join(dir, 'item.json'), '{"id": "42"}');
    // Without --component, the component is unknown: the refusal says how to give it.
    const unknown = await runWeft(['run', 'flow.yaml'], { env: cleanEnv(), cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("component 'acme-anywhere' (version LATEST) is not on this server");
    expect(unknown.stderr).toContain(
      'A custom component is run from its code: give its project folder or built bundle with --component PATH.',
    );
    const connection = `Acme Anywhere Connection={"fields": {"baseUrl": "${apiUrl}", "apiKey": "k"}}`;
    const ran = await runWeft(
      ['run', 'flow.yaml', '--component', '.', '--payload', 'item.json', '--config', connection, '--json'],
      { env: cleanEnv(localApis), cwd: dir, timeoutMs: 90_000 },
    );
    expect(ran.code, ran.stderr).toBe(0);
    const output = JSON.parse(ran.stdout);
    expect(output.status).toBe('succeeded');
    expect(output.steps.getItem).toEqual({ id: '42', name: 'Item 42' });
    expect(output.logs.map((entry: { message: string }) => entry.message)).toEqual([
      `GET ${apiUrl}/items/42`,
    ]);
    expect(ran.stderr).toContain('Building .');

    // A built bundle runs the same; a refusal from the API fails the flow with the component's message.
    const built = await weft(['components:build'], dir);
    expect(built.code, built.stderr).toBe(0);
    const human = await runWeft(
      [
        'run',
        '--definition',
        'flow.yaml',
        '--flow',
        'Fetch Item',
        '--component',
        'dist/component.cjs',
        '--payload',
        'item.json',
        '--config',
        connection.replace('"k"', '"wrong"'),
      ],
      { env: cleanEnv(localApis), cwd: dir, timeoutMs: 90_000 },
    );
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('✓ Integration Trigger');
    expect(human.stdout).toContain(
      `Flow 'Fetch Item' failed: [STEP_FAILED] step 'Get Item' failed: GET ${apiUrl}/items/42 answered 401 Unauthorized: {"error":"bad key"}`,
    );
  }, 180_000);
});

/** A package as npm would have installed it under `dir/node_modules/name`. */
async function installedPackage(dir: string, name: string, files: Record<string, string | Buffer>) {
  const root = path.join(dir, 'node_modules', name);
  for (const [file, content] of Object.entries({
    'package.json': JSON.stringify({ name, version: '1.0.0', main: 'index.js' }),
    ...files,
  })) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), content);
  }
}

describe('a project whose dependencies carry native .node files', () => {
  let dir: string;

  beforeAll(async () => {
    // As ssh2: `fast-crypto` loads its compiled addon inside try/catch and falls back to JavaScript, and requires
    // the optional `cpu-probe` (as cpu-features) inside try/catch; `cpu-probe` requires its own addon directly.
    dir = path.join(scratch, 'native-project');
    const notMachineCode = Buffer.from('\x7fELF this is not really machine code');
    await installedPackage(dir, 'cpu-probe', {
      'index.js': "module.exports = require('./build/Release/cpuprobe.node').probe;\n",
      'build/Release/cpuprobe.node': notMachineCode,
    });
    await installedPackage(dir, 'fast-crypto', {
      'index.js': `let binding;
try { binding = require('./build/Release/fastcrypto.node'); } catch { binding = undefined; }
let cpu;
try { cpu = require('cpu-probe')(); } catch { cpu = undefined; }
const { createHash } = require('node:crypto');
module.exports = {
  native: binding !== undefined,
  cpu: cpu !== undefined,
  digest: (text) => (binding ? binding.digest(text) : createHash('sha256').update(text).digest('hex')),
};
`,
      'build/Release/fastcrypto.node': notMachineCode,
    });
    await fs.mkdir(path.join(dir, 'src'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'native-widgets', version: '1.0.0', main: 'src/index.ts' }),
    );
    await fs.writeFile(
      path.join(dir, 'src', 'index.ts'),
      `import { action, component } from '@weft/sdk';
import fastCrypto from 'fast-crypto';

export default component({
  key: 'native-widgets',
  display: { label: 'Native Widgets', description: 'Uses a package with an optional native addon' },
  actions: {
    digest: action({
      display: { label: 'Digest', description: 'SHA-256 of a text' },
      inputs: { text: { label: 'Text', type: 'string', required: true } },
      perform: async (_context, { text }) => ({
        data: { native: fastCrypto.native, cpu: fastCrypto.cpu, digest: fastCrypto.digest(String(text)) },
      }),
    }),
  },
});
`,
    );
  });

  it('publishes with `components:publish --path`, saying which native addons it left out', async () => {
    const published = await weft(['components:publish', '--path', dir], scratch);
    expect(published, published.stderr).toMatchObject({ code: 0 });
    expect(published.stdout).toBe(
      'Published native-widgets version 1 (1 action, 0 triggers, 0 data sources, 0 connections)\n',
    );
    expect(published.stderr).not.toContain('No loader is configured');
    expect(published.stderr).toContain(
      'Left out 2 native addons (components cannot load native code; modules that fall back to JavaScript without them still work): node_modules/cpu-probe/build/Release/cpuprobe.node, node_modules/fast-crypto/build/Release/fastcrypto.node',
    );
  });

  it('runs with `weft run --component`: the modules use their JavaScript fallbacks', async () => {
    const definition = path.join(dir, 'digest.yaml');
    await fs.writeFile(
      definition,
      `definitionVersion: 7
name: Digests
flows:
  - name: Digest
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
      - name: Digest
        action: {key: digest, component: {key: native-widgets, version: LATEST, isPublic: false}}
        inputs:
          text: {type: value, value: abc}
`,
    );
    const ran = await runWeft(['run', definition, '--component', dir, '--json'], {
      env: cleanEnv(),
      cwd: scratch,
      timeoutMs: 90_000,
    });
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout).steps.digest).toEqual({
      native: false,
      cpu: false,
      digest: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    });
  }, 120_000);
});

describe('weft run --component refusals', () => {
  it('a file that is not a bundle, a bundle that is no component, a built-in key, and no definition', async () => {
    const notes = path.join(scratch, 'notes.txt');
    await fs.writeFile(notes, 'hello');
    const definition = path.join(repositoryRoot, 'packages/cli/test/fixtures/run/every-builtin.yaml');
    const wrongKind = await runWeft(['run', definition, '--flow', 'Orders', '--component', notes], {
      env: cleanEnv(),
    });
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toContain(
      `'${notes}' is not a component to run: --component takes a component project directory or a built bundle (.cjs, .js).`,
    );

    const notComponent = path.join(scratch, 'not-a-component.cjs');
    await fs.writeFile(notComponent, 'module.exports = { hello: "world" };');
    const refused = await runWeft(['run', definition, '--flow', 'Orders', '--component', notComponent], {
      env: cleanEnv(),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`'${notComponent}' is not a component Weft can load:`);

    const builtinKey = path.join(scratch, 'http.cjs');
    await fs.writeFile(
      builtinKey,
      'module.exports = { default: { key: "http", display: { label: "Mine", description: "" }, actions: { a: { key: "a", display: { label: "A", description: "" }, inputs: [], perform: async () => ({ data: 1 }) } }, triggers: {}, dataSources: {}, connections: [] } };',
    );
    const reserved = await runWeft(['run', definition, '--flow', 'Orders', '--component', builtinKey], {
      env: cleanEnv(),
    });
    expect(reserved.code, reserved.stderr).toBe(1);
    expect(reserved.stderr).toContain("is the component 'http', a built-in component's key");

    const noDefinition = await runWeft(['run', '--flow', 'Orders'], { env: cleanEnv() });
    expect(noDefinition.code).toBe(2);
    expect(noDefinition.stderr).toContain(
      'give the YAML definition to run: weft run FILE (or --definition FILE)',
    );

    const manyFlows = await runWeft(['run', definition], { env: cleanEnv() });
    expect(manyFlows.code).toBe(2);
    expect(manyFlows.stderr).toMatch(
      /the definition has \d+ flows: name the one to run with --flow \('Orders'/,
    );
  }, 180_000);
});
