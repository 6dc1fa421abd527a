// Issue 19 (log streams): `weft log-streams:*` — a script creates a DataDog stream from the preset with its key
// header and its own template file, points it at a local receiver, sends the test payload, reads the stream's
// status, and deletes it; a bad template is refused with its line and column.
import { mkdtemp, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

let server: TestServer;
let receiver: http.Server;
let receiverUrl: string;
let dir: string;
const received: Array<{ path: string; body: string; key: string | undefined }> = [];

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({
        path: request.url ?? '',
        body,
        key: request.headers['dd-api-key'] as string | undefined,
      });
      response.writeHead(request.url === '/down' ? 503 : 202).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  dir = await mkdtemp(path.join(tmpdir(), 'weft-log-streams-'));
  server = await startTestServer({ WEFT_ROLES: 'api' });
});
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

describe('weft log-streams', () => {
  it('creates a stream from a preset, tests it, shows it and deletes it; header values never print', async () => {
    const template = path.join(dir, 'template.json');
    await writeFile(template, '{"msg": {{ message }}, "where": "{{ integrationName }} / {{ flowName }}"}');
    const created = JSON.parse(
      succeeded(
        await weft(
          '--json',
          'log-streams:create',
          '--name',
          'DataDog EU',
          '--preset',
          'datadog',
          '--region',
          'eu',
          '--header',
          'DD-API-KEY: cli-secret-93a1',
          '--template',
          template,
        ),
      ),
    );
    expect(created).toMatchObject({
      id: expect.any(String),
      url: 'https://http-intake.logs.datadoghq.eu/api/v2/logs',
      preset: 'datadog',
      headerNames: ['DD-API-KEY'],
      format: 'json',
    });

    succeeded(await weft('log-streams:update', created.id, '--url', `${receiverUrl}/intake`));
    expect(succeeded(await weft('log-streams:test', created.id))).toBe(
      'Delivered the test payload: the endpoint answered 202.\n',
    );
    expect(received).toEqual([
      {
        path: '/intake',
        body: '[{"msg": "Test message", "where": "Test integration / Test flow"}]',
        key: 'cli-secret-93a1',
      },
    ]);

    const shown = succeeded(await weft('log-streams:get', created.id));
    expect(shown).toMatch(/^headers\s+DD-API-KEY$/m);
    expect(shown).toMatch(/^state\s+delivering$/m);
    const listed = JSON.parse(succeeded(await weft('--json', 'log-streams:list')));
    expect(listed.items.map((item: { name: string }) => item.name)).toEqual(['DataDog EU']);
    expect(`${shown}${JSON.stringify(listed)}`).not.toContain('cli-secret-93a1');

    succeeded(await weft('log-streams:update', created.id, '--url', `${receiverUrl}/down`));
    const failed = await weft('log-streams:test', created.id);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^The test payload was not delivered: .*answered 503/);

    expect(succeeded(await weft('log-streams:delete', created.id))).toBe(
      `Deleted log stream DataDog EU (${created.id})\n`,
    );
  });

  it('refuses a template that is not JSON, saying where', async () => {
    const template = path.join(dir, 'broken.json');
    await writeFile(template, '{\n  "msg": "{{ message }}" "x"\n}');
    const result = await weft(
      'log-streams:create',
      '--name',
      'Broken',
      '--url',
      receiverUrl,
      '--template',
      template,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LOG_STREAM_TEMPLATE_INVALID');
    expect(result.stderr).toContain('line 2, column 26');
  });
});
