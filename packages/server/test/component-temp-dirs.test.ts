// Issue 14 (temporary files): a custom component may write temporary files, as Prismatic's sftp connector does
// (ssh2-sftp-client's fastGet writes under os.tmpdir()). Each call gets a private temporary directory, which
// os.tmpdir() and TMPDIR name during the call; it is gone once the call ends, however it ends (success, a thrown
// error, a time-out, a crash). Writing anywhere else stays refused.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSpectralFixture } from './support/spectral-bundles.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import {
  type ExecutionAnswer,
  instanceOf,
  testRun,
  waitForExecution,
  webhookTrigger,
} from './support/worker-fixtures.js';

const sftp = (key: string) =>
  `{key: ${key}, component: {key: spectral-sftp, version: LATEST, isPublic: false}}`;
const flow = (name: string, action: string, inputs: Record<string, string>) => `  - name: ${name}
    stableKey: ${name.toLowerCase().replaceAll(' ', '-')}
    description: ${name}
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
${webhookTrigger}      - name: Act
        action: ${sftp(action)}
        inputs:
${Object.entries(inputs)
  .map(([key, value]) => `          ${key}: ${value}\n`)
  .join('')}`;

const escapeName = `weft-escape-${randomBytes(6).toString('hex')}`;
const outsideTargets = [path.join(os.tmpdir(), escapeName), path.join(process.cwd(), escapeName)];

const yaml = `definitionVersion: 7
name: Temporary Files
description: Components writing temporary files
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
${flow('Stash', 'stashFile', { content: '{type: template, value: "{{$integrationTrigger.results.body.data.content}}"}' })}
${flow('Stash Then Stop', 'stashThenStop', { mode: '{type: template, value: "{{$integrationTrigger.results.body.data.mode}}"}' })}
${flow('Escape', 'tryEscapes', { targets: `{type: value, value: ${JSON.stringify(outsideTargets.join('\n'))}}` })}
`;

let server: TestServer;
let instanceId: string;

beforeAll(async () => {
  // A short call time limit, for the call that hangs.
  server = await startTestServer({ WEFT_LOG_LEVEL: 'silent', WEFT_COMPONENT_TIMEOUT_MS: '8000' });
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSpectralFixture('sftp-component.ts'), comment: 'temporary files' },
  });
  expect(published.status, published.text).toBe(201);
  instanceId = await instanceOf(server, yaml, 'Files Co');
  const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
});

afterAll(async () => {
  await server?.stop();
  for (const target of outsideTargets) fs.rmSync(target, { force: true });
});

async function run(flowName: string, payload: unknown = {}): Promise<ExecutionAnswer> {
  return waitForExecution(server, await testRun(server, instanceId, flowName, payload), {
    timeoutMs: 30_000,
  });
}

const result = (execution: ExecutionAnswer) =>
  execution.stepRecords.find((record: { name: string }) => record.name === 'Act')?.result;

/** The directory the call said (in a log line) it wrote into. */
function loggedDir(execution: ExecutionAnswer): string {
  const line = execution.logs
    .map((entry: { message: string }) => entry.message)
    .find((message: string) => message.startsWith('wrote into '));
  expect(line, JSON.stringify(execution.logs)).toBeDefined();
  return line.slice('wrote into '.length);
}

describe('a component call', () => {
  it('writes and reads back a file in its own temporary directory, which is gone after the call', async () => {
    const first = await run('Stash', { content: 'fetched over sftp' });
    expect(first.status, JSON.stringify(first.error)).toBe('succeeded');
    const seen = result(first);
    expect(seen.content).toBe('fetched over sftp');
    expect(seen.envTmpDir).toBe(seen.tmpDir);
    expect(seen.listed).toEqual(['download.part', expect.stringMatching(/^scratch-/)]);
    // Not the machine's temporary directory: one made for this call, and removed with its files.
    expect(path.resolve(seen.tmpDir)).not.toBe(path.resolve(os.tmpdir()));
    expect(fs.existsSync(seen.tmpDir)).toBe(false);

    // The next call (the same warm process) gets another directory, empty: nothing of the first call is left.
    const second = await run('Stash', { content: 'another customer file' });
    expect(second.status, JSON.stringify(second.error)).toBe('succeeded');
    expect(result(second).tmpDir).not.toBe(seen.tmpDir);
    expect(result(second).listed).toEqual(['download.part', expect.stringMatching(/^scratch-/)]);
    expect(result(second).content).toBe('another customer file');
    expect(fs.existsSync(result(second).tmpDir)).toBe(false);
  });

  it.each([
    ['throws', 'fail', 'gave up after writing into'],
    ['hangs past its time limit', 'hang', 'did not finish within'],
    ['crashes its process', 'crash', 'a timer threw'],
  ])('that %s leaves no temporary file behind', async (_how, mode, message) => {
    const execution = await run('Stash Then Stop', { mode });
    expect(execution.status).toBe('failed');
    expect(execution.error.message).toContain(message);
    const dir = loggedDir(execution);
    expect(dir).toMatch(/call-/);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('still cannot write anywhere else: the machine temporary directory, the server directory, its own code', async () => {
    const execution = await run('Escape');
    expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
    const attempts = result(execution) as Record<string, { code: string } | string>;
    // Both outside targets and the sandbox's own host.cjs were tried, and the symbolic link out.
    expect(Object.keys(attempts)).toHaveLength(outsideTargets.length + 2);
    for (const [target, outcome] of Object.entries(attempts)) {
      expect(outcome, target).toMatchObject({ code: 'ERR_ACCESS_DENIED' });
    }
    for (const target of outsideTargets) expect(fs.existsSync(target), target).toBe(false);
  });
});
