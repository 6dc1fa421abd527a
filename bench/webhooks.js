// Webhook throughput benchmark (issue 5). One run measures, at each connection count, five servers answering the
// same JSON POST, so Weft's numbers are read against ceilings measured on the same machine at the same moment:
//   bare node:http           child process answering 200 {"ok":true}: what Node's HTTP stack alone can do
//   bare node:http + INSERT  child process INSERTing the body (jsonb) into Weft's own PostgreSQL, answering the id:
//                            the reference for "store the request durably, then answer" (issue: ~4,400 req/s)
//   node:http + INSERT+NOTIFY  the same INSERT with a pg_notify in its transaction, as Weft's enqueue has
//                            (graphile_worker.add_job notifies 'jobs:insert'): diagnostic, shows what NOTIFY costs
//   weft async ingest        /trigger/<token> of an asynchronous flow: 200 {executionId} once the execution row
//                            and its queue job are committed
//   weft sync 5-step flow    /trigger/<token> of a synchronous flow (trigger → branch → loop over 10 items with a
//                            persist-data step → code step), answered with the code step's result. The persist
//                            step increments the instance's flow state, which Weft stores durably; with
//                            --persist=execution it increments execution state instead (in memory only)
// Every acknowledged request is checked afterwards against the database ("recorded": acknowledged ids found).
// Usage: npm run build && node bench/webhooks.js [--duration=10] [--warmup=3] [--connections=10,50]
//          [--only=bare,insert,notify,async,sync] [--persist=instance|execution] [--profile[=dir]] [--monitored]
//        (or BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS, BENCH_ONLY, BENCH_PERSIST, BENCH_PROFILE, BENCH_MONITORED)
// --monitored (issue 19) attaches an alert monitor to every bench instance (failed, duration and log-level triggers,
// notifying a group with a webhook): every execution then writes its execution.finished outbox row and the
// dispatcher evaluates it, while nothing fires (the flows succeed, fast and quietly). bench/alerting.js compares.
// --profile runs Weft under --cpu-prof, writes the .cpuprofile to dir (default <tmp>/weft-profiles) and prints its top
// self-time functions; profile one scenario at a time (--only=sync --connections=50) to read it easily.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import pg from 'pg';
import { startWeft } from './support/weft-process.js';

const scenarioKeys = ['bare', 'insert', 'notify', 'async', 'sync'];
const labels = {
  bare: 'bare node:http',
  insert: 'bare node:http + INSERT',
  notify: 'node:http + INSERT+NOTIFY',
  async: 'weft async ingest',
  sync: 'weft sync 5-step flow',
};

/** `--name=value`, else `--name` alone (''), else the environment variable, else the default. */
function option(name, envName, fallback) {
  const flag = process.argv.slice(2).find((arg) => arg === `--${name}` || arg.startsWith(`--${name}=`));
  if (flag !== undefined) return flag.includes('=') ? flag.slice(flag.indexOf('=') + 1) : '';
  return process.env[envName] ?? fallback;
}

if (process.argv.includes('--help')) {
  console.log(
    'node bench/webhooks.js [--duration=10] [--warmup=3] [--connections=10,50] ' +
      '[--only=bare,insert,notify,async,sync] [--persist=instance|execution] [--profile[=dir]]',
  );
  process.exit(0);
}
const durationS = Number(option('duration', 'BENCH_DURATION', '10'));
const warmupS = Number(option('warmup', 'BENCH_WARMUP', '3'));
const connectionLevels = option('connections', 'BENCH_CONNECTIONS', '10,50').split(',').map(Number);
const only = option('only', 'BENCH_ONLY', scenarioKeys.join(',')).split(',');
const persist = option('persist', 'BENCH_PERSIST', 'instance');
const profileOption = option('profile', 'BENCH_PROFILE', undefined);
const monitored = option('monitored', 'BENCH_MONITORED', undefined) !== undefined;
// Outside the repository by default: profiles are megabytes and not for committing.
const profileDir =
  profileOption === undefined
    ? undefined
    : path.resolve(profileOption || path.join(os.tmpdir(), 'weft-profiles'));
const usage = [
  !(durationS >= 1) && '--duration must be at least 1 (seconds)',
  !(warmupS >= 0) && '--warmup must be 0 or more (seconds)',
  !connectionLevels.every((n) => Number.isInteger(n) && n > 0 && n <= 1000) &&
    '--connections must be a comma-separated list of integers from 1 to 1000',
  !only.every((key) => scenarioKeys.includes(key)) &&
    `--only takes a comma-separated list of ${scenarioKeys}`,
  !['instance', 'execution'].includes(persist) && '--persist is instance or execution',
].filter(Boolean);
if (usage.length > 0) {
  console.error(usage.join('\n'));
  process.exit(2);
}
const scenarios = scenarioKeys.filter((key) => only.includes(key));

// Known owner token: WEFT_ADMIN_TOKEN makes the first start create the owner with it (no banner scraping).
const adminToken = '5eed'.repeat(16);
// Info-level request logging costs a lot of throughput; warn is what a production deployment would run with.
const weftLogLevel = 'warn';
const workerConcurrency = process.env.WEFT_WORKER_CONCURRENCY ?? '8 (default)';
const drainTimeoutMs = 180_000;

// 10 line items: the sync flow loops over them; every scenario sends the same bytes.
const payload = JSON.stringify({
  kind: 'order',
  orderId: 'A-1001',
  customer: { id: 'C-17', name: 'Bench Customer' },
  items: Array.from({ length: 10 }, (_, i) => ({ sku: `SKU-${i}`, qty: i + 1, price: 2.5 })),
});
const itemsSeenPerExecution = 55; // the sum of qty over the items: what one run adds to the instance counter

const component = (key) => `{key: ${key}, version: LATEST, isPublic: true}`;
const integrationYaml = `definitionVersion: 7
name: Webhook Bench
description: Flows for bench/webhooks.js
flows:
  - name: Ingest
    stableKey: ingest
    isSynchronous: false
    endpointSecurityType: unsecured
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: ${component('webhook-triggers')}}
  - name: Order
    stableKey: order
    isSynchronous: true
    endpointSecurityType: unsecured
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: ${component('webhook-triggers')}}
      - name: Route
        action: {key: branchOnExpression, component: ${component('branch')}}
        inputs:
          conditions:
            type: complex
            value:
              - name: Order
                type: complex
                value: [and, [equal, {type: reference, value: trigger.results.body.data.kind}, {type: value, value: order}]]
        branches:
          - name: Order
            steps:
              - name: Each Item
                action: {key: loopOverItems, component: ${component('loop')}}
                inputs:
                  items: {type: reference, value: trigger.results.body.data.items}
                steps:
                  - name: Count Item
                    action: {key: ${persist === 'instance' ? 'incrementInstanceValue' : 'incrementExecutionValue'}, component: ${component('persist-data')}}
                    inputs:
                      keyInput: {type: value, value: items-seen}
                      amountInput: {type: reference, value: eachItem.currentItem.qty}
              - name: Total
                action: {key: runCode, component: ${component('code')}}
                inputs:
                  code:
                    type: value
                    value: |
                      module.exports = async (context, stepResults) => {
                        const items = stepResults.trigger.results.body.data.items;
                        let total = 0;
                        for (const item of items) total += item.qty * item.price;
                        return { data: { items: items.length, total } };
                      };
          - name: Else
            steps: []
`;

// ---------------------------------------------------------------------------------------------------------------
// /proc accounting: CPU seconds of the server under test, of PostgreSQL and of this (load-generating) process.

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** utime+stime of one process in clock ticks; 0 once it is gone. */
function cpuTicks(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Ticks per PostgreSQL process: the postmaster and its children (backends, walwriter, autovacuum, ...). */
function postgresTicks(postmasterPid) {
  const ticks = new Map([[postmasterPid, cpuTicks(postmasterPid)]]);
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmasterPid) ticks.set(Number(pid), cpuTicks(pid));
    } catch {}
  }
  return ticks;
}

/** Busy ticks of the whole machine (all cores): everything but idle and iowait. */
function machineBusyTicks() {
  const [, ...fields] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const ticks = fields.map(Number);
  return ticks.reduce((sum, value) => sum + value, 0) - ticks[3] - ticks[4];
}

/**
 * Starts CPU accounting of the server under test, PostgreSQL, this process and the machine; the returned function
 * ends it and gives each in % of one core. PostgreSQL processes are sampled every 250 ms, not only at both ends: a
 * backend that exits mid-run (a pool closing idle connections) would otherwise drop out of the sum, and the
 * postmaster's cutime would add such a backend's whole lifetime, from earlier rows too.
 */
function cpuMeter(serverPid, postmasterPid) {
  const started = performance.now();
  const machine = machineBusyTicks();
  const server = cpuTicks(serverPid);
  const self = process.cpuUsage();
  const first = postgresTicks(postmasterPid);
  const last = new Map(first);
  const sample = () => {
    for (const [pid, ticks] of postgresTicks(postmasterPid)) last.set(pid, ticks);
  };
  const timer = setInterval(sample, 250);
  return () => {
    clearInterval(timer);
    sample();
    const seconds = (performance.now() - started) / 1000;
    const percent = (ticks) => (ticks / clockTicks / seconds) * 100;
    let pgTicks = 0;
    for (const [pid, ticks] of last) pgTicks += ticks - (first.get(pid) ?? 0); // new pids started in the window
    const used = process.cpuUsage(self);
    const result = {
      server: percent(cpuTicks(serverPid) - server),
      postgres: percent(pgTicks),
      loadgen: ((used.user + used.system) / 1e6 / seconds) * 100,
    };
    // Whatever else ran meanwhile (other jobs on a shared machine, the idle servers): it competed for the cores.
    result.other = Math.max(
      0,
      percent(machineBusyTicks() - machine) - result.server - result.postgres - result.loadgen,
    );
    return result;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Load generation

/** Nearest-rank percentile of a sorted array. */
const percentile = (sorted, p) =>
  sorted.length ? sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] : NaN;

/**
 * One autocannon run in this process. Latencies come from autocannon's per-response event (fractional ms; its own
 * histogram keeps whole milliseconds, too coarse for sub-ms ceilings); `idHeader` of each 2xx answer is kept so the
 * database can be asked afterwards whether every acknowledged request was stored.
 */
function load(url, connections, seconds, idHeader) {
  const latencies = [];
  const ids = [];
  let responses = 0;
  let ok = 0;
  const statuses = {};
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url,
        connections,
        duration: seconds,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: payload,
        timeout: 10, // seconds; a request outstanding longer counts as a timeout error
        requests: [
          {
            onResponse: (status, _body, _context, headers) => {
              if (status >= 200 && status < 300 && idHeader) {
                const id = headers[idHeader];
                if (id) ids.push(id);
              }
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const seconds = (performance.now() - started) / 1000;
        latencies.sort((a, b) => a - b);
        resolve({
          seconds,
          responses,
          ok,
          rate: responses / seconds,
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          non2xx: responses - ok,
          statuses,
          errors: result.errors, // connection errors and time-outs (autocannon counts both)
          timeouts: result.timeouts,
          ids,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      responses += 1;
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) {
        ok += 1;
        latencies.push(responseTime); // 2xx only, as autocannon does
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Processes: Weft, its PostgreSQL, the two ceiling servers. Everything started is stopped in cleanup().

const cleanups = [];
let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${error.message}`);
      }
    }
  })();
  return cleaning;
}

/** Resolves true once `pid` has exited, false after `ms`. */
async function exited(pid, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
async function terminate(child, graceMs) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await done;
  clearTimeout(timer);
}

async function startCeiling(mode, databaseUrl) {
  const script = new URL('./support/ceiling-server.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [script, mode], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => terminate(child, 5000));
  const port = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`ceiling server ${mode} did not listen in 15 s`)),
      15_000,
    );
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = out.match(/port (\d+)/);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`ceiling server ${mode} exited ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/hooks/order`, pid: child.pid };
}

/** Weft's embedded cluster: credentials in <data dir>/embedded-postgres.json, port in postgres/postmaster.pid. */
function embeddedDatabase(dataDir) {
  const { user, password } = JSON.parse(
    fs.readFileSync(path.join(dataDir, 'embedded-postgres.json'), 'utf8'),
  );
  // postmaster.pid lines: pid, data directory, start time, port, socket directory, listen address, ...
  const lines = fs.readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n');
  return {
    url: `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${lines[3].trim()}/weft`,
    postmasterPid: Number(lines[0]),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CPU profile summary

/**
 * Self time from a .cpuprofile, counting only samples taken inside `windows` (the measurements: start-up, set-up
 * and warm-ups would otherwise dominate a short run). V8 stamps samples with the monotonic clock that
 * process.hrtime() reads, in µs, so the bench's own clock marks the windows.
 */
function profileSummary(file, count, windows) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const root = path.resolve(new URL('..', import.meta.url).pathname);
  const shortUrl = (url) =>
    url
      .replace(/^file:\/\//, '')
      .replace(`${root}/`, '')
      .replace(/^.*\/node_modules\//, 'node_modules/');
  const inWindow = (t) => windows.some(([from, to]) => t >= from && t <= to);
  const hitsByNode = new Map();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    at += profile.timeDeltas[i];
    if (inWindow(at)) hitsByNode.set(profile.samples[i], (hitsByNode.get(profile.samples[i]) ?? 0) + 1);
  }
  const windowed = hitsByNode.size > 0;
  const frames = new Map();
  const areas = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const hits = windowed ? (hitsByNode.get(node.id) ?? 0) : (node.hitCount ?? 0);
    if (!hits) continue;
    total += hits;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = shortUrl(url);
    const key = `${functionName || '(anonymous)'}${url ? ` ${short}:${lineNumber + 1}` : ''}`;
    frames.set(key, (frames.get(key) ?? 0) + hits);
    // Where the time goes by package: Weft's own packages, each dependency, Node internals, WebAssembly (the
    // code step's QuickJS sandbox), and V8/native frames without a script ((garbage collector), writev, ...).
    let area = functionName;
    if (short.startsWith('node_modules/')) {
      const parts = short.split('/');
      area = parts.slice(0, parts[1].startsWith('@') ? 3 : 2).join('/');
    } else if (short.startsWith('packages/')) area = short.split('/').slice(0, 2).join('/');
    else if (short.startsWith('node:')) area = 'node: internals';
    else if (short.startsWith('wasm://')) area = 'wasm (QuickJS sandbox of the code step)';
    else if (url) area = short;
    areas.set(area, (areas.get(area) ?? 0) + hits);
  }
  const msPerSample = windowed
    ? windows.reduce((sum, [from, to]) => sum + (to - from), 0) / 1000 / total
    : (profile.endTime - profile.startTime) / 1000 / total;
  const idle = frames.get('(idle)') ?? 0;
  const busy = total - idle;
  const lines = [
    `profile ${file}: ${((total * msPerSample) / 1000).toFixed(1)} s ${windowed ? 'of measurement windows' : 'in all (start-up included: no sample fell in a measurement window)'}, ` +
      `Weft's main thread ${((busy / total) * 100).toFixed(0)}% busy`,
    '',
    `top ${count} self time (% of busy samples, ms of self time):`,
  ];
  const rank = (map) => [...map].filter(([key]) => key !== '(idle)').sort((a, b) => b[1] - a[1]);
  for (const [key, hits] of rank(frames).slice(0, count)) {
    lines.push(
      `  ${((hits / busy) * 100).toFixed(1).padStart(5)}%  ${(hits * msPerSample).toFixed(0).padStart(6)} ms  ${key}`,
    );
  }
  lines.push('', 'self time by package:');
  for (const [area, hits] of rank(areas).slice(0, 12)) {
    lines.push(`  ${((hits / busy) * 100).toFixed(1).padStart(5)}%  ${area}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// The run

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-webhooks-'));
cleanups.push(() => fs.rmSync(dataDir, { recursive: true, force: true }));
process.once('SIGINT', () => {
  console.error('interrupted: cleaning up');
  cleanup().finally(() => process.exit(130));
});
// Bounded: every measurement plus a drain of the queue, and start-up, or the run is abandoned (and cleaned up).
const deadlineMs =
  connectionLevels.length * scenarios.length * ((warmupS + durationS) * 1000 + drainTimeoutMs) + 180_000;
const watchdog = setTimeout(() => {
  console.error(`gave up after ${deadlineMs / 1000} s`);
  cleanup().finally(() => process.exit(1));
}, deadlineMs);
watchdog.unref();

const rows = [];
const notes = [];
let profileFile;
const profileWindows = []; // [from, to] µs on the monotonic clock of each Weft measurement
let failure;
try {
  // A shared machine skews every row: say so up front (the table also has a cpu other column per row).
  const busyBefore = machineBusyTicks();
  await sleep(2000);
  const busyPercent = ((machineBusyTicks() - busyBefore) / clockTicks / 2) * 100;
  if (busyPercent > 20) {
    notes.push(
      `before the run the machine was already ${busyPercent.toFixed(0)}% busy (of ${os.availableParallelism() * 100}%) with other work`,
    );
  }

  // Weft: started first, since ceiling B writes to its embedded PostgreSQL.
  let nodeArgs = [];
  if (profileDir) {
    fs.mkdirSync(profileDir, { recursive: true });
    profileFile = path.join(
      profileDir,
      `weft-webhooks-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`,
    );
    nodeArgs = [
      '--cpu-prof',
      `--cpu-prof-dir=${profileDir}`,
      `--cpu-prof-name=${path.basename(profileFile)}`,
    ];
  }
  // Always started: ceiling B writes to its PostgreSQL and the checks read it, even with --only=bare.
  const weft = await startWeft(
    dataDir,
    { WEFT_ADMIN_TOKEN: adminToken, WEFT_LOG_LEVEL: weftLogLevel, WEFT_HOST: '127.0.0.1' },
    nodeArgs,
  );
  const database = embeddedDatabase(dataDir);
  cleanups.push(async () => {
    // Weft stops its PostgreSQL on SIGTERM (and writes the CPU profile on exit). If it does not exit in time it is
    // killed, and then its PostgreSQL, which runs in its own process group, is asked to stop directly.
    await terminate(weft.child, 60_000);
    if (!(await exited(database.postmasterPid, 100))) {
      process.kill(database.postmasterPid, 'SIGINT'); // fast shutdown
      if (!(await exited(database.postmasterPid, 20_000))) process.kill(database.postmasterPid, 'SIGKILL');
    }
  });
  // Weft's warnings and errors during the run are part of the result.
  const weftWarnings = [];
  weft.child.stderr.on('data', (chunk) => {
    for (const line of String(chunk).split('\n')) {
      if (/"level":(40|50|60)/.test(line) && weftWarnings.length < 1000) weftWarnings.push(line);
    }
  });

  const db = new pg.Client({ connectionString: database.url });
  await db.connect();
  cleanups.push(() => db.end());

  const api = async (method, route, body) => {
    const response = await fetch(new URL(route, weft.url), {
      method,
      headers: {
        authorization: `Bearer ${adminToken}`,
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${route}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };

  // One integration with both flows; one instance per connection count, so each level's executions and its
  // instance-state counter are its own.
  const integration = await api('POST', '/api/integrations/import', { definition: integrationYaml });
  await api('POST', `/api/integrations/${integration.id}/publish`, { comment: 'bench' });
  const customer = await api('POST', '/api/customers', { name: 'Bench Customer' });
  const instances = new Map();
  for (const connections of connectionLevels) {
    const instance = await api('POST', '/api/instances', {
      customerId: customer.id,
      integrationId: integration.id,
      name: `Bench ${connections} connections`,
    });
    await api('POST', `/api/instances/${instance.id}/deploy`);
    const { flows } = await api('GET', `/api/instances/${instance.id}/flows`);
    const urlOf = (name) => flows.find((flow) => flow.flow === name).webhookUrl;
    instances.set(connections, { id: instance.id, async: urlOf('Ingest'), sync: urlOf('Order') });
  }

  if (monitored) {
    // Where alerts would go; the bench's flows succeed, so nothing should arrive (counted and reported below).
    const hook = await api('POST', '/api/alert-webhooks', {
      name: 'Bench hook',
      url: 'http://127.0.0.1:9/alerts',
    });
    const group = await api('POST', '/api/alert-groups', { name: 'Bench group', webhooks: [hook.id] });
    for (const instance of instances.values()) {
      await api('POST', '/api/alert-monitors', {
        name: 'Bench monitor',
        instance: instance.id,
        triggers: ['execution-failed', 'execution-duration-exceeded', 'log-level-exceeded'],
        durationThresholdMs: 10_000,
        logLevel: 'error',
        groups: [group.id],
      });
    }
  }

  const ceilings = {};
  if (scenarios.includes('bare')) ceilings.bare = await startCeiling('bare', database.url);
  if (scenarios.includes('insert')) ceilings.insert = await startCeiling('insert', database.url);
  if (scenarios.includes('notify')) ceilings.notify = await startCeiling('notify', database.url);

  const unfinished = async () =>
    (await db.query(`select count(*)::int as n from executions where status in ('queued', 'running')`))
      .rows[0].n;
  /** Waits until the worker has run everything queued, so one scenario's backlog does not load the next. */
  const drain = async () => {
    const started = performance.now();
    // Ingest alone (WEFT_ROLES without worker): nothing runs the queue, so there is nothing to wait for.
    if (process.env.WEFT_ROLES && !process.env.WEFT_ROLES.includes('worker')) return 0;
    while ((await unfinished()) > 0) {
      if (performance.now() - started > drainTimeoutMs)
        throw new Error('the execution queue did not drain in time');
      await sleep(100);
    }
    return (performance.now() - started) / 1000;
  };
  await drain(); // the deploy runs nothing here, but be sure

  /**
   * The cluster's transaction-id counter, which only writing transactions advance: the difference over a row is
   * the number of write transactions (each one WAL flush at commit) it caused. Exact and immediate, unlike
   * pg_stat_database's counters, which backends report up to 10 s late. This script's own queries only read.
   */
  const lastXid = async () => Number((await db.query('select txid_current() as xid')).rows[0].xid);

  /** How many acknowledged ids the database has, and in which status. */
  const recordedOf = async (scenario, ids) => {
    if (scenario === 'insert' || scenario === 'notify') {
      const stored = await db.query(
        'select count(*)::int as n from bench_ceiling where id = any($1::bigint[])',
        [ids],
      );
      return { found: stored.rows[0].n, byStatus: {} };
    }
    const stored = await db.query(
      'select status, count(*)::int as n from executions where id = any($1::uuid[]) group by status',
      [ids],
    );
    const byStatus = Object.fromEntries(stored.rows.map((r) => [r.status, r.n]));
    return { found: stored.rows.reduce((sum, r) => sum + r.n, 0), byStatus };
  };

  /**
   * Where an execution's time goes, from its own timestamps (medians, ms): queued→started is the wait for the
   * worker (pick-up, or a free slot of WEFT_WORKER_CONCURRENCY); run is the engine's duration; started→finished
   * minus run is the worker's own work around the engine (claim, load context, store the result).
   */
  const timelineOf = async (ids) => {
    const median = (expression) => `percentile_cont(0.5) within group (order by ${expression})`;
    const ms = (from, to) => `extract(epoch from ${to} - ${from}) * 1000`;
    const { rows: medians } = await db.query(
      `select ${median(ms('queued_at', 'started_at'))} as wait, ${median('duration_ms')} as run,
              ${median(`${ms('started_at', 'finished_at')} - duration_ms`)} as around,
              ${median(ms('queued_at', 'finished_at'))} as total
         from executions where id = any($1::uuid[]) and finished_at is not null`,
      [ids],
    );
    return medians[0];
  };

  /**
   * Samples pg_stat_activity every 100 ms during a measurement: which statements the active backends run and what
   * they wait on (Lock:object on a NOTIFY is the cluster-wide notify lock, IO:WalSync the commit flush). The result
   * is the average number of backends in each state: where PostgreSQL's share of the latency goes.
   */
  const pgWaitSampler = () => {
    const counts = new Map();
    let samples = 0;
    let stopped = false;
    const sampling = (async () => {
      while (!stopped) {
        const { rows: active } = await db.query(
          `select coalesce(wait_event_type || ':' || wait_event, 'on CPU') as wait,
                  left(regexp_replace(query, '\\s+', ' ', 'g'), 70) as statement
             from pg_stat_activity
            where state = 'active' and pid <> pg_backend_pid() and backend_type = 'client backend'`,
        );
        samples += 1;
        for (const { wait, statement } of active) {
          const key = `${wait.padEnd(22)} ${statement.trim()}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        await sleep(100);
      }
    })();
    return async () => {
      stopped = true;
      await sampling;
      return [...counts]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([key, n]) => [n / samples, key]);
    };
  };

  for (const connections of connectionLevels) {
    const instance = instances.get(connections);
    for (const scenario of scenarios) {
      const target =
        scenario in ceilings
          ? { url: ceilings[scenario].url, pid: ceilings[scenario].pid }
          : { url: instance[scenario], pid: weft.child.pid };
      const idHeader = {
        bare: undefined,
        insert: 'x-row-id',
        notify: 'x-row-id',
        async: 'x-weft-execution-id',
        sync: 'x-weft-execution-id',
      }[scenario];
      process.stderr.write(`${labels[scenario]}, ${connections} connections: warm-up ${warmupS} s, `);
      const warm = warmupS > 0 ? await load(target.url, connections, warmupS, idHeader) : undefined;
      // The warm-up's backlog (async) or cut-off requests (sync) must not run during the measurement.
      if (scenario === 'async' || scenario === 'sync') await drain();
      process.stderr.write(`measuring ${durationS} s… `);
      const xidBefore = await lastXid();
      const meter = cpuMeter(target.pid, database.postmasterPid);
      const waits = scenario === 'bare' ? undefined : pgWaitSampler();
      const windowStart = Number(process.hrtime.bigint() / 1000n);
      const run = await load(target.url, connections, durationS, idHeader);
      if (target.pid === weft.child.pid)
        profileWindows.push([windowStart, Number(process.hrtime.bigint() / 1000n)]);
      const cpu = meter();
      const pgWaits = await waits?.();
      let drainS = 0;
      if (scenario === 'async' || scenario === 'sync') drainS = await drain();
      const transactions = (await lastXid()) - xidBefore - 1; // the second txid_current() takes one too
      process.stderr.write(`${run.rate.toFixed(0)} req/s\n`);

      const row = { scenario, connections, run, cpu, drainS, pgWaits, transactions };
      if (idHeader) {
        row.recorded = await recordedOf(scenario, run.ids);
        if (scenario === 'async' || scenario === 'sync') row.timeline = await timelineOf(run.ids);
        if (warm) {
          const warmRecorded = await recordedOf(scenario, warm.ids);
          if (warmRecorded.found !== warm.ids.length)
            notes.push(
              `${labels[scenario]} @${connections}: warm-up acknowledged ${warm.ids.length}, only ${warmRecorded.found} stored`,
            );
        }
        if (run.ids.length !== run.ok)
          notes.push(
            `${labels[scenario]} @${connections}: ${run.ok - run.ids.length} 2xx answers had no ${idHeader}`,
          );
      }
      if (run.non2xx > 0)
        notes.push(`${labels[scenario]} @${connections}: status codes ${JSON.stringify(run.statuses)}`);
      rows.push(row);
    }
    if (scenarios.includes('sync') && persist === 'instance') {
      // Increments are atomic in PostgreSQL (issue 14), so concurrent executions must not lose any: check that the
      // counter is exactly what the succeeded runs added, and count what is lost if it is not.
      const { rows: counter } = await db.query(
        `select (state->>'items-seen')::bigint as n from instance_state where instance_id = $1 and scope = 'flow:order'`,
        [instance.id],
      );
      const { rows: runs } = await db.query(
        `select count(*)::int as n from executions where instance_id = $1 and flow_stable_key = 'order' and status = 'succeeded'`,
        [instance.id],
      );
      const expected = runs[0].n * itemsSeenPerExecution;
      const actual = Number(counter[0]?.n ?? 0);
      notes.push(
        `sync flow @${connections}: instance counter items-seen = ${actual}, ${runs[0].n} succeeded runs would make ${expected}` +
          (actual === expected
            ? ' (no lost updates)'
            : ` (${expected - actual} lost to concurrent read-modify-write)`),
      );
    }
  }
  if (monitored) {
    // Give the dispatcher its last look, then count what monitoring saw and did.
    await sleep(1500);
    // Handled execution milestones are deleted: what is left is what the dispatcher has not reached yet.
    const { rows: seen } = await db.query(
      `select count(*)::int as pending from monitoring_events where type = 'execution.finished'`,
    );
    const { rows: fired } = await db.query('select count(*)::int as n from alert_events');
    notes.push(
      `monitored: ${seen[0].pending} execution.finished outbox rows not dispatched 1.5 s after the load, ${fired[0].n} alert events fired`,
    );
  }
  if (weftWarnings.length > 0) {
    notes.push(
      `Weft logged ${weftWarnings.length} warning/error lines; first: ${weftWarnings[0].slice(0, 300)}`,
    );
  }
} catch (error) {
  // Report what was measured before the failure, then fail.
  failure = error;
} finally {
  clearTimeout(watchdog);
  await cleanup();
}

// ---------------------------------------------------------------------------------------------------------------
// Report

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : '-');
const header = [
  ['scenario', 26, 'l'],
  ['conns', 5],
  ['req/s', 7],
  ['p50 ms', 7],
  ['p99 ms', 7],
  ['non-2xx', 7],
  ['errors', 6],
  ['recorded', 16],
  ['wtx/req', 7],
  ['cpu srv', 7],
  ['cpu pg', 7],
  ['cpu gen', 7],
  ['cpu other', 9],
];
const line = (cells) =>
  cells
    .map((cell, i) => (header[i][2] === 'l' ? cell.padEnd(header[i][1]) : cell.padStart(header[i][1])))
    .join(' ');
const recordedText = (row) => {
  if (!row.recorded) return '-';
  const { found } = row.recorded;
  const acked = row.run.ids.length;
  if (row.scenario !== 'sync') return found === acked ? `${found} (all)` : `${found}/${acked} !`;
  const succeeded = row.recorded.byStatus.succeeded ?? 0;
  return found === acked && succeeded === found ? `${found} (all ok)` : `${succeeded}ok ${found}/${acked} !`;
};

console.log('');
console.log(
  `Webhooks, ${os.availableParallelism()} cores, Node ${process.version}, autocannon in this process, ` +
    `${warmupS} s warm-up + ${durationS} s per row; Weft log level ${weftLogLevel} (info-level request logging ` +
    `costs throughput), worker concurrency ${workerConcurrency}, sync flow persists to ${persist} state` +
    `${monitored ? ', ALERT MONITORS ON every instance' : ''}` +
    `${profileDir ? ', CPU PROFILING ON (slower)' : ''}`,
);
console.log(line(header.map(([name]) => name)));
for (const row of [...rows].sort((a, b) => a.connections - b.connections)) {
  const { run, cpu } = row;
  console.log(
    line([
      labels[row.scenario],
      String(row.connections),
      fmt(run.rate),
      fmt(run.p50, 2),
      fmt(run.p99, 2),
      String(run.non2xx),
      String(run.errors),
      recordedText(row),
      row.scenario === 'bare' ? '-' : fmt(row.transactions / row.run.ok, 1),
      `${fmt(cpu.server)}%`,
      `${fmt(cpu.postgres)}%`,
      `${fmt(cpu.loadgen)}%`,
      `${fmt(cpu.other)}%`,
    ]),
  );
}
console.log(
  'req/s counts every response; p50/p99 are over 2xx answers; errors = connection errors + 10 s time-outs;\n' +
    'recorded = acknowledged (2xx) requests whose row is in the database (sync: and whose execution succeeded);\n' +
    'wtx/req = PostgreSQL write transactions per 2xx answer (async: including running the queued executions);\n' +
    `cpu = % of one core (${os.availableParallelism()} cores = ${os.availableParallelism() * 100}%) over the measurement: srv the server under test, pg all PostgreSQL\n` +
    '  processes, gen this process (autocannon), other the rest of the machine (other jobs compete for the cores).',
);

console.log('');
console.log('targets (issue 5) and ratio to "bare node:http + INSERT" at the same connection count:');
for (const row of rows.filter((r) => r.scenario === 'async' || r.scenario === 'sync')) {
  const ceiling = rows.find((r) => r.scenario === 'insert' && r.connections === row.connections);
  const ratio = ceiling
    ? ` = ${((row.run.rate / ceiling.run.rate) * 100).toFixed(0)}% of ${fmt(ceiling.run.rate)}`
    : '';
  const { rate, p50, p99 } = row.run;
  const clean = row.run.non2xx === 0 && row.run.errors === 0;
  const [met, goal] =
    row.scenario === 'async'
      ? [rate >= 3000 && p99 <= 20 && clean, 'target ≥ 3,000 req/s with p99 ≤ 20 ms']
      : [rate >= 780 && p50 <= 15 && clean, 'target ≥ 780 exec/s with p50 ≤ 15 ms'];
  console.log(
    `  ${labels[row.scenario].padEnd(22)} @${String(row.connections).padEnd(3)} ${fmt(rate).padStart(6)} ${row.scenario === 'sync' ? 'exec/s' : 'req/s '}` +
      ` p50 ${fmt(p50, 1)} ms p99 ${fmt(p99, 1)} ms  (${goal}): ${met ? 'MET' : 'NOT MET'}${ratio}` +
      (row.scenario === 'async' ? `; queue drained ${fmt(row.drainS, 1)} s after the load` : ''),
  );
}
const timed = rows.filter((row) => row.timeline?.total !== null && row.timeline?.total !== undefined);
if (timed.length > 0) {
  console.log('');
  console.log(
    'Weft execution timeline, medians in ms from the executions table (queued_at, started_at, finished_at, duration_ms):',
  );
  for (const row of timed) {
    const { wait, run, around, total } = row.timeline;
    console.log(
      `  ${labels[row.scenario].padEnd(22)} @${String(row.connections).padEnd(3)} queued→started ${fmt(wait, 1)}` +
        `, engine run ${fmt(run, 1)}, worker around the run ${fmt(around, 1)}, queued→finished ${fmt(total, 1)}` +
        (row.scenario === 'sync'
          ? `; answer p50 ${fmt(row.run.p50, 1)} (the rest, ${fmt(row.run.p50 - total, 1)}, is before queued_at and after finishing: ingest, commit, wake-up, reply)`
          : ''),
    );
  }
}
const waited = rows.filter((row) => row.pgWaits?.length);
if (waited.length > 0) {
  console.log('');
  console.log(
    'PostgreSQL, sampled every 100 ms: average number of active client backends by wait event and statement',
  );
  for (const row of waited) {
    console.log(`  ${labels[row.scenario]} @${row.connections}:`);
    for (const [average, key] of row.pgWaits.slice(0, 4))
      console.log(`    ${average.toFixed(2).padStart(5)}  ${key}`);
  }
}
if (notes.length > 0) {
  console.log('');
  console.log('notes:');
  for (const note of notes) console.log(`  - ${note}`);
}
if (profileFile) {
  console.log('');
  if (fs.existsSync(profileFile)) console.log(profileSummary(profileFile, 15, profileWindows));
  else console.log(`no CPU profile at ${profileFile} (did Weft exit cleanly?)`);
}
if (failure) {
  console.error('');
  console.error(`benchmark failed: ${failure.stack ?? failure}`);
  process.exitCode = 1;
}
