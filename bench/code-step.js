// Code-step benchmark: the per-call cost of the `code` component's runCode action (QuickJS sandbox), in process.
// Runs a trivial snippet (sum of the quantities of a 10-item order) N times, one call at a time, through the
// component's action (context bridged as in a flow: logger, debug, invokeFlow) and through the sandbox directly,
// then the same with several calls in flight at once. Prints calls/s, wall and main-thread CPU ms per call, and
// latency percentiles. Then a 10 MB file through a code step (`return { data: stepResults.readFile.results.data,
// contentType }`, stepResults holding the file twice, as two objects): wall ms per call against a target of 500 ms
// (p50), the bytes checked on every call.
// Usage: npx tsc -b packages/components && node bench/code-step.js [--runs=2000] [--warmup=200] [--concurrency=8]
//        [--file-runs=20] [--dist=packages/components/dist] (another build of the package, e.g. an older one)
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const argument = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const RUNS = Number(argument('runs') ?? 2000);
const WARMUP = Number(argument('warmup') ?? 200);
const CONCURRENCY = Number(argument('concurrency') ?? 8);
const FILE_RUNS = Number(argument('file-runs') ?? 20);
const FILE_TARGET_MS = 500;
const DIST = resolve(argument('dist') ?? new URL('../packages/components/dist', import.meta.url).pathname);

const load = (path) => import(pathToFileURL(resolve(DIST, path)).href);
const { codeComponent } = await load('components/code.js');
const { runSandboxedModule } = await load('code/sandbox.js');

const SNIPPET = `module.exports = async (context, stepResults) => { const items = stepResults.integrationTrigger.results.body.data.items; return { data: { total: items.reduce((s, i) => s + i.qty, 0) } }; };`;

const items = Array.from({ length: 10 }, (_, i) => ({
  sku: `SKU-${1000 + i}`,
  name: `Item number ${i}`,
  qty: i + 1,
  price: 9.99 + i,
}));
const stepResults = {
  integrationTrigger: {
    results: {
      headers: { 'content-type': 'application/json', 'user-agent': 'autocannon' },
      body: { data: { kind: 'order', orderId: 'ord_123456', customer: 'c_42', items } },
      queryParameters: {},
    },
  },
};
const expected = items.reduce((s, i) => s + i.qty, 0);

const noop = () => {};
const logger = { metric: noop, trace: noop, debug: noop, info: noop, log: noop, warn: noop, error: noop };
const context = {
  logger,
  configVars: { 'API Base': 'https://example.test' },
  instanceState: {},
  crossFlowState: {},
  executionState: {},
  integrationState: {},
  customer: { id: 'c_42', name: 'Customer', externalId: 'ext-42' },
  instance: { id: 'i_1', name: 'Instance' },
  user: { id: 'u_1', email: 'user@example.test', name: 'User', externalId: 'u-ext' },
  integration: { id: 'int_1', name: 'Bench', versionSequenceId: 'v1', externalVersion: '1' },
  flow: { id: 'f_1', name: 'Main' },
  executionId: 'exe_1',
  stepId: 'step_1',
  startedAt: new Date().toISOString(),
  invokeUrl: 'http://127.0.0.1/trigger/x',
  webhookUrls: { Main: 'http://127.0.0.1/trigger/x' },
  webhookApiKeys: {},
  executionFrame: {},
  debug: { enabled: false, timeElapsed: { mark: noop, measure: noop }, memoryUsage: noop },
  invokeFlow: async () => ({ data: null }),
  stepResults,
};

const runCode = codeComponent.actions.runCode;

const cases = [
  {
    name: 'runCode action (bridged context)',
    call: async () => (await runCode.perform(context, { code: SNIPPET })).data.total,
  },
  {
    name: 'runSandboxedModule (plain JSON args)',
    call: async () => (await runSandboxedModule(SNIPPET, [{ configVars: {} }, stepResults])).data.total,
  },
];

const cpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];

async function measure(call, runs, concurrency) {
  const durations = [];
  let next = 0;
  const worker = async () => {
    while (next < runs) {
      next += 1;
      const started = process.hrtime.bigint();
      const total = await call();
      durations.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (total !== expected) throw new Error(`wrong result ${total}, expected ${expected}`);
    }
  };
  const cpuBefore = cpuMs();
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = cpuMs() - cpuBefore;
  durations.sort((a, b) => a - b);
  return {
    callsPerSecond: (runs / wallMs) * 1000,
    p50: percentile(durations, 50),
    p99: percentile(durations, 99),
    cpuPerCall: cpu / runs,
  };
}

const rows = [];
for (const { name, call } of cases) {
  await measure(call, WARMUP, 1);
  for (const concurrency of [1, CONCURRENCY]) {
    const r = await measure(call, RUNS, concurrency);
    rows.push([
      `${name}, ${concurrency} in flight`,
      r.callsPerSecond.toFixed(0),
      (1000 / r.callsPerSecond).toFixed(3),
      r.cpuPerCall.toFixed(3),
      r.p50.toFixed(3),
      r.p99.toFixed(3),
    ]);
  }
}

const header = ['case', 'calls/s', 'wall ms/call', 'cpu ms/call', 'p50 ms', 'p99 ms'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) =>
  cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
console.log(
  `Code step (QuickJS sandbox), Node ${process.version}, ${RUNS} calls per row, 10-item payload, ${DIST.replace(`${process.cwd()}/`, '')}`,
);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join(' | '));
for (const row of rows) console.log(line(row));
console.log('p50/p99: latency of one call, queueing behind the others included when several are in flight.');

// A 10 MB file through a code step.
const file = randomBytes(10_000_000);
const fileContext = {
  ...context,
  stepResults: {
    integrationTrigger: { results: { body: { data: file, contentType: 'application/pdf' } } },
    readFile: { results: { data: Buffer.from(file), contentType: 'application/pdf' } },
  },
};
const FILE_SNIPPET = `module.exports = async (context, stepResults) => {
  const file = stepResults.readFile.results;
  return { data: file.data, contentType: file.contentType };
};`;
const fileDurations = [];
let fileError;
const fileCpuBefore = cpuMs();
for (let i = 0; i < FILE_RUNS + 2 && !fileError; i++) {
  const started = process.hrtime.bigint();
  try {
    const result = await runCode.perform(fileContext, { code: FILE_SNIPPET });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (!file.equals(result.data) || result.contentType !== 'application/pdf')
      throw new Error('the file came back changed');
    // The first two calls warm up (module compiled, instances made).
    if (i >= 2) fileDurations.push(ms);
  } catch (error) {
    fileError = error;
  }
}
const fileCpu = (cpuMs() - fileCpuBefore) / (FILE_RUNS + 2);
console.log('');
if (fileError) {
  console.log(
    `10 MB file through a code step: failed (${fileError.code ?? ''} ${fileError.message}) — NOT MET`,
  );
} else {
  fileDurations.sort((a, b) => a - b);
  const p50 = percentile(fileDurations, 50);
  console.log(
    `10 MB file through a code step (held twice in stepResults), ${FILE_RUNS} calls: p50 ${p50.toFixed(1)} ms, ` +
      `max ${fileDurations[fileDurations.length - 1].toFixed(1)} ms, cpu ${fileCpu.toFixed(1)} ms/call; ` +
      `target p50 <= ${FILE_TARGET_MS} ms: ${p50 <= FILE_TARGET_MS ? 'MET' : 'NOT MET'}`,
  );
}
