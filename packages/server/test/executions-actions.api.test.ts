// Issue 5: replaying an execution (same request, linked, current or same version), cancelling queued and running
// executions, and pruning old executions with their orphaned step-result blobs.
import type { JobHelpers } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneExecutions, pruneExecutionsTask } from '../src/worker/prune-executions.js';
import {
  createCustomer,
  createInstance,
  eventually,
  finished,
  insertExecution,
  ordersYaml,
  publishIntegration,
  testRun,
} from './executions-fixtures.js';
import { sqlQuery } from './support/integration-fixtures.js';
import { startTestServer, type TestServer } from './support/test-server.js';

let server: TestServer;
let integration: string;
let instance: string;

beforeAll(async () => {
  server = await startTestServer();
  integration = await publishIntegration(server, ordersYaml('Action Desk', { sleepMs: 2000 }));
  const customer = await createCustomer(server, 'Acme', 'acme-1');
  instance = await createInstance(server, customer, integration, 'Acme Desk');
});

afterAll(async () => {
  await server?.stop();
});

async function versionOf(executionId: string): Promise<number> {
  const [row] = await sqlQuery<{ version_number: number }>(
    server,
    `select v.version_number from executions e join integration_versions v on v.id = e.integration_version_id
      where e.id = $1`,
    [executionId],
  );
  return row?.version_number ?? -1;
}

describe('POST /api/executions/:id/replay', () => {
  it('queues the same request again as a replay linked to the original', async () => {
    const run = await server.api('POST', `/api/instances/${instance}/flows/Process%20Orders/test`, {
      body: { payload: { orderId: 'R-1' }, headers: { 'x-source': 'shop' } },
    });
    expect(run.status, run.text).toBe(202);
    const original = await finished(server, run.body.executionId);

    const answer = await server.api('POST', `/api/executions/${original.id}/replay`);
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body).toEqual({ id: expect.any(String), executionId: answer.body.id });
    expect(answer.body.id).not.toBe(original.id);
    const replay = await finished(server, answer.body.id);
    expect(replay).toMatchObject({
      status: 'succeeded',
      flow: 'Process Orders',
      instanceId: instance,
      triggerKind: 'replay',
      replayOfId: original.id,
      retryOfId: null,
    });
    expect(replay.steps.integrationTrigger.body).toEqual(original.steps.integrationTrigger.body);
    expect(replay.steps.integrationTrigger.body.data).toEqual({ orderId: 'R-1' });
    expect(replay.steps.integrationTrigger.headers).toMatchObject({ 'x-source': 'shop' });
    expect(replay.logs.map((line: { message: string }) => line.message)).toContain('Received order R-1');
    const [stored] = await sqlQuery<{ same: boolean }>(
      server,
      'select a.trigger = b.trigger as same from executions a, executions b where a.id = $1 and b.id = $2',
      [original.id, replay.id],
    );
    expect(stored?.same).toBe(true);

    expect((await server.api('GET', `/api/executions/${original.id}`)).body.replays).toEqual([replay.id]);
    const listed = await server.api('GET', `/api/executions?triggerKind=replay&instance=${instance}`);
    expect(listed.body.items.map((item: { id: string }) => item.id)).toEqual([replay.id]);
  });

  it("runs the instance's current version, or with sameVersion=true the original's", async () => {
    const original = await testRun(server, instance, 'Process Orders', { orderId: 'V-1' });
    await finished(server, original);
    expect(await versionOf(original)).toBe(1);
    const v2 = await server.api('POST', `/api/integrations/${integration}/publish`, {
      body: { comment: 'v2' },
    });
    expect(v2.status, v2.text).toBe(201);
    // What deploying version 2 does to the instance (deploy is another route's business).
    await sqlQuery(
      server,
      `update instances set deployed_version_id = (select id from integration_versions
        where integration_id = $2 and version_number = 2) where id = $1`,
      [instance, integration],
    );
    const current = await server.api('POST', `/api/executions/${original}/replay`);
    expect(current.status, current.text).toBe(202);
    expect(await versionOf(current.body.id)).toBe(2);
    const same = await server.api('POST', `/api/executions/${original}/replay?sameVersion=true`);
    expect(same.status, same.text).toBe(202);
    expect(await versionOf(same.body.id)).toBe(1);
    await sqlQuery(server, 'update instances set deployed_version_id = null where id = $1', [instance]);
  });

  it('refuses on a paused instance, and for an unknown execution', async () => {
    const original = await testRun(server, instance, 'Process Orders', { orderId: 'P-1' });
    await finished(server, original);
    expect((await server.api('POST', `/api/instances/${instance}/pause`)).status).toBe(200);
    try {
      const [before] = await sqlQuery<{ n: number }>(server, 'select count(*)::int as n from executions');
      const paused = await server.api('POST', `/api/executions/${original}/replay`);
      expect(paused.status).toBe(409);
      expect(paused.body.error.code).toBe('INSTANCE_PAUSED');
      const [after] = await sqlQuery<{ n: number }>(server, 'select count(*)::int as n from executions');
      expect(after?.n).toBe(before?.n);
    } finally {
      expect((await server.api('POST', `/api/instances/${instance}/unpause`)).status).toBe(200);
    }
    const unknown = await server.api('POST', '/api/executions/00000000-0000-0000-0000-000000000000/replay');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('EXECUTION_NOT_FOUND');
  });
});

describe('POST /api/executions/:id/cancel', () => {
  async function queuedWithJob(): Promise<string> {
    const id = await insertExecution(server, instance, { status: 'queued' });
    await sqlQuery(
      server,
      `select graphile_worker.add_job('run-execution', json_build_object('executionId', $1::uuid),
         run_at => now() + interval '1 hour', job_key => $1::text)`,
      [id],
    );
    return id;
  }
  const jobsKeyed = (id: string) =>
    sqlQuery<{ key: string | null }>(server, 'select key from graphile_worker._private_jobs where key = $1', [
      id,
    ]);

  it('cancels a queued execution, removes its job and tells waiters', async () => {
    const id = await queuedWithJob();
    expect(await jobsKeyed(id)).toHaveLength(1);
    const listener = new pg.Client({ connectionString: server.databaseUrl });
    await listener.connect();
    try {
      const heard: string[] = [];
      listener.on('notification', (message) => {
        if (message.payload) heard.push(message.payload);
      });
      await listener.query('listen weft_execution_finished');
      const answer = await server.api('POST', `/api/executions/${id}/cancel`);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toMatchObject({
        id,
        status: 'cancelled',
        finishedAt: expect.any(String),
        startedAt: null,
      });
      expect(answer.body.steps).toBeUndefined();
      expect(await jobsKeyed(id)).toEqual([]);
      await eventually(async () => (heard.includes(id) ? true : undefined), 5000);
    } finally {
      await listener.end();
    }
    expect((await server.api('GET', `/api/executions/${id}`)).body.status).toBe('cancelled');
  });

  it('a job a worker has already locked stays, with no retries left and no key', async () => {
    const id = await queuedWithJob();
    await sqlQuery(
      server,
      "update graphile_worker._private_jobs set locked_at = now(), locked_by = 'some-worker' where key = $1",
      [id],
    );
    const [job] = await sqlQuery<{ id: string }>(
      server,
      'select id from graphile_worker._private_jobs where key = $1',
      [id],
    );
    expect((await server.api('POST', `/api/executions/${id}/cancel`)).status).toBe(200);
    const [left] = await sqlQuery<{ key: string | null; attempts: number; max_attempts: number }>(
      server,
      'select key, attempts, max_attempts from graphile_worker._private_jobs where id = $1',
      [job?.id],
    );
    expect(left).toMatchObject({ key: null });
    expect(left?.attempts).toBe(left?.max_attempts);
    await sqlQuery(server, 'delete from graphile_worker._private_jobs where id = $1', [job?.id]);
  });

  it('cancels a running execution: it stays cancelled', async () => {
    const id = await testRun(server, instance, 'Slow Flow');
    await eventually(async () => {
      const answer = await server.api('GET', `/api/executions/${id}`);
      return answer.body.status === 'running' ? true : undefined;
    });
    const answer = await server.api('POST', `/api/executions/${id}/cancel`);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ status: 'cancelled', startedAt: expect.any(String) });
    expect(answer.body.durationMs).toBeGreaterThanOrEqual(0);
    await new Promise((resolve) => setTimeout(resolve, 2500)); // longer than the flow's sleep
    const after = await server.api('GET', `/api/executions/${id}`);
    // What it did before it stopped is kept; its outcome stays the cancellation.
    expect(after.body).toMatchObject({ status: 'cancelled', finishedAt: answer.body.finishedAt });
    expect(after.body.error).toBeUndefined();
  });

  it('refuses a finished execution with 409 EXECUTION_NOT_CANCELLABLE', async () => {
    const id = await testRun(server, instance, 'Fail Fast', { orderId: 'C-1' });
    const execution = await finished(server, id);
    const answer = await server.api('POST', `/api/executions/${id}/cancel`);
    expect(answer.status).toBe(409);
    expect(answer.body.error).toMatchObject({
      code: 'EXECUTION_NOT_CANCELLABLE',
      details: { executionId: id, status: 'failed' },
    });
    expect((await server.api('GET', `/api/executions/${id}`)).body.finishedAt).toBe(execution.finishedAt);
    const missing = await server.api('POST', '/api/executions/nope/cancel');
    expect(missing.status).toBe(404);
  });
});

describe('pruning old executions', () => {
  it('deletes executions finished before the retention, their steps and logs, then orphaned blobs', async () => {
    const db = server.weft.database.db;
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    const blob = async (sha: string) =>
      sqlQuery(
        server,
        `insert into execution_blobs (sha256, content, size_bytes) values ($1, '{"big": true}', 13)`,
        [sha],
      );
    const step = async (executionId: string, sha: string | null) =>
      sqlQuery(
        server,
        `insert into execution_steps (execution_id, seq, step_key, step_name, status, result, attempts, result_sha256)
         values ($1, 0, 'big', 'Big', 'succeeded', null, '[]', $2)`,
        [executionId, sha],
      );
    const oldOnly = 'b'.repeat(64);
    const shared = 'c'.repeat(64);
    const orphan = 'd'.repeat(64);
    for (const sha of [oldOnly, shared, orphan]) await blob(sha);

    // A real execution, finished "40 days ago", with its steps and logs.
    const real = await testRun(server, instance, 'Process Orders', { orderId: 'OLD' });
    await finished(server, real);
    await sqlQuery(server, "update executions set finished_at = now() - interval '40 days' where id = $1", [
      real,
    ]);
    const old: string[] = [real];
    for (let i = 0; i < 4; i++)
      old.push(await insertExecution(server, instance, { finishedAt: daysAgo(31 + i) }));
    await step(old[1] as string, oldOnly);
    await step(old[2] as string, shared);
    const recent = await insertExecution(server, instance, { finishedAt: daysAgo(29) });
    await step(recent, shared);
    const stillQueued = await insertExecution(server, instance, { status: 'queued', queuedAt: daysAgo(90) });
    const retryOfOld = await insertExecution(server, instance, { retryOfId: old[3], retryNumber: 1 });

    const counts = await pruneExecutions(db, { olderThanDays: 30, batchSize: 2 });
    expect(counts).toEqual({ executions: 5, blobs: 2, files: 0 });

    const left = await sqlQuery<{ id: string }>(
      server,
      'select id from executions where id = any($1::uuid[])',
      [[...old, recent, stillQueued, retryOfOld]],
    );
    expect(left.map((row) => row.id).sort()).toEqual([recent, stillQueued, retryOfOld].sort());
    const [children] = await sqlQuery<{ steps: number; logs: number }>(
      server,
      `select (select count(*)::int from execution_steps where execution_id = any($1::uuid[])) as steps,
              (select count(*)::int from execution_logs where execution_id = any($1::uuid[])) as logs`,
      [old],
    );
    expect(children).toEqual({ steps: 0, logs: 0 });
    const blobs = await sqlQuery<{ sha256: string }>(
      server,
      'select sha256 from execution_blobs where sha256 = any($1)',
      [[oldOnly, shared, orphan]],
    );
    expect(blobs.map((row) => row.sha256)).toEqual([shared]);
    expect((await server.api('GET', `/api/executions/${retryOfOld}`)).body.retryOfId).toBeNull();
    expect((await server.api('GET', `/api/executions/${recent}`)).body.steps.big).toEqual({ big: true });
    expect(await pruneExecutions(db, { olderThanDays: 30 })).toEqual({ executions: 0, blobs: 0, files: 0 });
  });

  it('the worker task prunes with the configured retention and logs the counts; 0 days keeps everything', async () => {
    const db = server.weft.database.db;
    const lines: Array<[unknown, string]> = [];
    const log = {
      info: (fields: unknown, message: string) => lines.push([fields, message]),
      debug: (fields: unknown, message?: string) => lines.push([fields, message ?? String(fields)]),
    } as unknown as Logger;
    const old = await insertExecution(server, instance, {
      finishedAt: new Date(Date.now() - 10 * 86_400_000),
    });

    await pruneExecutionsTask(db, 0, log)({}, {} as JobHelpers);
    expect(await sqlQuery(server, 'select id from executions where id = $1', [old])).toHaveLength(1);

    await pruneExecutionsTask(db, 7, log)({}, {} as JobHelpers);
    expect(await sqlQuery(server, 'select id from executions where id = $1', [old])).toEqual([]);
    expect(lines).toContainEqual([
      expect.objectContaining({
        retentionDays: 7,
        executions: expect.any(Number),
        blobs: expect.any(Number),
      }),
      'pruned old executions',
    ]);
  });
});
