// Issue 5 (schedules): deployed schedules fire once per tick however many scheduler processes run; a scheduler
// stopping or losing its connection hands over to another; missed ticks, paused instances and singleton flows
// behave as docs/schedules.md says.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, createLogger, loadConfig, startWeft, type WeftServer } from '../src/index.js';
import { fireDueSchedules } from '../src/scheduler/schedule-firing.js';
import { sharedKeyEnv, startTestServer, type TestServer } from './support/test-server.js';

interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

/** A Weft process with only the scheduler role, its log kept for the assertions. */
interface SchedulerProcess {
  weft: WeftServer;
  lines: LogLine[];
}

const yaml = `definitionVersion: 7
name: Timed Jobs
description: Flows on schedules
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Every Second
    stableKey: every-second
    description: Logs the tick
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Tick
        isTrigger: true
        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true}}
        schedule: {type: value, value: "*/1 * * * * *", meta: {scheduleType: custom, timeZone: UTC}}
      - name: Write Log
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          level: {type: value, value: info}
          message: {type: template, value: "tick {{$tick.results.body.data.scheduledFor}}"}
  - name: Every Minute
    stableKey: every-minute
    description: Logs the tick
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Tick
        isTrigger: true
        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true}}
        schedule: {type: value, value: "* * * * *", meta: {scheduleType: custom, timeZone: America/New_York}}
      - name: Write Log
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          level: {type: value, value: info}
          message: {type: template, value: "tick {{$tick.results.body.data.scheduledFor}}"}
  - name: Slow Singleton
    stableKey: slow-singleton
    description: Takes longer than its interval
    isSynchronous: false
    endpointSecurityType: customer_optional
    queueConfig: {usesFifoQueue: false, singletonExecutions: true}
    steps:
      - name: Tick
        isTrigger: true
        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true}}
        schedule: {type: value, value: "*/1 * * * * *", meta: {scheduleType: custom, timeZone: UTC}}
      - name: Take Your Time
        action: {key: sleep, component: {key: sleep, version: LATEST, isPublic: true}}
        inputs:
          ms: {type: value, value: "2500"}
`;

let server: TestServer;
let first: SchedulerProcess;
const others: SchedulerProcess[] = [];
let pool: pg.Pool;
let integrationId: string;
let customerId: string;
let instanceCount = 0;

function capturingLog() {
  const lines: LogLine[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { lines, log };
}

async function startScheduler(): Promise<SchedulerProcess> {
  const { lines, log } = capturingLog();
  const config = loadConfig({
    WEFT_PORT: '0',
    WEFT_ROLES: 'scheduler',
    DATABASE_URL: server.databaseUrl,
    ...sharedKeyEnv(),
  });
  return { weft: await startWeft(config, { log }), lines };
}

async function query<Row = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<Row[]> {
  return (await pool.query(text, values)).rows as Row[];
}

async function dbNow(): Promise<Date> {
  return (await query<{ now: Date }>('select now() as now'))[0]!.now;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A deployed instance with the schedule of one flow only, paused: `startFiring` lets it go. */
async function pausedInstance(flow: string): Promise<string> {
  instanceCount += 1;
  const made = await server.api('POST', '/api/instances', {
    body: { customerId, integrationId, name: `Timed ${instanceCount}` },
  });
  expect(made.status, made.text).toBe(201);
  const id = made.body.id as string;
  expect((await server.api('POST', `/api/instances/${id}/pause`)).status).toBe(200);
  const deployed = await server.api('POST', `/api/instances/${id}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
  const schedules = await query('select flow_stable_key from instance_schedules where instance_id = $1', [
    id,
  ]);
  expect(schedules.map((row) => row.flow_stable_key).sort()).toEqual([
    'every-minute',
    'every-second',
    'slow-singleton',
  ]);
  await query('delete from instance_schedules where instance_id = $1 and flow_stable_key <> $2', [id, flow]);
  return id;
}

/** Unpauses the instance and sets its schedule's next fire time, in one statement. */
async function startFiring(id: string, flow: string, nextFireAt: string): Promise<void> {
  await query(
    `with schedule as (
       update instance_schedules set next_fire_at = ${nextFireAt}
        where instance_id = $1 and flow_stable_key = $2 returning 1
     )
     update instances set enabled = true where id = $1 and exists (select 1 from schedule)`,
    [id, flow],
  );
}

async function stopFiring(id: string): Promise<void> {
  await query('update instances set enabled = false where id = $1', [id]);
}

/** The ticks the instance's executions were queued for, in order, as epoch milliseconds. */
async function ticks(id: string): Promise<number[]> {
  const rows = await query<{ scheduled_for: Date }>(
    `select scheduled_for from executions
      where instance_id = $1 and trigger_kind = 'schedule' order by scheduled_for`,
    [id],
  );
  return rows.map((row) => row.scheduled_for.getTime());
}

async function ticksReach(id: string, count: number, timeoutMs = 15_000): Promise<number[]> {
  return waitFor(
    `${count} ticks`,
    async () => {
      const found = await ticks(id);
      return found.length >= count ? found : undefined;
    },
    timeoutMs,
  );
}

/** Every step between ticks is one second: no tick missing, none twice. */
function expectEverySecond(found: number[]): void {
  const steps = found.slice(1).map((tick, index) => tick - found[index]!);
  expect(
    steps.every((step) => step === 1000),
    `steps between ticks: ${steps.join(', ')}`,
  ).toBe(true);
}

function messages(scheduler: SchedulerProcess, level?: string): string[] {
  return scheduler.lines.filter((line) => !level || line.level === level).map((line) => line.msg);
}

function expectNoTrouble(schedulers: SchedulerProcess[]): void {
  for (const scheduler of schedulers) {
    expect(messages(scheduler, 'error')).toEqual([]);
    expect(messages(scheduler)).not.toContain('schedule tick already has its execution');
  }
}

const leaderMessage = 'this process is the scheduler leader';

beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api,ingress,worker' });
  pool = new pg.Pool({ connectionString: server.databaseUrl, max: 4 });
  first = await startScheduler();
  const imported = await server.api('POST', '/api/integrations/import', { body: { definition: yaml } });
  expect(imported.status, imported.text).toBe(201);
  integrationId = imported.body.id;
  const published = await server.api('POST', `/api/integrations/${integrationId}/publish`, {
    body: { comment: 'v1' },
  });
  expect(published.status, published.text).toBe(201);
  const customer = await server.api('POST', '/api/customers', { body: { name: 'Clockwork' } });
  expect(customer.status, customer.text).toBe(201);
  customerId = customer.body.id;
});

afterAll(async () => {
  for (const scheduler of [first, ...others]) await scheduler?.weft.stop();
  await pool?.end();
  await server?.stop();
});

describe('schedules', () => {
  it('ticks missed while no scheduler ran: one execution, for the most recent tick, then the next future tick', async () => {
    const id = await pausedInstance('every-minute');
    await startFiring(id, 'every-minute', `date_trunc('minute', now()) - interval '10 minutes'`);

    const found = await waitFor('the catch-up', async () => {
      const rows = await query<{ id: string; scheduled_for: Date; queued_at: Date }>(
        'select id, scheduled_for, queued_at from executions where instance_id = $1 order by scheduled_for',
        [id],
      );
      return rows.length > 0 ? rows : undefined;
    });
    const catchUp = found[0]!;
    // Eleven ticks were missed; one ran, for the latest minute when it was queued (queued_at is the firing's now).
    expect(catchUp.scheduled_for.getTime()).toBe(Math.floor(catchUp.queued_at.getTime() / 60_000) * 60_000);
    // Anything after it is a regular tick of a later minute.
    found.slice(1).forEach((execution, index) => {
      expect(execution.scheduled_for.getTime() - found[index]!.scheduled_for.getTime()).toBe(60_000);
    });
    const [schedule] = await query<{ next_fire_at: Date }>(
      'select next_fire_at from instance_schedules where instance_id = $1',
      [id],
    );
    expect(schedule!.next_fire_at.getTime()).toBeGreaterThan((await dbNow()).getTime() - 1000);
    expect(schedule!.next_fire_at.getTime() % 60_000).toBe(0);
    expect(
      messages(first, 'warn').filter((msg) => msg.startsWith('schedule ticks were missed')),
    ).toHaveLength(1);

    // The execution runs the flow with the tick in its trigger payload.
    const execution = await waitFor('the catch-up execution to finish', async () => {
      const answer = await server.api('GET', `/api/executions/${catchUp.id}`);
      return ['queued', 'running'].includes(answer.body.status) ? undefined : answer.body;
    });
    expect(execution.status, JSON.stringify(execution.error)).toBe('succeeded');
    expect(execution.steps.tick.body).toEqual({
      data: { scheduledFor: catchUp.scheduled_for.toISOString() },
      contentType: 'application/json',
    });
    await stopFiring(id);
  });

  it('a short delay loses no tick, and firers racing over the same due row queue each tick once', async () => {
    const id = await pausedInstance('every-second');
    const handles = await Promise.all(
      [1, 2].map(() => connectDatabase(server.databaseUrl, createLogger('silent'))),
    );
    const racers = handles.map(() => capturingLog());
    try {
      // Twenty seconds late: under the misfire threshold, so every tick still runs, in order.
      await startFiring(id, 'every-second', `date_trunc('second', now()) - interval '20 seconds'`);
      const handled = await Promise.all(
        handles.map((handle, index) =>
          fireDueSchedules(handle.db, racers[index]!.log, { misfireMs: 60_000, lanes: 4 }),
        ),
      );
      const found = await ticksReach(id, 22);
      await stopFiring(id);
      expectEverySecond(found);
      // The two racers (and the leader) shared the ticks; none fired one twice or hit the unique index.
      expect(handled[0]! + handled[1]!).toBeGreaterThan(0);
      for (const racer of racers) expect(racer.lines.filter((line) => line.level === 'error')).toEqual([]);
      expectNoTrouble([first]);
    } finally {
      await Promise.all(handles.map((handle) => handle.close()));
    }
  });

  it('a paused instance runs nothing, its ticks pass, and firing resumes after unpause without a catch-up', async () => {
    const id = await pausedInstance('every-second');
    await startFiring(id, 'every-second', `date_trunc('second', now()) + interval '1 second'`);
    await ticksReach(id, 2);

    expect((await server.api('POST', `/api/instances/${id}/pause`)).status).toBe(200);
    const pausedAt = await dbNow();
    await sleep(3000);
    const [queuedAfterPause] = await query<{ count: number }>(
      'select count(*)::int as count from executions where instance_id = $1 and queued_at >= $2',
      [id, pausedAt],
    );
    expect(queuedAfterPause!.count).toBe(0);
    const [row] = await query<{ next_fire_at: Date }>(
      'select next_fire_at from instance_schedules where instance_id = $1',
      [id],
    );
    const now = await dbNow();
    expect(row!.next_fire_at.getTime()).toBeGreaterThan(now.getTime() - 1500); // the paused ticks were passed

    expect((await server.api('POST', `/api/instances/${id}/unpause`)).status).toBe(200);
    const unpausedAt = await dbNow();
    const found = await waitFor('ticks after unpause', async () => {
      const all = await ticks(id);
      return all.filter((tick) => tick > pausedAt.getTime()).length >= 2 ? all : undefined;
    });
    await stopFiring(id);
    const afterPause = found.filter((tick) => tick > pausedAt.getTime());
    // Nothing for the ticks of the paused seconds: the first tick after the pause is the one due at unpause.
    expect(afterPause[0]).toBeGreaterThan(unpausedAt.getTime() - 1500);
    expectEverySecond(afterPause);
  });

  it('a singleton flow slower than its schedule never has two executions queued or running at once', async () => {
    const id = await pausedInstance('slow-singleton');
    await startFiring(id, 'slow-singleton', `date_trunc('second', now()) + interval '1 second'`);
    const executionsOf = async () =>
      query<{ status: string; scheduled_for: Date; started_at: Date | null; finished_at: Date | null }>(
        `select status, scheduled_for, started_at, finished_at from executions
          where instance_id = $1 order by scheduled_for`,
        [id],
      );
    let mostAtOnce = 0;
    await waitFor(
      'three executions',
      async () => {
        const [busy] = await query<{ count: number }>(
          `select count(*)::int as count from executions where instance_id = $1 and status in ('queued', 'running')`,
          [id],
        );
        mostAtOnce = Math.max(mostAtOnce, busy!.count);
        return (await executionsOf()).length >= 3 ? true : undefined;
      },
      20_000,
    );
    await stopFiring(id);
    const executions = await waitFor('all executions to finish', async () => {
      const rows = await executionsOf();
      return rows.every((row) => row.finished_at !== null) ? rows : undefined;
    });
    expect(mostAtOnce).toBe(1);
    expect(executions.map((execution) => execution.status)).toEqual(executions.map(() => 'succeeded'));
    for (let index = 1; index < executions.length; index += 1) {
      const previous = executions[index - 1]!;
      const execution = executions[index]!;
      expect(execution.started_at!.getTime()).toBeGreaterThanOrEqual(previous.finished_at!.getTime());
      // The ticks while the previous one ran were skipped, not queued.
      expect(execution.scheduled_for.getTime() - previous.scheduled_for.getTime()).toBeGreaterThanOrEqual(
        2000,
      );
    }
    expect(
      messages(first, 'info').filter((msg) => msg.includes('previous execution of this singleton flow'))
        .length,
    ).toBeGreaterThan(0);
  });

  it('scheduler processes fire each tick once; when the leader stops or loses its connection, another takes over', async () => {
    // Two more scheduler processes on the same database; their first try for leadership fails: the first one leads.
    const standbys = [await startScheduler(), await startScheduler()];
    others.push(...standbys);
    const id = await pausedInstance('every-second');
    await startFiring(id, 'every-second', `date_trunc('second', now()) + interval '1 second'`);
    await ticksReach(id, 4);
    expect(messages(first)).toContain(leaderMessage);
    for (const standby of standbys) expect(messages(standby)).not.toContain(leaderMessage);

    // A clean stop hands over at once (NOTIFY), not at a standby's next retry (5 s).
    const stoppedAt = Date.now();
    await first.weft.stop();
    const leading = await waitFor('a standby to lead', async () =>
      standbys.find((standby) => messages(standby).includes(leaderMessage)),
    );
    expect(Date.now() - stoppedAt).toBeLessThan(3000);
    await ticksReach(id, (await ticks(id)).length + 3);

    // The leader's connection dies (as when its machine does): it stops firing, and the other process takes over
    // at its next try; the ticks of the gap still run, late, since they are within the misfire threshold.
    const [lock] = await query<{ pid: number }>(
      `select pid from pg_locks
        where locktype = 'advisory' and classid = 2003133044 and objid = 2 and granted
          and database = (select oid from pg_database where datname = current_database())`,
    );
    expect(lock).toBeDefined();
    const leaderships = () =>
      standbys.reduce(
        (sum, standby) => sum + messages(standby).filter((msg) => msg === leaderMessage).length,
        0,
      );
    const before = leaderships();
    await query('select pg_terminate_backend($1)', [lock!.pid]);
    await waitFor('the lost connection to be noticed', async () =>
      messages(leading).includes('scheduler leader lost its database connection') ? true : undefined,
    );
    await waitFor('a new leader', async () => (leaderships() > before ? true : undefined));
    const found = await ticksReach(id, (await ticks(id)).length + 3);
    await stopFiring(id);

    expectEverySecond(found);
    expect(found.length).toBeGreaterThanOrEqual(10);
    expectNoTrouble([first, ...standbys]);
    // Having lost its connection, the leader stopped firing, and fired nothing until it led again (if it did: it
    // retries too, and may win against the other).
    const lost = leading.lines.findIndex(
      (line) => line.msg === 'scheduler leader lost its database connection',
    );
    const stopped = leading.lines.findIndex(
      (line, index) =>
        index > lost && line.msg === 'this process stopped firing schedules: it is no longer the leader',
    );
    expect(stopped).toBeGreaterThan(lost);
    const regained = leading.lines.findIndex((line, index) => index > stopped && line.msg === leaderMessage);
    const meanwhile = leading.lines.slice(stopped, regained === -1 ? undefined : regained);
    expect(meanwhile.map((line) => line.msg)).not.toContain('schedule tick queued its execution');
  });
});
