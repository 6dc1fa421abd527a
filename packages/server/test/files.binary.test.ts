// Issue 14, "Files and binary data": a file `{data: Buffer, contentType}` (Prismatic's binary step results) keeps
// its bytes and content type through every path a flow gives it — a binary webhook body reaching the trigger, a
// Spectral component reading and writing it (as Prismatic's sftp connector does), a reference in a later step's
// input, a loop over files, a code step, and the synchronous answer — and step results store each file once, as
// bytes, not as JSON arrays of numbers. Random files of 0 B, 1 KB and 10 MB.
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneExecutions } from '../src/worker/prune-executions.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { bundleSpectralFixture } from './support/spectral-bundles.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { type ExecutionAnswer, instanceOf, waitForExecution } from './support/worker-fixtures.js';

const files = (key: string) =>
  `{key: ${key}, component: {key: spectral-file-relay, version: LATEST, isPublic: false}}`;

/**
 * Trigger → Read File (the webhook body) → Code Echo (a code step handing the file on) → Loop Files (over both,
 * describing each) → Answer (Read File again on the code step's file: the flow's last result, so its answer).
 */
const definition = `name: File Relay
description: Files through every path
definitionVersion: 7
flows:
  - name: Relay
    stableKey: relay
    isSynchronous: true
    steps:
      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
      - name: Read File
        action: ${files('readFile')}
        inputs:
          file: {type: reference, value: integrationTrigger.results.body}
      - name: Code Echo
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, stepResults) => {
                const file = stepResults.readFile.results;
                return { data: file.data, contentType: file.contentType };
              };
      - name: Loop Files
        action: {key: loopOverItems, component: {key: loop, version: LATEST, isPublic: true}}
        inputs:
          items:
            type: complex
            value:
              - {type: reference, value: readFile.results}
              - {type: reference, value: codeEcho.results}
        steps:
          - name: Describe Item
            action: ${files('describeFile')}
            inputs:
              file: {type: reference, value: loopFiles.currentItem}
      - name: Answer
        action: ${files('readFile')}
        inputs:
          file: {type: reference, value: codeEcho.results}
  - name: Odd Type
    stableKey: odd-type
    isSynchronous: true
    steps:
      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
      - name: Make File
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async () => ({ data: Buffer.from('hello'), contentType: 'text/plain; name=日本' });
  - name: Form
    stableKey: form
    isSynchronous: true
    steps:
      - name: Integration Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
      - name: Describe Photo
        action: ${files('describeFile')}
        inputs:
          file: {type: reference, value: integrationTrigger.results.body.data.photo}
      - name: Greet
        action: {key: runCode, component: {key: code, version: LATEST, isPublic: true}}
        inputs:
          code:
            type: value
            value: |
              module.exports = async (context, stepResults) => {
                const form = stepResults.integrationTrigger.results.body.data;
                return { data: { hello: form.person.data.firstname, note: form.note.data, photo: stepResults.describePhoto.results } };
              };
`;

let server: TestServer;
let relayUrl: string;
let formUrl: string;
let oddTypeUrl: string;

beforeAll(async () => {
  server = await startTestServer({ WEFT_LOG_LEVEL: 'silent' });
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSpectralFixture('file-relay-component.ts'), comment: 'files' },
  });
  expect(published.status, published.text).toBe(201);
  const instanceId = await instanceOf(server, definition, 'Files Co');
  const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
  const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
  relayUrl = flows.body.flows.find((flow: { flow: string }) => flow.flow === 'Relay').webhookUrl;
  formUrl = flows.body.flows.find((flow: { flow: string }) => flow.flow === 'Form').webhookUrl;
  oddTypeUrl = flows.body.flows.find((flow: { flow: string }) => flow.flow === 'Odd Type').webhookUrl;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function stepRecords(execution: ExecutionAnswer, name: string) {
  return execution.stepRecords.filter((record: { name: string }) => record.name === name);
}

describe.each([
  ['0 B', 0, 'image/png'],
  ['1 KB', 1000, 'application/pdf'],
  ['10 MB', 10_000_000, 'application/octet-stream'],
])('a %s binary file', (_label, size, contentType) => {
  const file = randomBytes(size);
  let answer: Response;
  let answered: Buffer;
  let execution: ExecutionAnswer;

  beforeAll(async () => {
    answer = await fetch(relayUrl, { method: 'POST', headers: { 'content-type': contentType }, body: file });
    answered = Buffer.from(await answer.arrayBuffer());
    const executionId = answer.headers.get('x-weft-execution-id');
    expect(executionId, answered.subarray(0, 2000).toString()).toBeTruthy();
    execution = await waitForExecution(server, executionId as string, { timeoutMs: 60_000 });
  }, 120_000);

  it('comes back from the synchronous webhook as the same bytes with its content type', () => {
    expect(answer.status, answered.subarray(0, 2000).toString()).toBe(200);
    expect(answer.headers.get('content-type')).toBe(contentType);
    expect(answered.length).toBe(size);
    expect(sha256(answered)).toBe(sha256(file));
  });

  it('reaches every step as bytes with its content type: component, reference, code step, loop', () => {
    expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
    const described = stepRecords(execution, 'Describe Item').map(
      (record: { result: unknown }) => record.result,
    );
    expect(described).toEqual([
      { isBuffer: true, size, sha256: sha256(file), contentType },
      { isBuffer: true, size, sha256: sha256(file), contentType },
    ]);
  });

  it('is stored once, as bytes, and the step results mark it by digest (downloadable)', async () => {
    const [readFile] = stepRecords(execution, 'Read File');
    const mark = readFile.result.data.$binary;
    expect(readFile.result.contentType).toBe(contentType);
    expect(mark.size).toBe(size);
    if (size >= 512) {
      expect(mark.sha256).toBe(sha256(file));
      const download = await fetch(`${server.url}/api/executions/${execution.id}/files/${mark.sha256}`, {
        headers: { authorization: `Bearer ${server.ownerToken}` },
      });
      expect(download.status).toBe(200);
      expect(download.headers.get('content-type')).toBe(contentType);
      expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(file));
      const stored = await sqlQuery<{ files: number; bytes: string }>(
        server,
        `select count(*)::int as files, coalesce(sum(f.size_bytes), 0)::text as bytes
           from execution_file_refs r join execution_files f on f.sha256 = r.sha256 where r.execution_id = $1`,
        [execution.id],
      );
      expect(stored).toEqual([{ files: 1, bytes: String(size) }]);
    } else {
      expect(Buffer.from(mark.base64, 'base64').equals(file)).toBe(true);
    }
    // The execution's records hold marks, not the bytes spelled out: a few KB however large the file.
    const [records] = await sqlQuery<{ bytes: number }>(
      server,
      `select coalesce(sum(pg_column_size(result)), 0)::int as bytes from execution_steps where execution_id = $1`,
      [execution.id],
    );
    expect(records?.bytes).toBeLessThan(size < 512 ? 20_000 : 10_000);
    const view = await server.api('GET', `/api/executions/${execution.id}`);
    expect(view.text.length).toBeLessThan(size < 512 ? 30_000 : 20_000);
  });
});

describe('binary webhook bodies', () => {
  it('reach the trigger as bytes, not base64 text', async () => {
    const bytes = randomBytes(3000);
    const answer = await fetch(relayUrl, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg', 'prismatic-synchronous': 'true' },
      body: bytes,
    });
    expect(answer.status).toBe(200);
    const execution = await waitForExecution(server, answer.headers.get('x-weft-execution-id') as string, {
      timeoutMs: 45_000,
    });
    const [trigger] = stepRecords(execution, 'Integration Trigger');
    expect(trigger.result.body.contentType).toBe('image/jpeg');
    expect(trigger.result.body.data.$binary).toMatchObject({ sha256: sha256(bytes), size: 3000 });
    expect(trigger.result.body.encoding).toBeUndefined();
  });

  it('keep data shaped like a binary mark as the sender wrote it', async () => {
    const lookalike = { $binary: { base64: 'aGVsbG8=', size: 5 } };
    const answer = await fetch(relayUrl.replace(/\/$/, ''), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'prismatic-synchronous': 'false' },
      body: JSON.stringify({ note: lookalike }),
    });
    expect(answer.status).toBe(200);
    const { executionId } = (await answer.json()) as { executionId: string };
    const execution = await waitForExecution(server, executionId, { timeoutMs: 45_000 });
    const [trigger] = stepRecords(execution, 'Integration Trigger');
    // Stored with the mark escaped, answered as written.
    expect(trigger.result.body.data.note).toEqual({ $binary: { literal: lookalike.$binary } });
  });
});

describe('a file whose content type HTTP cannot carry', () => {
  it('is answered and downloaded as application/octet-stream, never a 500', async () => {
    const answer = await fetch(oddTypeUrl, { method: 'POST' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/octet-stream');
    expect(await answer.text()).toBe('hello');
  });
});

/** The Relay execution succeeded, and its component step received the file: the same bytes and content type. */
async function expectFileRelayed(executionId: string, file: Buffer, contentType: string): Promise<void> {
  const execution = await waitForExecution(server, executionId, { timeoutMs: 45_000 });
  expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
  expect(stepRecords(execution, 'Describe Item')[0].result).toEqual({
    isBuffer: true,
    size: file.length,
    sha256: sha256(file),
    contentType,
  });
}

describe('replays', () => {
  it('run again with the same bytes', async () => {
    const file = randomBytes(1500);
    const answer = await fetch(relayUrl, {
      method: 'POST',
      headers: { 'content-type': 'image/webp' },
      body: file,
    });
    expect(answer.status).toBe(200);
    const original = answer.headers.get('x-weft-execution-id') as string;
    const replayed = await server.api('POST', `/api/executions/${original}/replay`);
    expect(replayed.status, replayed.text).toBeLessThan(300);
    await expectFileRelayed(replayed.body.executionId, file, 'image/webp');
  });
});

describe('test runs', () => {
  it('take a file as base64 and hand it to the trigger as bytes', async () => {
    const file = randomBytes(2048);
    const flows = await server.api('GET', '/api/instances');
    const instanceId = flows.body.items.find(
      (item: { name: string }) => item.name === 'Files Co instance',
    ).id;
    const queued = await server.api('POST', `/api/instances/${instanceId}/flows/Relay/test`, {
      body: { payload: file.toString('base64'), encoding: 'base64', contentType: 'application/zip' },
    });
    expect(queued.status, queued.text).toBe(202);
    await expectFileRelayed(queued.body.executionId, file, 'application/zip');
    const refused = await server.api('POST', `/api/instances/${instanceId}/flows/Relay/test`, {
      body: { payload: { not: 'base64' }, encoding: 'base64' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.field).toBe('payload');
  });
});

describe('multipart/form-data webhook bodies', () => {
  it('reach the flow part by part, as Prismatic gives them: files as bytes, JSON parsed, text as text', async () => {
    const photo = randomBytes(5000);
    const form = new FormData();
    form.append('person', new Blob([JSON.stringify({ firstname: 'Taylor' })], { type: 'application/json' }));
    form.append('note', 'hello there');
    form.append('photo', new Blob([photo], { type: 'image/png' }), 'taylor.png');
    const answer = await fetch(formUrl, { method: 'POST', body: form });
    const text = await answer.text();
    expect(answer.status, text).toBe(200);
    expect(JSON.parse(text)).toEqual({
      hello: 'Taylor',
      note: 'hello there',
      photo: { isBuffer: true, size: 5000, sha256: sha256(photo), contentType: 'image/png' },
    });
  });

  it('is refused with a 400 when a JSON part is nested past the depth limit, as a JSON body would be', async () => {
    const form = new FormData();
    form.append('deep', new Blob(['['.repeat(5000) + ']'.repeat(5000)], { type: 'application/json' }));
    const answer = await fetch(formUrl, { method: 'POST', body: form });
    const body = (await answer.json()) as { error: { code: string } };
    expect(answer.status).toBe(400);
    expect(body.error.code).toBe('API_BODY_TOO_DEEP');
  });

  it('is refused with a 400 when a part is named __proto__, as in any body', async () => {
    const form = new FormData();
    form.append('__proto__', 'polluted');
    const answer = await fetch(formUrl, { method: 'POST', body: form });
    const body = (await answer.json()) as { error: { code: string } };
    expect(answer.status).toBe(400);
    expect(body.error.code).toBe('API_BODY_FORBIDDEN_KEY');
  });

  it('is refused with a clear 400 when the form is malformed, creating no execution', async () => {
    const answer = await fetch(formUrl, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=xyz' },
      body: '--xyz\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated',
    });
    const body = (await answer.json()) as { error: { code: string; message: string } };
    expect(answer.status).toBe(400);
    expect(body.error.code).toBe('WEBHOOK_BODY_INVALID');
    expect(answer.headers.get('x-weft-execution-id')).toBeNull();
  });
});

describe('retention', () => {
  it('deletes a file with the last execution that holds it, and keeps it while one does', async () => {
    const file = randomBytes(4096);
    const run = async () => {
      const answer = await fetch(relayUrl, {
        method: 'POST',
        headers: { 'content-type': 'image/gif' },
        body: file,
      });
      expect(answer.status).toBe(200);
      return answer.headers.get('x-weft-execution-id') as string;
    };
    const [older, newer] = [await run(), await run()];
    const digest = sha256(file);
    const stored = () =>
      sqlQuery<{ n: number }>(server, 'select count(*)::int as n from execution_files where sha256 = $1', [
        digest,
      ]);
    expect(await stored()).toEqual([{ n: 1 }]);
    const age = (id: string) =>
      sqlQuery(server, "update executions set finished_at = now() - interval '40 days' where id = $1", [id]);

    await age(older);
    const first = await pruneExecutions(server.weft.database.db, { olderThanDays: 30 });
    expect(first).toMatchObject({ executions: 1, files: 0 });
    expect(await stored()).toEqual([{ n: 1 }]);

    await age(newer);
    const second = await pruneExecutions(server.weft.database.db, { olderThanDays: 30 });
    expect(second.executions).toBe(1);
    expect(second.files).toBeGreaterThanOrEqual(1);
    expect(await stored()).toEqual([{ n: 0 }]);
  });
});
