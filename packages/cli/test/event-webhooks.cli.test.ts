// Issue 19 (event webhooks): `weft event-webhooks:*` and `weft event-types:list` — a script creates an event
// webhook (its id and the generated secret from --json), sends the test event to a local receiver, reads the
// delivery log, changes and deletes the webhook.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

let server: TestServer;
let receiver: http.Server;
let receiverUrl: string;
const received: Array<{ body: string; signature: string | undefined }> = [];

beforeAll(async () => {
  receiver = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: request.headers['x-webhook-signature'] as string | undefined,
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;
  server = await startTestServer({ WEFT_MONITORING_POLL_MS: '100' });
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

describe('weft event-webhooks', () => {
  it('creates, tests, lists, changes and deletes an event webhook', async () => {
    const created = JSON.parse(
      succeeded(
        await weft(
          'event-webhooks:create',
          '--name',
          'My app',
          '--url',
          receiverUrl,
          '--events',
          'instance.deployed,instance.deleted',
          '--events',
          'customer.*',
          '--generate-secret',
          '--json',
        ),
      ),
    );
    expect(created).toMatchObject({
      name: 'My app',
      hasSecret: true,
      enabled: true,
      eventTypes: [
        'instance.deleted',
        'instance.deployed',
        'customer.created',
        'customer.updated',
        'customer.deleted',
      ],
    });
    expect(created.secret).toMatch(/^whsec_/);
    const id = created.id as string;

    const tested = succeeded(await weft('event-webhooks:test', id));
    expect(tested).toMatch(/^Delivered webhook\.test .*answered 204/);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ event_type: 'webhook.test', webhook_id: id });
    expect(received[0]!.signature).toMatch(/^sha256=[0-9a-f]{64}$/);

    const log = succeeded(await weft('event-webhooks:deliveries', id));
    expect(log).toMatch(/webhook\.test\s+delivered\s+1\s+204/);
    const logJson = JSON.parse(
      succeeded(await weft('event-webhooks:deliveries', id, '--status', 'failed', '--json')),
    );
    expect(logJson).toEqual({ items: [], nextCursor: null });

    const listed = succeeded(await weft('event-webhooks:list'));
    expect(listed).toContain(id);
    expect(listed).not.toContain(created.secret);
    expect(succeeded(await weft('event-webhooks:get', id))).toContain('signed       yes');

    const updated = JSON.parse(
      succeeded(
        await weft(
          'event-webhooks:update',
          id,
          '--disable',
          '--remove-secret',
          '--events',
          'user.*',
          '--json',
        ),
      ),
    );
    expect(updated).toMatchObject({
      enabled: false,
      hasSecret: false,
      eventTypes: ['user.created', 'user.updated', 'user.deleted'],
    });

    const types = succeeded(await weft('event-types:list'));
    expect(types).toMatch(/instance\.deployed\s+Instance/);
    expect(types).not.toContain('workflow.');

    expect(succeeded(await weft('event-webhooks:delete', id))).toBe(`Deleted event webhook My app (${id})\n`);
    const gone = await weft('event-webhooks:get', id);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('EVENT_WEBHOOK_NOT_FOUND');
  });

  it('names the unknown event type', async () => {
    const refused = await weft(
      'event-webhooks:create',
      '--name',
      'Bad',
      '--url',
      receiverUrl,
      '--events',
      'workflow.created',
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("'workflow.created'");
    expect(refused.stderr).toContain('no workflows');
  });
});
