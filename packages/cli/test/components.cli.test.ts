// The `weft components:*` commands against a running server: a scaffolded component initialised, published (built
// first, progress on stderr), listed and its versions shown; publishing the same code again changes nothing, a
// change publishes version 2; a built bundle publishes too; what is not a component, a project that does not build,
// and a path that is neither are refused with a clear message.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

let server: TestServer;
let scratch: string;
beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-cli-components-'));
});
afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

/** `weft <args>` as the owner, in the scratch directory (or `cwd`). */
function weft(args: string[], cwd = scratch): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], {
    env: cleanEnv(),
    cwd,
    timeoutMs: 60_000,
  });
}

/** Expects a successful run and returns its stdout. */
function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0 });
  return result.stdout;
}

function tableOf(stdout: string): { header: string; rows: string[][] } {
  const [header = '', ...rows] = stdout.trimEnd().split('\n');
  return { header, rows: rows.map((row) => row.split(/\s{2,}/)) };
}

/** A new component project named `name` in the scratch directory; returns its directory. */
async function initialised(name: string): Promise<string> {
  const init = await weft(['components:init', name]);
  expect(init, init.stderr).toMatchObject({ code: 0, stderr: '' });
  return path.join(scratch, name);
}

/** Adds a second action, `ping`, to a scaffolded component. */
async function addPingAction(dir: string): Promise<void> {
  const file = path.join(dir, 'src', 'index.ts');
  const source = await fs.readFile(file, 'utf8');
  const changed = source.replace(
    'actions: { getItem },',
    `actions: {
    getItem,
    ping: action({
      display: { label: 'Ping', description: 'Answers pong' },
      inputs: {},
      perform: async () => ({ data: 'pong' }),
    }),
  },`,
  );
  expect(changed).not.toBe(source);
  await fs.writeFile(file, changed);
}

const isoDate = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('weft components:publish, list and versions', () => {
  it('init → publish → list → versions; the same code again is unchanged; a change is version 2', async () => {
    const dir = await initialised('cli-widgets');

    const first = await weft(['components:publish', '--comment', 'First version'], dir);
    expect(first, first.stderr).toMatchObject({ code: 0 });
    expect(first.stdout).toBe(
      'Published cli-widgets version 1 (1 action, 0 triggers, 0 data sources, 1 connection)\n',
    );
    expect(first.stderr).toMatch(/^• Building \.…\n(?:.*\n)*• Uploading \d+\.\d KiB…\n$/);

    const list = tableOf(succeeded(await weft(['components:list'])));
    expect(list.header).toMatch(/^KEY\s+LABEL\s+LATEST\s+VERSIONS\s+PUBLISHED$/);
    expect(list.rows).toContainEqual([
      'cli-widgets',
      'Cli Widgets',
      '1',
      '1',
      expect.stringMatching(isoDate),
    ]);

    // The same code again: nothing new.
    const again = await weft(['components:publish', '--path', dir]);
    expect(again, again.stderr).toMatchObject({ code: 0, stdout: 'cli-widgets version 1 is unchanged\n' });
    const unchangedJson = JSON.parse(succeeded(await weft(['components:publish', '--path', dir, '--json'])));
    expect(unchangedJson).toMatchObject({
      key: 'cli-widgets',
      version: 1,
      label: 'Cli Widgets',
      unchanged: true,
      actions: ['getItem'],
      triggers: [],
      dataSources: [],
      connections: ['apiKey'],
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      bundleBytes: expect.any(Number),
      publishedAt: expect.stringMatching(isoDate),
    });

    // A change: version 2.
    await addPingAction(dir);
    const second = JSON.parse(
      succeeded(await weft(['components:publish', '--path', dir, '--comment', 'Adds Ping', '--json'])),
    );
    expect(second).toMatchObject({
      key: 'cli-widgets',
      version: 2,
      unchanged: false,
      actions: expect.arrayContaining(['getItem', 'ping']),
    });
    expect(second.sha256).not.toBe(unchangedJson.sha256);

    const versions = tableOf(succeeded(await weft(['components:versions', 'cli-widgets'])));
    expect(versions.header).toMatch(/^VERSION\s+PUBLISHED\s+SIZE\s+SHA256\s+COMMENT$/);
    expect(versions.rows).toEqual([
      [
        '2',
        expect.stringMatching(isoDate),
        expect.stringMatching(/KiB$/),
        second.sha256.slice(0, 12),
        'Adds Ping',
      ],
      [
        '1',
        expect.stringMatching(isoDate),
        expect.stringMatching(/KiB$/),
        unchangedJson.sha256.slice(0, 12),
        'First version',
      ],
    ]);
    const versionsJson = JSON.parse(succeeded(await weft(['components:versions', 'cli-widgets', '--json'])));
    expect(versionsJson).toMatchObject({
      key: 'cli-widgets',
      versions: [
        { version: 2, comment: 'Adds Ping', sha256: second.sha256, bundleBytes: second.bundleBytes },
        { version: 1, comment: 'First version', sha256: unchangedJson.sha256 },
      ],
    });

    const listJson = JSON.parse(succeeded(await weft(['components:list', '--json'])));
    expect(listJson.components).toContainEqual({
      key: 'cli-widgets',
      label: 'Cli Widgets',
      description: 'Work with items in Cli Widgets',
      latestVersion: 2,
      versionCount: 2,
      publishedAt: expect.stringMatching(isoDate),
    });
  });

  it('publishes a built bundle (.cjs), and says so in the human form', async () => {
    const dir = await initialised('cli-gadgets');
    const build = await weft(['components:build', '--path', dir]);
    expect(build, build.stderr).toMatchObject({ code: 0 });
    const bundle = build.stdout.trim();
    expect(bundle).toBe(path.join(dir, 'dist', 'component.cjs'));

    const published = await weft(['components:publish', '--path', bundle, '--comment', 'From the bundle']);
    expect(published, published.stderr).toMatchObject({
      code: 0,
      stdout: 'Published cli-gadgets version 1 (1 action, 0 triggers, 0 data sources, 1 connection)\n',
    });
    expect(published.stderr).not.toContain('Building');
    expect(published.stderr).toMatch(/^• Uploading \d+\.\d KiB…\n$/);

    // The project builds to the same bytes: publishing the directory changes nothing.
    const fromDir = await weft(['components:publish', '--path', dir]);
    expect(fromDir.stdout).toBe('cli-gadgets version 1 is unchanged\n');
  });

  it('refuses a bundle that is not a component with the message of the server, publishing nothing', async () => {
    const before = JSON.parse(succeeded(await weft(['components:list', '--json']))).components;
    const file = path.join(scratch, 'not-a-component.cjs');
    await fs.writeFile(file, 'module.exports = { default: { hello: "world" } };\n');
    const refused = await weft(['components:publish', '--path', file]);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^• Uploading \d+ B…\n/);
    expect(refused.stderr).toMatch(/\nError \[BUNDLE_INVALID\]: \S.*\n$/);

    const throws = path.join(scratch, 'throws.cjs');
    await fs.writeFile(throws, 'throw new Error("boom at load");\n');
    const failing = await weft(['components:publish', '--path', throws]);
    expect(failing).toMatchObject({ code: 1, stdout: '' });
    expect(failing.stderr).toMatch(/\nError \[BUNDLE_INVALID\]: .*boom at load.*\n$/);

    expect(JSON.parse(succeeded(await weft(['components:list', '--json']))).components).toEqual(before);
  });

  it('a project that does not build prints FILE:LINE:COL and uploads nothing (BUILD_FAILED, exit 1)', async () => {
    const dir = await initialised('cli-broken');
    const source = path.join(dir, 'src', 'index.ts');
    const lines = (await fs.readFile(source, 'utf8')).split('\n');
    lines.splice(1, 0, 'const broken = ;');
    await fs.writeFile(source, lines.join('\n'));

    const failed = await weft(['components:publish'], dir);
    expect(failed).toMatchObject({ code: 1, stdout: '' });
    expect(failed.stderr.trimEnd().split('\n')).toEqual([
      '• Building .…',
      'src/index.ts:2:16: Unexpected ";"',
      "Error [BUILD_FAILED]: 1 problem building '.'; nothing was published.",
    ]);
    const versions = await weft(['components:versions', 'cli-broken']);
    expect(versions).toMatchObject({ code: 1, stdout: '' });
    expect(versions.stderr).toMatch(/^Error \[COMPONENT_NOT_FOUND\]: /);
  });

  it('an unknown key, a path that is neither a project nor a bundle, and a missing token', async () => {
    const unknown = await weft(['components:versions', 'no-such-component']);
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/^Error \[COMPONENT_NOT_FOUND\]: .+\n$/);

    const text = path.join(scratch, 'component.txt');
    await fs.writeFile(text, 'x');
    const wrongKind = await weft(['components:publish', '--path', text]);
    expect(wrongKind).toMatchObject({ code: 2, stdout: '' });
    expect(wrongKind.stderr).toContain(`'${text}' is not something to publish`);

    const missing = await weft(['components:publish', '--path', 'nowhere.cjs']);
    expect(missing).toMatchObject({
      code: 1,
      stderr: "Error: Cannot read 'nowhere.cjs': no such file or directory.\n",
    });

    const noToken = await runWeft(['components:publish', '--url', server.url], {
      env: cleanEnv(),
      cwd: scratch,
    });
    expect(noToken).toMatchObject({ code: 2, stdout: '' });
    expect(noToken.stderr).toContain('No API token');
  });
});
