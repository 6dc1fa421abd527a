// Issue 7: custom components published as versioned bundles, used by a definition by key and version (or LATEST),
// run in sandbox processes. A component that throws, hangs, exhausts its memory, exits, or tries to read the
// host's files or environment fails only its own step, with a clear error; the next execution works.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSource } from './support/spectral-bundles.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  type ExecutionAnswer,
  instanceOf,
  testRun,
  waitForExecution,
  webhookTrigger,
} from './support/worker-fixtures.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const component = (greeting: string) => `
import fs from 'node:fs';
import { action, component, connection, dataSource, input } from '@weft/sdk';
export default component({
  key: 'acme-tools',
  display: { label: 'Acme Tools', description: 'Tools for tests' },
  connections: [
    connection({
      key: 'apiKey',
      display: { label: 'Acme API key', description: 'An Acme API key' },
      inputs: { apiKey: { label: 'API key', type: 'password', required: true } },
    }),
  ],
  dataSources: {
    lists: dataSource({
      display: { label: 'Lists', description: "The account's lists" },
      inputs: { connection: input({ label: 'Connection', type: 'connection', required: true }) },
      dataSourceType: 'picklist',
      perform: async (context, { connection }) => {
        const key = String(connection.fields.apiKey);
        context.logger.info('listing with key ' + key);
        if (key === 'revoked') throw new Error('Acme rejected the key ' + key);
        return {
          result: [
            { label: 'Customers of ' + context.customer.name, key: 'customers' },
            { label: 'Leads (key ' + key + ')', key: 'leads' },
          ],
        };
      },
    }),
  },
  actions: {
    greet: action({
      display: { label: 'Greet', description: 'Greets' },
      inputs: { name: input({ label: 'Name', type: 'string', required: true }) },
      perform: async (context, { name }) => {
        context.logger.info('greeting ' + name);
        console.log('console says hi');
        return { data: { text: '${greeting}, ' + name + '!', flow: context.flow.name, customer: context.customer.name } };
      },
    }),
    count: action({
      display: { label: 'Count', description: 'Counts in instance state' },
      inputs: {},
      perform: async (context) => {
        const runs = Number(context.instanceState.runs ?? 0) + 1;
        return { data: runs, instanceState: { ...context.instanceState, runs } };
      },
    }),
    fail: action({
      display: { label: 'Fail', description: 'Throws' },
      inputs: {},
      perform: async () => { throw new Error('Acme answered 500: upstream is down'); },
    }),
    hang: action({
      display: { label: 'Hang', description: 'Never returns' },
      inputs: {},
      perform: async () => { for (;;) {} },
    }),
    hog: action({
      display: { label: 'Hog', description: 'Allocates without end' },
      inputs: {},
      perform: async () => { const all = []; for (;;) all.push(new Array(1e6).fill(Math.random())); },
    }),
    quit: action({
      display: { label: 'Quit', description: 'Exits its process' },
      inputs: {},
      perform: async () => { process.exit(3); },
    }),
    snoop: action({
      display: { label: 'Snoop', description: 'Tries to read the host' },
      inputs: {},
      perform: async () => {
        const found = { env: Object.keys(process.env), files: [] as string[] };
        for (const file of ['/etc/passwd', '${repoRoot}/package.json']) {
          try { fs.readFileSync(file); found.files.push(file); } catch (error) { found.files.push((error as NodeJS.ErrnoException).code ?? 'error'); }
        }
        try { fs.writeFileSync('/tmp/weft-snoop', 'x'); found.files.push('wrote'); } catch (error) { found.files.push((error as NodeJS.ErrnoException).code ?? 'error'); }
        try { require('node:child_process').execSync('id'); found.files.push('spawned'); } catch (error) { found.files.push((error as NodeJS.ErrnoException).code ?? 'error'); }
        return { data: found };
      },
    }),
  },
});
`;

function yaml(version: number | 'LATEST', steps: string[]): string {
  const ref = `{key: acme-tools, version: ${version}, isPublic: false}`;
  const flows = steps
    .map(
      (actionKey) => `  - name: Run ${actionKey}
    description: Runs ${actionKey}
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}      - name: Do It
        action: {key: ${actionKey}, component: ${ref}}
        inputs:
          name: {type: value, value: Ada}
`,
    )
    .join('');
  return `definitionVersion: 7
name: Tools ${version} ${steps.join(' ')}
description: Uses a custom component
endpointType: flow_specific
configPages: []
flows:
${flows}`;
}

let server: TestServer;

function doItResult(execution: ExecutionAnswer): unknown {
  return execution.stepRecords.find((step: { name: string }) => step.name === 'Do It')?.result;
}

beforeAll(async () => {
  server = await startTestServer({
    WEFT_COMPONENT_TIMEOUT_MS: '2000',
    WEFT_COMPONENT_MEMORY_MB: '64',
    WEFT_LOG_LEVEL: 'silent',
  });
});

afterAll(async () => {
  await server?.stop();
});

describe('custom components', () => {
  it('publishes versions, refuses bad bundles and reserved keys, and lists them', async () => {
    const first = await server.api('POST', '/api/components', {
      body: { bundle: await bundleSource(component('Hello')), comment: 'first' },
    });
    expect(first.status, first.text).toBe(201);
    expect(first.body).toMatchObject({
      key: 'acme-tools',
      version: 1,
      label: 'Acme Tools',
      unchanged: false,
      actions: ['count', 'fail', 'greet', 'hang', 'hog', 'quit', 'snoop'],
      dataSources: ['lists'],
      connections: ['apiKey'],
    });
    const again = await server.api('POST', '/api/components', {
      body: { bundle: await bundleSource(component('Hello')) },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 1, unchanged: true });

    const notAComponent = await server.api('POST', '/api/components', {
      body: { bundle: Buffer.from('module.exports = { default: 42 };').toString('base64') },
    });
    expect(notAComponent.status).toBe(422);
    expect(notAComponent.body.error.code).toBe('BUNDLE_INVALID');

    const reserved = await server.api('POST', '/api/components', {
      body: {
        bundle: await bundleSource(
          `import { component } from '@weft/sdk'; export default component({ key: 'http', display: { label: 'Mine', description: '' }, actions: {} });`,
        ),
      },
    });
    expect(reserved.status).toBe(409);
    expect(reserved.body.error.code).toBe('COMPONENT_KEY_RESERVED');

    const list = await server.api('GET', '/api/components');
    expect(list.body.components).toEqual([
      expect.objectContaining({ key: 'acme-tools', latestVersion: 1, versionCount: 1 }),
    ]);
  });

  it('runs version 1 or LATEST as the definition says, and records the version each execution ran', async () => {
    const v2 = await server.api('POST', '/api/components', {
      body: { bundle: await bundleSource(component('Howdy')), comment: 'friendlier' },
    });
    expect(v2.status, v2.text).toBe(201);
    expect(v2.body.version).toBe(2);
    const versions = await server.api('GET', '/api/components/acme-tools/versions');
    expect(versions.body.versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);

    const pinned = await instanceOf(server, yaml(1, ['greet']), 'Pinned Co');
    const latest = await instanceOf(server, yaml('LATEST', ['greet', 'count']), 'Latest Co');
    const pinnedRun = await waitForExecution(server, await testRun(server, pinned, 'Run greet'));
    const latestRun = await waitForExecution(server, await testRun(server, latest, 'Run greet'));
    expect(pinnedRun.status, JSON.stringify(pinnedRun.error)).toBe('succeeded');
    expect(pinnedRun.componentVersions).toEqual({ 'acme-tools': 1 });
    expect(latestRun.componentVersions).toEqual({ 'acme-tools': 2 });
    expect(doItResult(latestRun)).toEqual({ text: 'Howdy, Ada!', flow: 'Run greet', customer: 'Latest Co' });
    const messages = latestRun.logs.map((line: { message: string }) => line.message);
    expect(messages).toContain('greeting Ada');
    expect(messages).toContain('console says hi');

    // State a component returns is kept between executions, as for built-in components.
    for (const expected of [1, 2]) {
      const run = await waitForExecution(server, await testRun(server, latest, 'Run count'));
      expect(doItResult(run)).toBe(expected);
    }

    // A step naming a version that does not exist is refused at import, with the versions there are.
    const missing = await server.api('POST', '/api/integrations/import', {
      body: { definition: yaml(9, ['greet']) },
    });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('version 9');
  });

  it("runs a config variable's data source with the instance's connection, masking its secrets", async () => {
    const ref = '{key: acme-tools, version: LATEST, isPublic: false}';
    const definition = `definitionVersion: 7
name: Lists Wizard
description: Picks a list from the customer's account
endpointType: flow_specific
requiredConfigVars:
  - key: Acme Key
    stableKey: acme-key
    dataType: connection
    connection: {key: apiKey, component: ${ref}}
    orgOnly: false
  - key: Target List
    stableKey: target-list
    dataType: picklist
    dataSource: {key: lists, component: ${ref}}
    inputs:
      connection: {type: configVar, value: Acme Key}
    orgOnly: false
configPages: []
flows:
${yaml('LATEST', ['greet']).split('flows:\n')[1]}`;
    const instance = await instanceOf(server, definition, 'Wizard Co');
    const secret = 'SECRET-acme-key-51f0c2';
    const configured = await server.api('PUT', `/api/instances/${instance}/config`, {
      body: { values: { 'Acme Key': { apiKey: secret } } },
    });
    expect(configured.status, configured.text).toBe(200);

    const answer = await server.api('GET', `/api/instances/${instance}/data-sources/Target%20List`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ configVar: 'Target List', dataSourceType: 'picklist' });
    expect(answer.body.result).toEqual([
      { label: 'Customers of Wizard Co', key: 'customers' },
      { label: 'Leads (key [REDACTED])', key: 'leads' },
    ]);
    expect(answer.body.logs).toEqual([{ level: 'info', message: 'listing with key [REDACTED]' }]);
    expect(answer.text).not.toContain(secret);
    // By stable key too.
    expect((await server.api('GET', `/api/instances/${instance}/data-sources/target-list`)).status).toBe(200);

    const noSource = await server.api('GET', `/api/instances/${instance}/data-sources/acme-key`);
    expect(noSource.status).toBe(422);
    expect(noSource.body.error.code).toBe('DATA_SOURCE_NOT_AVAILABLE');

    await server.api('PUT', `/api/instances/${instance}/config`, {
      body: { values: { 'Acme Key': { apiKey: 'revoked' } } },
    });
    const failing = await server.api('GET', `/api/instances/${instance}/data-sources/Target%20List`);
    expect(failing.status).toBe(422);
    expect(failing.body.error).toMatchObject({
      code: 'DATA_SOURCE_FAILED',
      message: expect.stringContaining("The data source of 'Target List' failed: Acme rejected the key"),
    });
  });

  it('fails only the step of a component that throws, hangs, exhausts memory, exits or snoops', async () => {
    const instance = await instanceOf(
      server,
      yaml('LATEST', ['fail', 'hang', 'hog', 'quit', 'snoop', 'greet']),
      'Risky Co',
    );
    const run = async (actionKey: string) =>
      waitForExecution(server, await testRun(server, instance, `Run ${actionKey}`));

    const failed = await run('fail');
    expect(failed.status).toBe('failed');
    expect(failed.error.message).toContain('Acme answered 500: upstream is down');

    const hung = await run('hang');
    expect(hung.status).toBe('failed');
    expect(hung.error.message).toMatch(
      /action 'hang' of component 'acme-tools' \(version 2\) did not finish within 2 s/,
    );

    const hog = await run('hog');
    expect(hog.status).toBe('failed');
    expect(hog.error.message).toMatch(
      /action 'hog' of component 'acme-tools' \(version 2\) (ran out of|used more than its) .*64 MB/,
    );

    const quit = await run('quit');
    expect(quit.status).toBe('failed');
    expect(quit.error.message).toMatch(/action 'quit' .* crashed: its process ended \(exit code 3\)/);

    const snoop = await run('snoop');
    expect(snoop.status, JSON.stringify(snoop.error)).toBe('succeeded');
    const found = doItResult(snoop) as { env: string[]; files: string[] };
    // No environment (so no DATABASE_URL or encryption key) but the call's own temporary directory, no file of
    // the host, no writes outside that directory, no processes.
    expect(found.env).toEqual(['TMPDIR']);
    expect(found.files).toEqual([
      'ERR_ACCESS_DENIED',
      'ERR_ACCESS_DENIED',
      'ERR_ACCESS_DENIED',
      'ERR_ACCESS_DENIED',
    ]);

    // The server and the component are fine afterwards.
    const greeted = await run('greet');
    expect(greeted.status).toBe('succeeded');
    const health = await server.api('GET', '/readyz');
    expect(health.status).toBe(200);
  });
});
