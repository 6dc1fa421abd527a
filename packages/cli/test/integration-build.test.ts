// `weft integrations:build`: bundling a code-native project into one CommonJS file that loads in a plain `node`
// and carries the integration's YAML and its flows' functions; and what a user sees when the project does not build.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../src/cli-error.js';
import { buildCodeNativeBundle, CodeNativeBuildError } from '../src/code-native-build.js';
import { registerIntegrationBuildCommand } from '../src/commands/integrations/build.js';

const run = promisify(execFile);
const exampleDir = fileURLToPath(new URL('../../../examples/code-native-integration', import.meta.url));

let tempDir: string;
beforeAll(async () => {
  tempDir = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-cni-build-'));
});
afterAll(async () => {
  await fs.rm(tempDir, { recursive: true, force: true });
});

/** A project directory with these files (paths relative to it). */
async function project(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(tempDir, name);
  for (const [file, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await fs.writeFile(path.join(dir, file), text);
  }
  return dir;
}

/** Runs `script` in a fresh `node` with the bundle's path as process.argv[1]; returns what it printed as JSON. */
async function inNode(bundle: string, script: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, ['-e', script, bundle], { cwd: tempDir, timeout: 30_000 });
  return JSON.parse(stdout);
}

async function buildFailure(dir: string): Promise<CodeNativeBuildError> {
  const error = await buildCodeNativeBundle(dir, { outFile: path.join(dir, 'out.cjs') }).then(
    () => expect.fail('the build succeeded'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(CodeNativeBuildError);
  return error as CodeNativeBuildError;
}

describe('buildCodeNativeBundle', () => {
  it('bundles the example project into one CommonJS file that default-exports the integration', async () => {
    const outFile = path.join(tempDir, 'example', 'integration.cjs');
    const result = await buildCodeNativeBundle(exampleDir, { outFile });
    expect(result.outFile).toBe(outFile);
    expect(result.bytes).toBe((await fs.stat(outFile)).size);
    const loaded = await inNode(
      outFile,
      `const exported = require(process.argv[1]);
       const component = exported.default;
       console.log(JSON.stringify({
         exports: Object.keys(exported).sort(),
         key: component.key,
         isPublic: component.public,
         actions: Object.keys(component.actions),
         triggers: Object.keys(component.triggers),
         dataSources: Object.keys(component.dataSources),
         connections: component.connections.map((connection) => connection.key),
         performs: typeof component.actions.orderWebhook_onExecution.perform,
         yaml: component.codeNativeIntegrationYAML,
       }));`,
    );
    expect(loaded).toMatchObject({
      exports: ['configPages', 'default'],
      key: 'cni-acme-orders',
      isPublic: false,
      actions: ['orderWebhook_onExecution', 'nightlySync_onExecution'],
      triggers: ['orderWebhook_onTrigger'],
      dataSources: ['targetWarehouse'],
      connections: ['acmeConnection'],
      performs: 'function',
    });
    const yaml = (loaded as { yaml: string }).yaml;
    expect(yaml).toMatch(/^definitionVersion: 7\nisCodeNative: true\nname: Acme Orders\n/);
    expect(yaml).toContain('key: orderWebhook_onExecution');
    expect(yaml).toContain('stableKey: nightly-sync-onTrigger');
  });

  it("keeps the flows' code working: the bundled trigger answers with the flow's own response", async () => {
    const outFile = path.join(tempDir, 'example-run', 'integration.cjs');
    await buildCodeNativeBundle(exampleDir, { outFile });
    const answered = await inNode(
      outFile,
      `const component = require(process.argv[1]).default;
       const trigger = component.triggers.orderWebhook_onTrigger;
       const payload = { body: { data: { challenge: 'c-123' } } };
       trigger.perform({}, payload, {}).then(async (result) => {
         const skipped = await component.actions.orderWebhook_onExecution.perform(
           { configVars: {}, logger: console },
           { onTrigger: { results: { body: { data: { type: 'ping' } } } } },
         );
         console.log(JSON.stringify({ response: result.response, skipped }));
       });`,
    );
    expect(answered).toEqual({
      response: { statusCode: 200, contentType: 'text/plain', body: 'c-123' },
      skipped: { data: { skipped: 'not an order event' } },
    });
  });

  it('builds the same bytes twice (the component key and YAML are not random)', async () => {
    const first = path.join(tempDir, 'twice', 'a.cjs');
    const second = path.join(tempDir, 'twice', 'b.cjs');
    await buildCodeNativeBundle(exampleDir, { outFile: first });
    await buildCodeNativeBundle(exampleDir, { outFile: second });
    expect(await fs.readFile(second, 'utf8')).toBe(await fs.readFile(first, 'utf8'));
  });

  it('writes dist/integration.cjs by default, from package.json "main"', async () => {
    const dir = await project('default-out', {
      'package.json': JSON.stringify({ name: 'x', main: 'lib/entry.ts' }),
      'lib/entry.ts': 'const answer: number = 42;\nexport default { answer };\n',
    });
    const result = await buildCodeNativeBundle(dir);
    expect(result.outFile).toBe(path.join(dir, 'dist', 'integration.cjs'));
    expect(
      await inNode(result.outFile, 'console.log(JSON.stringify(require(process.argv[1]).default))'),
    ).toEqual({
      answer: 42,
    });
  });

  it('reports each compile error as FILE:LINE:COL: message', async () => {
    const dir = await project('syntax-errors', {
      'package.json': JSON.stringify({ name: 'broken', main: 'src/index.ts' }),
      'src/index.ts':
        "import { flows } from './flows';\nimport { helper } from './helper';\nexport default { flows, helper };\n",
      'src/flows.ts': 'export const flows = [];\nconst broken = ;\n',
      'src/helper.ts': 'export const helper = {\n  a: 1\n  b: 2,\n};\n',
    });
    const error = await buildFailure(dir);
    const flows = path.join(dir, 'src', 'flows.ts');
    const helper = path.join(dir, 'src', 'helper.ts');
    expect(error.problems).toHaveLength(2);
    expect(error.problems).toContain(`${flows}:2:16: Unexpected ";"`);
    expect(error.problems.find((problem) => problem.startsWith(`${helper}:3:3: `))).toBeDefined();
    expect(error.message).toContain('did not build (2 errors):');
    for (const problem of error.problems) expect(error.message).toContain(`\n  ${problem}`);
  });

  it('reports an import that does not resolve where it is written', async () => {
    const dir = await project('missing-import', {
      'src/index.ts': "import { integration } from './nowhere';\nexport default integration;\n",
    });
    const error = await buildFailure(dir);
    expect(error.problems).toEqual([
      `${path.join(dir, 'src', 'index.ts')}:1:29: Could not resolve "./nowhere"`,
    ]);
  });

  it('says where it looked when the project has no entry point', async () => {
    const dir = await project('no-entry', {
      'package.json': JSON.stringify({ name: 'x', main: 'dist/index.js' }),
    });
    const error = await buildFailure(dir);
    expect(error.message).toContain(`No entry point in ${dir}: looked for dist/index.js, src/index.ts.`);
    await expect(buildCodeNativeBundle(path.join(dir, 'absent'))).rejects.toThrow(/is not a directory/);
  });
});

describe('weft integrations:build', () => {
  async function weft(args: string[]): Promise<{ stdout: string; stderr: string; error?: unknown }> {
    const program = new Command('weft').exitOverride();
    registerIntegrationBuildCommand(program);
    let stdout = '';
    let stderr = '';
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr += String(chunk);
      return true;
    });
    try {
      await program.parseAsync(['node', 'weft', ...args]);
      return { stdout, stderr };
    } catch (error) {
      return { stdout, stderr, error };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  }

  it('prints the bundle path, or {"path", "bytes"} with --json', async () => {
    const outFile = path.join(tempDir, 'command', 'bundle.cjs');
    const human = await weft(['integrations:build', '--path', exampleDir, '--out', outFile]);
    expect(human.error).toBeUndefined();
    expect(human.stdout).toBe(`${outFile}\n`);
    expect(human.stderr).toMatch(/Built \d+\.\d KiB/);

    const json = await weft(['integrations:build', '--path', exampleDir, '--out', outFile, '--json']);
    expect(json.error).toBeUndefined();
    expect(JSON.parse(json.stdout)).toEqual({ path: outFile, bytes: (await fs.stat(outFile)).size });
    expect(json.stderr).toBe('');
  });

  it('fails with BUILD_FAILED and the compile errors', async () => {
    const dir = await project('command-broken', { 'src/index.ts': 'export default {\n' });
    const { error } = await weft(['integrations:build', '--path', dir]);
    expect(error).toBeInstanceOf(CliError);
    expect(error).toMatchObject({ code: 'BUILD_FAILED', exitCode: 1 });
    expect((error as Error).message).toMatch(
      /src[\\/]index\.ts:2:1: Expected identifier but found end of file/,
    );
  });
});
