// Issue 19 (alert monitors): the prism-named `weft alerts:*` commands create webhooks, groups and monitors (each
// with --json answering the created object's id), list and delete them, send a test alert, and list a monitor's
// events — lists given comma-separated or as prism's JSON arrays.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCustomer, publishIntegration } from '../../server/test/executions-fixtures.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

let server: TestServer;
let receiver: http.Server;
let receiverUrl: string;
const received: string[] = [];
let instanceId: string;

const yaml = `definitionVersion: 7
name: CLI Alerted
description: Fails
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Break
    stableKey: break
    description: Fails
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
      - name: Explode
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async () => { throw new Error('kaboom'); };
`;

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    request.on('end', () => {
      received.push(body);
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  server = await startTestServer({ WEFT_MONITORING_POLL_MS: '100' });
  const integrationId = await publishIntegration(server, yaml);
  const customerId = await createCustomer(server, 'CLI Co');
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId, integrationId, name: 'CLI Instance' },
  });
  instanceId = instance.body.id;
  expect((await server.api('POST', `/api/instances/${instanceId}/deploy`)).status).toBe(200);
}, 60_000);

afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
});

function weft(...args: string[]): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], { env: cleanEnv() });
}

function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

describe('weft alerts:*', () => {
  it('creates a webhook, a group and a monitor, fires it, lists its events, and deletes all three', async () => {
    const webhook = JSON.parse(
      succeeded(
        await weft(
          '--json',
          'alerts:webhooks:create',
          '--name',
          'Ops hook',
          '--url',
          receiverUrl,
          '--preset',
          'slack',
        ),
      ),
    );
    expect(webhook).toMatchObject({ id: expect.any(String), preset: 'slack' });
    // prism's JSON array form for lists.
    const group = JSON.parse(
      succeeded(
        await weft('--json', 'alerts:groups:create', '--name', 'Ops', '--webhooks', `["${webhook.id}"]`),
      ),
    );
    expect(group.webhooks).toEqual([{ id: webhook.id, name: 'Ops hook' }]);
    const monitor = JSON.parse(
      succeeded(
        await weft(
          '--json',
          'alerts:monitors:create',
          '--name',
          'Ops on failure',
          '--instance',
          instanceId,
          '--triggers',
          'Execution Failed,execution-completed',
          '--groups',
          'Ops',
        ),
      ),
    );
    expect(monitor).toMatchObject({
      id: expect.any(String),
      triggers: ['execution-failed', 'execution-completed'],
    });

    const table = succeeded(await weft('alerts:monitors:list'));
    expect(table).toContain('Ops on failure');
    expect(table).toContain('instance CLI Instance');

    const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
    const url = flows.body.flows[0].webhookUrl as string;
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(200);
    await expect.poll(() => received.length).toBe(1);
    expect(JSON.parse(received[0]!).text).toContain('Ops on failure: Execution Failed on CLI Instance');

    await expect
      .poll(
        async () =>
          JSON.parse(succeeded(await weft('--json', 'alerts:events', '--monitor', monitor.id))).items.length,
      )
      .toBe(1);
    const events = succeeded(await weft('alerts:events:list', monitor.id));
    expect(events).toContain('Execution Failed');
    expect(events).toContain('CLI Instance');
    const [event] = JSON.parse(succeeded(await weft('--json', 'alerts:events', monitor.id))).items;
    expect(event.message).toContain('kaboom');

    const test = succeeded(await weft('alerts:webhooks:test', webhook.id));
    expect(test).toContain('delivered');
    expect(received.length).toBe(2);

    for (const [noun, id] of [
      ['monitors', monitor.id],
      ['groups', group.id],
      ['webhooks', webhook.id],
    ]) {
      expect(JSON.parse(succeeded(await weft('--json', `alerts:${noun}:delete`, id)))).toEqual({
        id,
        deleted: true,
      });
    }
    expect(JSON.parse(succeeded(await weft('--json', 'alerts:webhooks:list'))).items).toEqual([]);
  });

  it('says what is wrong with bad input, and lists the triggers', async () => {
    const bad = await weft(
      'alerts:monitors:create',
      '--name',
      'x',
      '--instance',
      instanceId,
      '--triggers',
      'explosions',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("'explosions' is not an alert trigger");
    const badList = await weft('alerts:groups:create', '--name', 'x', '--users', '[1,2]');
    expect(badList.code).not.toBe(0);
    expect(badList.stderr).toContain('expected a JSON array of strings');
    const triggers = succeeded(await weft('alerts:triggers:list'));
    expect(triggers).toContain('execution-overdue');
    expect(triggers).toContain('Connection Threw an Exception');
  });
});
