// The `weft instances:*` and `weft executions:show` commands against a running server (every role, so a worker
// runs test executions): create, configure, list, get, pause/unpause, test --wait, executions:show, delete.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { eventually } from '../../server/test/support/worker-fixtures.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

const fixtures = fileURLToPath(new URL('./fixtures/instances/', import.meta.url));
const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let server: TestServer;
let scratch: string;
let integrationId: string;
let customerId: string;

function weft(...args: string[]): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], {
    env: cleanEnv(),
    cwd: fixtures,
  });
}

/** Expects a successful run with nothing on stderr, and returns its stdout. */
function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

beforeAll(async () => {
  server = await startTestServer();
  scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-cli-instances-'));
  integrationId = succeeded(await weft('integrations:import', '--path', 'order-counter.yaml')).trim();
  succeeded(await weft('integrations:publish', integrationId, '--comment', 'v1'));
  const customer = await server.api('POST', '/api/customers', {
    body: { name: 'Acme', externalId: 'acme-42' },
  });
  expect(customer.status, customer.text).toBe(201);
  customerId = customer.body.id;
});

afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
  if (scratch) await fs.rm(scratch, { recursive: true, force: true });
});

async function created(name: string, customer = customerId, ...extra: string[]): Promise<string> {
  const stdout = succeeded(
    await weft(
      'instances:create',
      '--customer',
      customer,
      '--integration',
      integrationId,
      '--name',
      name,
      ...extra,
    ),
  );
  expect(stdout).toMatch(new RegExp(`^${uuid}\\n$`));
  return stdout.trim();
}

describe('weft instances:*', () => {
  it('creates by customer id (prints the id) or external id (--json prints the instance)', async () => {
    await created('By Id');
    const json = JSON.parse(
      succeeded(
        await weft(
          'instances:create',
          '--customer',
          'acme-42',
          '--integration',
          integrationId,
          '--version',
          '1',
          '--name',
          'By External Id',
          '--label',
          'Gold',
          '--json',
        ),
      ),
    );
    expect(json).toMatchObject({
      id: expect.stringMatching(new RegExp(`^${uuid}$`)),
      name: 'By External Id',
      labels: ['gold'],
      enabled: true,
      customer: { id: customerId, externalId: 'acme-42', name: 'Acme' },
      integration: { id: integrationId, name: 'Order Counter' },
      versionNumber: 1,
    });
  });

  it('configures values parsed as JSON or text; an unknown variable prints one line per problem and exits 1', async () => {
    const id = await created('Configured');
    const configured = JSON.parse(
      succeeded(
        await weft('instances:configure', id, '--set', 'Greeting=howdy', '--set', 'Batch Size=25', '--json'),
      ),
    );
    const values = Object.fromEntries(
      configured.configVariables.map((v: { key: string; value: unknown }) => [v.key, v.value]),
    );
    expect(values).toEqual({ Greeting: 'howdy', 'Batch Size': 25 });

    const unknown = await weft('instances:configure', id, '--set', 'Greting=hi');
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^Greting: .*no config variable named 'Greting'.*'Greeting'/),
      'Error [INSTANCE_CONFIG_INVALID]: 1 invalid config value; nothing was stored.',
    ]);
    const stored = await server.api('GET', `/api/instances/${id}`);
    expect(stored.body.configVariables[0].value).toBe('howdy');

    const usage = await weft('instances:configure', id, '--set', 'no equals sign');
    expect(usage.code).toBe(2);
  });

  it('lists by customer (table and --json) and gets one with its config table', async () => {
    const other = await server.api('POST', '/api/customers', { body: { name: 'Other Co' } });
    const otherId = await created('Other Instance', other.body.id);
    const listed = JSON.parse(succeeded(await weft('instances:list', '--customer', 'acme-42', '--json')));
    const names = listed.items.map((item: { name: string }) => item.name);
    expect(names).toContain('By Id');
    expect(names).not.toContain('Other Instance');
    expect(listed.nextCursor).toBeNull();

    const table = succeeded(await weft('instances:list', '--customer', other.body.id));
    const [header, ...rows] = table.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+CUSTOMER\s+INTEGRATION\s+VERSION\s+DEPLOYED\s+ENABLED\s+LABELS$/);
    expect(rows).toEqual([
      expect.stringMatching(
        new RegExp(`^${otherId}\\s+Other Instance\\s+Other Co\\s+Order Counter\\s+1\\s+no\\s+yes`),
      ),
    ]);

    const shown = succeeded(await weft('instances:get', otherId));
    expect(shown).toMatch(/^id\s+/);
    expect(shown).toMatch(/customer\s+Other Co \(/);
    expect(shown).toMatch(/VARIABLE\s+TYPE\s+VALUE\n/);
    expect(shown).toMatch(/Greeting\s+string\s+hello\n/);
    expect(shown).toMatch(/Batch Size\s+number\s+10\n/);
    const json = JSON.parse(succeeded(await weft('instances:get', otherId, '--json')));
    expect(json).toMatchObject({
      id: otherId,
      configVariables: [{ key: 'Greeting' }, { key: 'Batch Size' }],
    });
  });

  it('updates, pauses and unpauses', async () => {
    const id = await created('Switchable');
    expect(succeeded(await weft('instances:update', id, '--name', 'Switched', '--label', 'a'))).toMatch(
      /name\s+Switched\n/,
    );
    expect(succeeded(await weft('instances:pause', id))).toBe(`Paused instance Switched (${id})\n`);
    expect((await server.api('GET', `/api/instances/${id}`)).body.enabled).toBe(false);
    const paused = JSON.parse(succeeded(await weft('instances:list', '--enabled', 'false', '--json')));
    expect(paused.items.map((item: { id: string }) => item.id)).toEqual([id]);
    const refused = await weft('instances:test', id, '--flow', 'Count Orders');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^Error \[INSTANCE_PAUSED\]/);
    expect(succeeded(await weft('instances:unpause', id, '--json'))).toContain('"enabled": true');
  });

  it('test --wait runs the flow and prints the execution with its log; executions:show --json answers as is', async () => {
    const id = await created('Tested');
    succeeded(await weft('instances:configure', id, '--set', 'Greeting=howdy'));
    const payload = path.join(scratch, 'payload.json');
    await fs.writeFile(payload, JSON.stringify({ name: 'Ada' }));

    const waited = await weft(
      'instances:test',
      id,
      '--flow',
      'Count Orders',
      '--payload',
      payload,
      '--header',
      'X-Test: yes',
      '--wait',
    );
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stderr).toMatch(/succeeded/);
    expect(waited.stdout).toMatch(/status\s+succeeded\n/);
    expect(waited.stdout).toMatch(/duration\s+\d+ ms\n/);
    expect(waited.stdout).toMatch(/Count Runs\s+succeeded\s+1\n/);
    expect(waited.stdout).toContain('howdy Ada, run 1');
    const executionId = waited.stdout.match(new RegExp(`^id\\s+(${uuid})$`, 'm'))?.[1];
    expect(executionId).toBeDefined();

    const json = JSON.parse(succeeded(await weft('executions:show', executionId as string, '--json')));
    expect(json).toMatchObject({
      id: executionId,
      status: 'succeeded',
      flow: 'Count Orders',
      instanceId: id,
      steps: { countRuns: 1 },
      logs: expect.arrayContaining([
        expect.objectContaining({ level: 'info', message: 'howdy Ada, run 1', stepKey: 'logGreeting' }),
      ]),
    });
    expect(json.steps.integrationTrigger.headers).toMatchObject({ 'x-test': 'yes' });
    expect(json).toEqual((await server.api('GET', `/api/executions/${executionId}`)).body);

    // A binary payload (any content type that is not text) reaches the trigger as a file: its bytes.
    const image = path.join(scratch, 'pixel.png');
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255, 128]);
    await fs.writeFile(image, bytes);
    const binary = succeeded(
      await weft(
        'instances:test',
        id,
        '--flow',
        'Count Orders',
        '--payload',
        image,
        '--content-type',
        'image/png',
      ),
    ).trim();
    const sent = await eventually('the binary test run', async () => {
      const answer = await server.api('GET', `/api/executions/${binary}`);
      return ['queued', 'running'].includes(answer.body.status) ? undefined : answer.body;
    });
    expect(sent.steps.integrationTrigger.body).toEqual({
      data: { $binary: { base64: bytes.toString('base64'), size: bytes.length, contentType: 'image/png' } },
      contentType: 'image/png',
    });

    // Without --wait: only the execution id.
    const queued = succeeded(await weft('instances:test', id, '--flow', 'Count Orders'));
    expect(queued).toMatch(new RegExp(`^${uuid}\\n$`));
    const unknownFlow = await weft('instances:test', id, '--flow', 'Nope');
    expect(unknownFlow).toMatchObject({ code: 1, stdout: '' });
    expect(unknownFlow.stderr).toMatch(/^Error \[FLOW_NOT_FOUND\]/);
  });

  it('deploys, lists flows with webhook URLs, rotates API keys, and upgrades', async () => {
    const id = await created('Deployed');
    const before = JSON.parse(succeeded(await weft('instances:flows', id, '--json')));
    expect(before).toEqual([
      expect.objectContaining({ flow: 'Count Orders', webhookUrl: null, apiKeys: [] }),
    ]);
    const deployed = succeeded(await weft('instances:deploy', id));
    expect(deployed).toBe(`Deployed version 1 of Order Counter to Deployed (${id}).\n`);
    const [flow] = JSON.parse(succeeded(await weft('instances:flows', id, '--json')));
    expect(flow).toMatchObject({ flow: 'Count Orders', apiKeys: [] });
    expect(flow.webhookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/trigger\/[0-9a-f]{64}$/);
    const table = succeeded(await weft('instances:flows', id));
    expect(table).toContain(flow.webhookUrl);

    // A webhook to that URL runs the flow.
    const answer = await fetch(flow.webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Grace' }),
    });
    expect(answer.status).toBe(200);
    const { executionId } = (await answer.json()) as { executionId: string };
    expect(executionId).toMatch(new RegExp(`^${uuid}$`));

    // customer_optional: once keys are set, they are required.
    const keys = JSON.parse(
      succeeded(await weft('instances:api-keys', id, '--set', 'key-one-123', '--json')),
    );
    expect(keys).toEqual({ apiKeys: ['key-one-123'] });
    expect((await fetch(flow.webhookUrl, { method: 'POST' })).status).toBe(401);
    const rotated = succeeded(await weft('instances:api-keys', id, '--rotate')).trim();
    expect(rotated).toMatch(/^[\w-]{32}$/);
    expect((await fetch(flow.webhookUrl, { method: 'POST', headers: { 'api-key': rotated } })).status).toBe(
      200,
    );
    const neither = await weft('instances:api-keys', id);
    expect(neither).toMatchObject({ code: 2 });

    const upgraded = JSON.parse(succeeded(await weft('instances:upgrade', id, '--version', '1', '--json')));
    expect(upgraded.instance).toMatchObject({ versionNumber: 1, deployedVersionNumber: 1 });
    expect(upgraded.deployed.deployedVersionNumber).toBe(1);
    const listed = succeeded(await weft('instances:list', '--search', 'Deployed'));
    expect(listed).toMatch(/Deployed .* v1 /);
  });

  it('deletes an instance', async () => {
    const id = await created('Doomed');
    expect(succeeded(await weft('instances:delete', id))).toBe(`Deleted instance Doomed (${id})\n`);
    const gone = await weft('instances:get', id);
    expect(gone).toMatchObject({ code: 1, stdout: '' });
    expect(gone.stderr).toMatch(/^Error \[INSTANCE_NOT_FOUND\]/);
  });
});
