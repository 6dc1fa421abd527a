// `weft components:init` and `weft components:build` (no server): the scaffolded project, its names and the
// directories init refuses; bundling it into one CommonJS file whose default export is the component, inside the
// Weft checkout (the repository's @weft/sdk) and outside it (the CLI's own copy); compile errors as FILE:LINE:COL;
// and the scaffold's own tests and type check passing.
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Component, invokeAction } from '@weft/sdk';
import { Command, Option } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliError } from '../src/cli-error.js';
import { buildComponentBundle, CodeNativeBuildError } from '../src/code-native-build.js';
import { registerComponentCommands } from '../src/commands/components/index.js';
import { componentNames } from '../src/component-scaffold.js';
import { cleanEnv, runWeft } from './support/weft-process.js';

const run = promisify(execFile);
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));
const rootNodeModules = path.join(repositoryRoot, 'node_modules');

/** Outside the checkout: nothing above it has @weft/sdk. */
let outside: string;
/** Inside the checkout, and ignored by git (node_modules/): Node finds the repository's @weft/sdk from here. */
let inside: string;
beforeAll(async () => {
  outside = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-component-build-'));
  await fs.mkdir(path.join(rootNodeModules, '.cache'), { recursive: true });
  inside = await fs.mkdtemp(path.join(rootNodeModules, '.cache', 'weft-component-build-'));
});
afterAll(async () => {
  await fs.rm(outside, { recursive: true, force: true });
  await fs.rm(inside, { recursive: true, force: true });
});

/** Runs `weft <args>` in this process, as bin.ts registers the commands (with the global options after them). */
async function weft(args: string[]): Promise<{ stdout: string; stderr: string; error?: unknown }> {
  const program = new Command('weft').exitOverride();
  registerComponentCommands(program);
  for (const command of program.commands) {
    if (!command.options.some((option) => option.long === '--json')) {
      command.addOption(new Option('--json').hideHelp());
    }
  }
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

/** `weft components:init NAME --dir DIR`, expected to succeed; returns DIR. */
async function init(name: string, dir: string): Promise<string> {
  const result = await weft(['components:init', name, '--dir', dir]);
  expect(result.error).toBeUndefined();
  return dir;
}

/** Loads a bundle with Node's own require, as the server would: its default export. */
function loadBundle(file: string): Component {
  const loaded = createRequire(import.meta.url)(file) as { default: Component };
  return loaded.default;
}

/** A stand-in for the component's API: GET /items/:id with `Bearer k` answers the item. */
async function itemApi(): Promise<{ baseUrl: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const match = /^\/items\/(\w+)$/.exec(request.url ?? '');
    if (request.headers.authorization !== 'Bearer k' || !match) {
      response.writeHead(403).end('no');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: match[1] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The test process's environment without vitest's own settings, for a vitest run of another project. */
function envForChildVitest(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(cleanEnv({ NO_COLOR: '1' })).filter(
      ([key]) => !key.startsWith('VITEST') && key !== 'TEST' && key !== 'FORCE_COLOR',
    ),
  );
}

describe('component names', () => {
  it('derives a kebab-case key and a label from kebab or camel case', () => {
    expect(componentNames('acme-widgets')).toEqual({ key: 'acme-widgets', label: 'Acme Widgets' });
    expect(componentNames('acmeWidgets')).toEqual({ key: 'acme-widgets', label: 'Acme Widgets' });
    expect(componentNames('AcmeWidgets')).toEqual({ key: 'acme-widgets', label: 'Acme Widgets' });
    expect(componentNames('HTTPClient')).toEqual({ key: 'http-client', label: 'HTTP Client' });
    expect(componentNames('oauth2Api')).toEqual({ key: 'oauth2-api', label: 'Oauth2 Api' });
    expect(componentNames('crm')).toEqual({ key: 'crm', label: 'Crm' });
  });
});

describe('weft components:init', () => {
  it('scaffolds package.json, tsconfig.json, vitest.config.ts, README.md, the component and its test', async () => {
    const dir = path.join(outside, 'scaffold');
    const { stdout, stderr, error } = await weft(['components:init', 'AcmeWidgets', '--dir', dir]);
    expect(error).toBeUndefined();
    expect(stderr).toBe('');
    expect(stdout).toContain(
      `Created the component acme-widgets (Acme Widgets) in ${dir}:\n  package.json\n`,
    );
    expect(stdout).toContain('Next steps:');
    expect(stdout).toContain('  npm install ');
    expect(stdout).toContain('  weft components:publish ');
    expect(stdout).not.toContain('npm link');

    const files = (await fs.readdir(dir, { recursive: true })).map((file) => file.split(path.sep).join('/'));
    expect(files.sort()).toEqual(
      [
        '.gitignore',
        'README.md',
        'flow.yaml',
        'package.json',
        'src',
        'src/index.ts',
        'test',
        'test/index.test.ts',
        'tsconfig.json',
        'vendor',
        'vendor/weft-definition-0.1.0.tgz',
        'vendor/weft-sdk-0.1.0.tgz',
        'vitest.config.ts',
      ].sort(),
    );
    const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'acme-widgets',
      main: 'src/index.ts',
      scripts: {
        build: 'weft components:build',
        test: 'vitest run',
        publish: 'weft components:publish',
        typecheck: 'tsc --noEmit',
      },
      dependencies: {
        '@weft/sdk': 'file:vendor/weft-sdk-0.1.0.tgz',
        '@weft/definition': 'file:vendor/weft-definition-0.1.0.tgz',
      },
      overrides: { '@weft/definition': '$@weft/definition' },
    });
    const tsconfig = JSON.parse(await fs.readFile(path.join(dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({
      strict: true,
      module: 'ESNext',
      moduleResolution: 'Bundler',
      noEmit: true,
    });
    expect(await fs.readFile(path.join(dir, 'vitest.config.ts'), 'utf8')).toContain(
      "include: ['test/**/*.test.ts']",
    );
    const readme = await fs.readFile(path.join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('`flow.yaml` is an integration with one flow that uses the component');
    expect(readme).toContain('from\nthe tarballs in `vendor/`');
    expect(readme).toContain('weft components:publish');
    expect(readme).toContain('weft run flow.yaml --flow "Fetch Item" --component .');
    expect(await fs.readFile(path.join(dir, 'flow.yaml'), 'utf8')).toContain(
      'component: {key: acme-widgets, version: LATEST, isPublic: false}',
    );
    const source = await fs.readFile(path.join(dir, 'src', 'index.ts'), 'utf8');
    expect(source).toContain("from '@weft/sdk'");
    expect(source).toContain("key: 'acme-widgets'");
    const test = await fs.readFile(path.join(dir, 'test', 'index.test.ts'), 'utf8');
    expect(test).toContain("server.listen(0, '127.0.0.1'");
    expect(test).toContain('invokeAction');
  });

  it('writes @weft/sdk and @weft/definition as npm tarballs of what the CLI runs, the same bytes every time', async () => {
    const first = await init('acme-tar-1', path.join(outside, 'tar-1'));
    const second = await init('acme-tar-2', path.join(outside, 'tar-2'));
    for (const tarball of ['weft-sdk-0.1.0.tgz', 'weft-definition-0.1.0.tgz']) {
      const bytes = await fs.readFile(path.join(first, 'vendor', tarball));
      expect(bytes.equals(await fs.readFile(path.join(second, 'vendor', tarball))), tarball).toBe(true);
      const listed = (await run('tar', ['tzf', path.join(first, 'vendor', tarball)])).stdout
        .trim()
        .split('\n');
      expect(listed).toContain('package/package.json');
      expect(listed).toContain('package/dist/index.js');
      expect(listed).toContain('package/dist/index.d.ts');
      expect(listed.filter((file) => file.endsWith('.tsbuildinfo') || file.endsWith('.map'))).toEqual([]);
      expect(listed.every((file) => file.startsWith('package/'))).toBe(true);
    }
    const sdkManifest = JSON.parse(
      (await run('tar', ['xzOf', path.join(first, 'vendor', 'weft-sdk-0.1.0.tgz'), 'package/package.json']))
        .stdout,
    );
    const own = JSON.parse(await fs.readFile(path.join(repositoryRoot, 'packages/sdk/package.json'), 'utf8'));
    expect(sdkManifest).toMatchObject({
      name: '@weft/sdk',
      version: own.version,
      exports: own.exports,
      dependencies: own.dependencies,
    });
    expect(sdkManifest).not.toHaveProperty('private');
    expect(sdkManifest).not.toHaveProperty('devDependencies');
  });

  it('creates ./NAME by default; --json prints {key, label, dir, files}', async () => {
    const cwd = await fs.mkdtemp(path.join(outside, 'cwd-'));
    const human = await runWeft(['components:init', 'acme-gadgets'], { env: cleanEnv(), cwd });
    expect(human, human.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(human.stdout).toMatch(/^Created the component acme-gadgets \(Acme Gadgets\) in acme-gadgets:\n/);
    expect(human.stdout).toContain('\n  cd acme-gadgets\n');
    expect(await fs.readFile(path.join(cwd, 'acme-gadgets', 'src', 'index.ts'), 'utf8')).toContain(
      "key: 'acme-gadgets'",
    );

    const dir = path.join(outside, 'as-json');
    const json = await weft(['components:init', 'acmeSprockets', '--dir', dir, '--json']);
    expect(json.error).toBeUndefined();
    expect(JSON.parse(json.stdout)).toEqual({
      key: 'acme-sprockets',
      label: 'Acme Sprockets',
      dir,
      files: expect.arrayContaining(['package.json', 'src/index.ts', 'test/index.test.ts']),
    });
  });

  it('refuses a directory that is not empty, and a file in the way, writing nothing (exit 1)', async () => {
    const dir = path.join(outside, 'taken');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'notes.txt'), 'mine');
    const taken = await weft(['components:init', 'acme', '--dir', dir]);
    expect(taken.error).toBeInstanceOf(CliError);
    expect(taken.error).toMatchObject({ exitCode: 1 });
    expect((taken.error as Error).message).toBe(
      `${dir} is not empty (1 entry); nothing was written. Choose another directory with --dir, or empty this one.`,
    );
    expect(await fs.readdir(dir)).toEqual(['notes.txt']);
    expect(taken.stdout).toBe('');

    const file = path.join(outside, 'a-file');
    await fs.writeFile(file, 'x');
    const inTheWay = await weft(['components:init', 'acme', '--dir', file]);
    expect(inTheWay.error).toMatchObject({ exitCode: 1, message: `${file} is a file, not a directory.` });

    // An empty directory is fine.
    const empty = path.join(outside, 'empty');
    await fs.mkdir(empty);
    await init('acme', empty);
    expect(await fs.readdir(empty)).toContain('package.json');
  });

  it('refuses a NAME that is not letters, digits and dashes starting with a letter (exit 2)', async () => {
    for (const name of ['9lives', 'acme_widgets', 'acme-', '-acme', 'acme--widgets', 'acme widgets', 'ä']) {
      const dir = path.join(outside, `bad-${Buffer.from(name).toString('hex')}`);
      // After `--`: '-acme' is the name, not an option.
      const { error, stdout } = await weft(['components:init', '--dir', dir, '--', name]);
      expect(error, name).toBeInstanceOf(CliError);
      expect(error, name).toMatchObject({ exitCode: 2 });
      expect((error as Error).message).toContain(`'${name}' is not a component name: use letters, digits`);
      expect(stdout).toBe('');
      await expect(fs.stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    }
  });
});

describe('weft components:build', () => {
  it('outside the checkout: bundles the CLI copy of @weft/sdk into dist/component.cjs, whose default export is the component', async () => {
    const dir = await init('acme-widgets', path.join(outside, 'build-outside'));
    const result = await buildComponentBundle(dir);
    expect(result.outFile).toBe(path.join(dir, 'dist', 'component.cjs'));
    expect(result.bytes).toBe((await fs.stat(result.outFile)).size);
    expect(result.sdkFallback).toBe(rootNodeModules);
    expect(result.fallbackPackages).toEqual(['@weft/sdk']);

    const component = loadBundle(result.outFile);
    expect(component.key).toBe('acme-widgets');
    expect(component.display.label).toBe('Acme Widgets');
    expect(Object.keys(component.actions)).toEqual(['getItem']);
    expect(Object.keys(component.triggers)).toEqual([]);
    expect(component.connections.map((connection) => connection.key)).toEqual(['apiKey']);
    expect(component.connections[0]?.inputs.map((input) => input.key)).toEqual(['baseUrl', 'apiKey']);

    // The bundled action works: it calls the connection's base URL with its key.
    const api = await itemApi();
    try {
      const { result: answer } = await invokeAction(component, 'getItem', {
        connection: {
          key: 'apiKey',
          configVarKey: 'Acme',
          fields: { baseUrl: `${api.baseUrl}/`, apiKey: 'k' },
        },
        itemId: 'abc',
      });
      expect(answer).toEqual({ data: { id: 'abc' } });
    } finally {
      await api.close();
    }
  });

  it('outside the checkout, before `npm install`: names every package it took from the CLI instead', async () => {
    // A Spectral connector's source folder whose dependencies were never installed.
    const dir = path.join(outside, 'spectral-not-installed');
    await fs.mkdir(path.join(dir, 'src'), { recursive: true });
    await fs.writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'acme-spectral', dependencies: { '@prismatic-io/spectral': '^10.31.1' } }),
    );
    await fs.writeFile(
      path.join(dir, 'src', 'index.ts'),
      `import { action, component } from '@prismatic-io/spectral';
export default component({
  key: 'acme-spectral',
  public: false,
  display: { label: 'Acme Spectral', description: 'A Spectral component', iconPath: 'icon.png' },
  actions: {
    ping: action({ display: { label: 'Ping', description: 'Answers pong' }, inputs: {}, perform: async () => ({ data: 'pong' }) }),
  },
});
`,
    );
    const result = await buildComponentBundle(dir);
    expect(result.sdkFallback).toBe(rootNodeModules);
    expect(result.fallbackPackages).toContain('@prismatic-io/spectral');
    expect(result.fallbackPackages).not.toContain('@weft/sdk');
    expect(Object.keys(loadBundle(result.outFile).actions)).toEqual(['ping']);
  });

  it('inside the checkout: uses the repository copy of @weft/sdk, and builds the same bytes', async () => {
    const dir = await init('acme-inside', path.join(inside, 'build-inside'));
    const first = await buildComponentBundle(dir, { outFile: path.join(inside, 'first.cjs') });
    expect(first.sdkFallback).toBeUndefined();
    expect(loadBundle(first.outFile).key).toBe('acme-inside');
    const second = await buildComponentBundle(dir, { outFile: path.join(inside, 'second.cjs') });
    expect(await fs.readFile(second.outFile, 'utf8')).toBe(await fs.readFile(first.outFile, 'utf8'));
  });

  it('prints the bundle path (a note when it used the CLI copy of @weft/sdk), or {"path", "bytes"} with --json', async () => {
    const dir = await init('acme-command', path.join(outside, 'build-command'));
    const outFile = path.join(outside, 'build-command-out', 'bundle.cjs');
    const human = await weft(['components:build', '--path', dir, '--out', outFile]);
    expect(human.error).toBeUndefined();
    expect(human.stdout).toBe(`${outFile}\n`);
    expect(human.stderr).toContain(`Bundling the component in ${dir}…\n`);
    expect(human.stderr).toContain(`bundled the CLI's (from ${rootNodeModules})`);
    expect(human.stderr).toMatch(/Built \d+\.\d KiB; publish it with `weft components:publish`/);

    const json = await weft(['components:build', '--path', dir, '--json']);
    expect(json.error).toBeUndefined();
    const bundle = path.join(dir, 'dist', 'component.cjs');
    expect(JSON.parse(json.stdout)).toEqual({ path: bundle, bytes: (await fs.stat(bundle)).size });
    expect(json.stderr).toBe('');
  });

  it('reports a syntax error as FILE:LINE:COL: message (BUILD_FAILED, exit 1)', async () => {
    const dir = await init('acme-broken', path.join(outside, 'broken'));
    const source = path.join(dir, 'src', 'index.ts');
    const lines = (await fs.readFile(source, 'utf8')).split('\n');
    lines.splice(2, 0, 'const broken = ;');
    await fs.writeFile(source, lines.join('\n'));

    const error = await buildComponentBundle(dir, { outFile: path.join(dir, 'out.cjs') }).then(
      () => expect.fail('the build succeeded'),
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(CodeNativeBuildError);
    expect((error as CodeNativeBuildError).problems).toEqual([`${source}:3:16: Unexpected ";"`]);
    expect((error as Error).message).toContain('The component in');
    expect((error as Error).message).toContain(`did not build (1 error):\n  ${source}:3:16: Unexpected ";"`);

    const command = await weft(['components:build', '--path', dir]);
    expect(command.error).toBeInstanceOf(CliError);
    expect(command.error).toMatchObject({ code: 'BUILD_FAILED', exitCode: 1 });
    expect((command.error as Error).message).toContain(`${source}:3:16: Unexpected ";"`);
  });

  it('says where it looked when there is no entry point, naming component({...})', async () => {
    const dir = path.join(outside, 'no-entry');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'x', main: 'lib/main.ts' }));
    await expect(buildComponentBundle(dir)).rejects.toThrow(
      `No entry point in ${dir}: looked for lib/main.ts, src/index.ts. Set "main" (or "source") in package.json to the file that default-exports component({...}).`,
    );
    await expect(buildComponentBundle(path.join(dir, 'absent'))).rejects.toThrow(
      "is not a directory: give the component project's directory.",
    );
  });
});

describe('the scaffolded project', () => {
  it('passes its own tests (vitest) and type check (tsc --noEmit) inside the checkout', async () => {
    const dir = await init('acme-selftest', path.join(inside, 'selftest'));
    const tests = await run(
      process.execPath,
      [path.join(rootNodeModules, 'vitest', 'vitest.mjs'), 'run', '--reporter=verbose'],
      { cwd: dir, env: envForChildVitest(), timeout: 60_000 },
    ).catch((error: { stdout?: string; stderr?: string }) =>
      expect.fail(`the scaffold's tests failed:\n${error.stdout}\n${error.stderr}`),
    );
    expect(tests.stdout).toMatch(/Tests\s+4 passed \(4\)/);
    expect(tests.stdout).toContain('gets an item from the base URL, sending the API key');

    await run(process.execPath, [path.join(rootNodeModules, 'typescript', 'bin', 'tsc'), '-p', dir], {
      cwd: dir,
      timeout: 60_000,
    }).catch((error: { stdout?: string; stderr?: string }) =>
      expect.fail(`the scaffold does not type-check:\n${error.stdout}\n${error.stderr}`),
    );
  });
});
