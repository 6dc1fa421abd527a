// `weft run`: a flow of a YAML definition in memory, through the real binary — one flow that uses every kind of
// built-in (http against a local server, collections, loop, math, persist-data, text, code, csv, branch, log,
// stop-execution), a failing flow, and the human output.
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runWeft } from './support/weft-process.js';

/** The flows here call HTTP servers the test starts on 127.0.0.1: the egress guard refuses loopback unless opened. */
const localApis = { WEFT_EGRESS_ALLOW: '127.0.0.1' };

const everyBuiltin = fileURLToPath(new URL('./fixtures/run/every-builtin.yaml', import.meta.url));
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/orders') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          orders: [
            { id: 'a', total: 5 },
            { id: 'b', total: 12 },
            { id: 'c', total: 40 },
          ],
        }),
      );
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('no such thing');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.close();
});

describe('weft run', () => {
  it('runs a flow through every kind of built-in and prints one JSON document', async () => {
    const result = await runWeft(
      ['run', '--definition', everyBuiltin, '--flow', 'Orders', '--config', `Base URL=${baseUrl}`, '--json'],
      { env: cleanEnv(localApis) },
    );
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.status).toBe('succeeded');
    expect(output.steps.bigOrders).toEqual([
      { id: 'b', total: 12 },
      { id: 'c', total: 40 },
    ]);
    expect(output.steps.count).toBe(2);
    expect(output.steps.each).toEqual([[10], [10, 24], [10, 24, 80]]);
    expect(output.steps.totals).toEqual([10, 24, 80]);
    expect(output.steps.shout).toBe('2 BIG ORDERS');
    expect(output.steps.transform).toEqual({ totals: [10, 24, 80], shout: '2 BIG ORDERS' });
    expect(
      output.logs.map((entry: { level: string; message: string }) => [entry.level, entry.message]),
    ).toEqual([
      ['info', 'threshold 10'],
      ['warn', 'many: 2 BIG ORDERS'],
    ]);
    expect(output.response.statusCode).toBe(201);
    expect(output.response.contentType).toBe('text/csv');
    expect(String(output.response.body).trim().split(/\r?\n/)).toEqual(['id,total', 'a,5', 'b,12', 'c,40']);
  });

  it('runs data formats, dates, sleep, cross-flow calls, recursive cursors, schedule and deploy flows', async () => {
    const payload = join(tmpdir(), `weft-run-shipment-${process.pid}.xml`);
    writeFileSync(
      payload,
      '<shipment><id>S-9</id><sent>2026-03-01T10:00:00Z</sent><weight>12.5</weight></shipment>',
    );
    const result = await runWeft(
      [
        'run',
        '--definition',
        everyBuiltin,
        '--flow',
        'Shipments',
        '--payload',
        payload,
        '--content-type',
        'application/xml',
        '--json',
      ],
      { env: cleanEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.status, JSON.stringify(output.error)).toBe('succeeded');
    expect(output.steps.parseXml).toEqual({
      shipment: { id: 'S-9', sent: '2026-03-01T10:00:00Z', weight: 12.5 },
    });
    expect(JSON.parse(output.steps.asJson)).toEqual({
      id: 'S-9',
      sent: '2026-03-01T10:00:00Z',
      weight: 12.5,
    });
    expect(output.steps.dueDate).toBe('2026-03-04');
    expect(output.steps.askCarrier).toBe('carrier for S-9');
    expect(output.steps.cursor).toBe('page-2');

    const quietFlows: Array<[string, string]> = [
      ['Nightly', 'nightly run'],
      ['On Deploy', 'deployed'],
    ];
    for (const [flow, message] of quietFlows) {
      const run = await runWeft(['run', '--definition', everyBuiltin, '--flow', flow, '--json'], {
        env: cleanEnv(),
      });
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout).logs.map((entry: { message: string }) => entry.message)).toEqual([
        message,
      ]);
    }
  });

  it('exits 1 with the failing step named when the flow fails', async () => {
    const result = await runWeft(
      [
        'run',
        '--definition',
        everyBuiltin,
        '--flow',
        'Orders',
        '--config',
        `Base URL=${baseUrl}/missing`,
        '--json',
      ],
      { env: cleanEnv(localApis) },
    );
    expect(result.code).toBe(1);
    const output = JSON.parse(result.stdout);
    expect(output.status).toBe('failed');
    expect(output.error.stepKey).toBe('fetch');
    expect(output.error.message).toMatch(/404/);
  });

  it('prints each step as it runs, and refuses an invalid definition with FILE:LINE:COL problems', async () => {
    const human = await runWeft(
      ['run', '--definition', everyBuiltin, '--flow', 'Orders', '--config', `Base URL=${baseUrl}`],
      {
        env: cleanEnv(localApis),
      },
    );
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/✓ Fetch \(\d+ ms\)/);
    expect(human.stdout).toMatch(/\[warn\] many: 2 BIG ORDERS/);
    expect(human.stdout).toMatch(/Flow 'Orders' succeeded in \d+ ms\./);

    const broken = join(tmpdir(), `weft-run-broken-${process.pid}.yaml`);
    writeFileSync(
      broken,
      'definitionVersion: 7\nname: X\nflows:\n  - name: F\n    steps:\n      - name: T\n        isTrigger: true\n        action: {key: webhok, component: {key: webhook-triggers}}\n',
    );
    const refused = await runWeft(['run', '--definition', broken, '--flow', 'F'], { env: cleanEnv() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `${broken}:8:23: component 'webhook-triggers' has no trigger 'webhok' — did you mean 'webhook'?`,
    );
  });

  it('hands a binary payload file to the flow as a file and prints files as binary marks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'weft-run-file-'));
    const definition = join(dir, 'files.yaml');
    writeFileSync(
      definition,
      `name: Files
definitionVersion: 7
flows:
  - name: Echo
    stableKey: echo
    steps:
      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
      - name: Code Echo
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, stepResults) => {
                const body = stepResults.integrationTrigger.results.body;
                return { data: Buffer.from(body.data), contentType: body.contentType };
              };
`,
    );
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255, 254, 1, 2, 3]);
    const payload = join(dir, 'image.png');
    writeFileSync(payload, bytes);
    const result = await runWeft(
      ['run', definition, '--payload', payload, '--content-type', 'image/png', '--json'],
      { env: cleanEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout);
    expect(output.steps.codeEcho).toEqual({
      data: { $binary: { base64: bytes.toString('base64'), size: bytes.length, contentType: 'image/png' } },
      contentType: 'image/png',
    });
    // Without --content-type, a file that is not UTF-8 text is still a file: its bytes, never decoded as text.
    const guessed = await runWeft(['run', definition, '--payload', payload, '--json'], { env: cleanEnv() });
    expect(guessed.code, guessed.stderr).toBe(0);
    expect(JSON.parse(guessed.stdout).steps.codeEcho.data.$binary).toEqual({
      base64: bytes.toString('base64'),
      size: bytes.length,
      contentType: 'application/octet-stream',
    });
  });
});
