// The `weft executions:list|replay|cancel` and `weft logs:search|tail` commands against a running server (every
// role, so a worker runs the test executions).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCustomer,
  createInstance,
  eventually,
  finished,
  ordersYaml,
  publishIntegration,
  testRun,
} from '../../server/test/executions-fixtures.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import {
  cleanEnv,
  type RunResult,
  runWeft,
  stopAllWeftProcesses,
  WeftProcess,
} from './support/weft-process.js';

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let server: TestServer;
let instance: string;
let succeededRun: string;
let failedRun: string;

function connection(): string[] {
  return ['--url', server.url, '--token', server.ownerToken];
}

function weft(...args: string[]): Promise<RunResult> {
  return runWeft([...connection(), ...args], { env: cleanEnv() });
}

/** Expects a successful run with nothing on stderr, and returns its stdout. */
function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

const ids = (items: Array<{ id: string }>) => items.map((item) => item.id);

beforeAll(async () => {
  server = await startTestServer();
  const integration = await publishIntegration(server, ordersYaml('CLI Desk', { sleepMs: 3000 }));
  const customer = await createCustomer(server, 'Acme', 'acme-7');
  instance = await createInstance(server, customer, integration, 'Acme Desk');
  succeededRun = await testRun(server, instance, 'Process Orders', { orderId: 'C-1' });
  await finished(server, succeededRun);
  failedRun = await testRun(server, instance, 'Fail Fast', { orderId: 'C-2' });
  await finished(server, failedRun);
});

afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
});

describe('weft executions:*', () => {
  it('executions:list prints a JSON array newest first, filtered, or a table', async () => {
    const all = JSON.parse(succeeded(await weft('executions:list', '--json')));
    expect(ids(all)).toEqual([failedRun, succeededRun]);
    expect(all[1]).toMatchObject({
      id: succeededRun,
      status: 'succeeded',
      flow: 'Process Orders',
      instanceId: instance,
      triggerKind: 'test',
      retryOfId: null,
      replayOfId: null,
    });
    expect(all[1].steps).toBeUndefined();

    const failed = JSON.parse(succeeded(await weft('executions:list', '--status', 'failed', '--json')));
    expect(ids(failed)).toEqual([failedRun]);
    const both = await weft('executions:list', '--status', 'failed', '--status', 'succeeded', '--json');
    expect(ids(JSON.parse(succeeded(both)))).toEqual([failedRun, succeededRun]);
    const byFlow = await weft(
      'executions:list',
      '--instance',
      instance,
      '--customer',
      'acme-7',
      '--flow',
      'Process Orders',
      '--json',
    );
    expect(ids(JSON.parse(succeeded(byFlow)))).toEqual([succeededRun]);
    expect(JSON.parse(succeeded(await weft('executions:list', '--since', '1h', '--json')))).toHaveLength(2);
    expect(JSON.parse(succeeded(await weft('executions:list', '--until', '1h', '--json')))).toEqual([]);
    expect(ids(JSON.parse(succeeded(await weft('executions:list', '--limit', '1', '--json'))))).toEqual([
      failedRun,
    ]);

    const table = succeeded(await weft('executions:list', '--instance', instance));
    const [header, ...rows] = table.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+STATUS\s+FLOW\s+TRIGGER\s+QUEUED\s+DURATION\s+ERROR$/);
    expect(rows).toEqual([
      expect.stringMatching(
        new RegExp(`^${failedRun}\\s+failed\\s+Fail Fast\\s+test\\s+\\S+\\s+\\d+ ms\\s+.*boom`),
      ),
      expect.stringMatching(new RegExp(`^${succeededRun}\\s+succeeded\\s+Process Orders\\s+test\\s+`)),
    ]);
    const limited = await weft('executions:list', '--limit', '1');
    expect(limited.code).toBe(0);
    expect(limited.stderr).toMatch(/More executions follow/);

    expect((await weft('executions:list', '--status', 'exploded')).code).toBe(2);
    expect((await weft('executions:list', '--since', 'last tuesday')).code).toBe(2);
  });

  it('executions:replay queues the same request again (--json: the new id)', async () => {
    const json = JSON.parse(succeeded(await weft('executions:replay', succeededRun, '--json')));
    expect(json).toEqual({ id: expect.stringMatching(new RegExp(`^${uuid}$`)), executionId: json.id });
    const replay = await finished(server, json.id);
    expect(replay).toMatchObject({ status: 'succeeded', triggerKind: 'replay', replayOfId: succeededRun });
    expect(replay.steps.integrationTrigger.body.data).toEqual({ orderId: 'C-1' });

    const plain = succeeded(await weft('executions:replay', succeededRun, '--same-version'));
    expect(plain).toMatch(new RegExp(`^${uuid}\\n$`));
    await finished(server, plain.trim());
  });

  it('executions:cancel cancels a running execution and refuses a finished one', async () => {
    const slow = await testRun(server, instance, 'Slow Flow');
    await eventually(async () =>
      (await server.api('GET', `/api/executions/${slow}`)).body.status === 'running' ? true : undefined,
    );
    expect(succeeded(await weft('executions:cancel', slow))).toBe(
      `Cancelled execution ${slow} (Slow Flow)\n`,
    );
    expect((await server.api('GET', `/api/executions/${slow}`)).body.status).toBe('cancelled');

    const refused = await weft('executions:cancel', failedRun);
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^Error \[EXECUTION_NOT_CANCELLABLE\]/);
  });
});

describe('weft logs:*', () => {
  it('logs:search finds lines by text and level, as lines or a JSON array', async () => {
    const late = JSON.parse(
      succeeded(await weft('logs:search', '--text', 'late', '--execution', succeededRun, '--json')),
    );
    expect(late).toEqual([
      expect.objectContaining({
        executionId: succeededRun,
        instanceId: instance,
        flow: 'Process Orders',
        level: 'warn',
        message: 'Order C-1 is LATE',
      }),
    ]);
    const text = succeeded(await weft('logs:search', '--level', 'debug', '--instance', instance));
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z DEBUG \[Fail Fast\] about to fail C-2\n$/);
    const warnings = JSON.parse(succeeded(await weft('logs:search', '--min-level', 'warn', '--json')));
    expect(warnings.length).toBeGreaterThan(0);
    // warn and above: the late order's warning, and the failed run's failing step (logged at error).
    expect(new Set(warnings.map((line: { level: string }) => line.level))).toEqual(
      new Set(['warn', 'error']),
    );
    expect(warnings).toContainEqual(
      expect.objectContaining({
        executionId: failedRun,
        level: 'error',
        message: expect.stringContaining('failed'),
      }),
    );
    const replayed = JSON.parse(
      succeeded(await weft('logs:search', '--text', 'ORDER C-1 is late', '--json')),
    );
    expect(replayed).toHaveLength(3); // the run and its two replays
    expect(
      succeeded(await weft('logs:search', '--execution', failedRun, '--text', 'nothing like this')),
    ).toBe('(none)\n');
  });

  it('logs:tail --json prints lines logged after it started, one JSON object per line, until stopped', async () => {
    const tail = new WeftProcess(
      [...connection(), 'logs:tail', '--instance', instance, '--json', '--timeout-seconds', '40'],
      { env: cleanEnv() },
    );
    await tail.waitFor('stderr', /Following logs/);
    const run = await testRun(server, instance, 'Process Orders', { orderId: 'T-9' });
    await tail.waitFor('stdout', /Order T-9 is LATE/, 20_000);
    tail.signal('SIGINT');
    const exit = await tail.waitForExit(10_000);
    expect(exit.code, tail.describe()).toBe(0);
    const lines = tail.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    const mine = lines.filter((line: { executionId: string }) => line.executionId === run);
    expect(mine).toEqual([
      expect.objectContaining({
        instanceId: instance,
        flow: 'Process Orders',
        message: 'Received order T-9',
      }),
      expect.objectContaining({ level: 'warn', message: 'Order T-9 is LATE', stepKey: 'logLate' }),
    ]);
  });

  it('logs:tail stops by itself after --timeout-seconds', async () => {
    const started = Date.now();
    const result = await runWeft([...connection(), 'logs:tail', '--timeout-seconds', '1'], {
      env: cleanEnv(),
      timeoutMs: 15_000,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
