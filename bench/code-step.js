// Code-step benchmark: the per-call cost of the `code` component's runCode action (QuickJS sandbox), in process.
// Runs a trivial snippet (sum of the quantities of a 10-item order) N times, one call at a time, through the
// component's action (context bridged as in a real flow: logger, debug, invokeFlow) and through the sandbox
// directly, then the same with 8 calls in flight at once. Prints calls/s, mean and p50/p99 ms per call, and the
// main-thread CPU per call.
// Usage: npx tsc -b packages/components && node bench/code-step.js [--runs=2000] [--warmup=200]
import { builtinComponent } from '../packages/components/dist/builtin-components.js';
import { runSandboxedModule } from '../packages/components/dist/code/sandbox.js';

const option = (name, fallback) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
  return arg ? Number(arg.slice(name.length + 3)) : fallback;
};
const RUNS = option('runs', 2000);
const WARMUP = option('warmup', 200);
const CONCURRENCY = option('concurrency', 8);

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

const runCode = builtinComponent('code')?.actions?.runCode;
if (!runCode) throw new Error('the code component is not built in: run npx tsc -b packages/components');

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
    meanMs: durations.reduce((s, d) => s + d, 0) / durations.length,
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
      r.meanMs.toFixed(3),
      r.p50.toFixed(3),
      r.p99.toFixed(3),
      r.cpuPerCall.toFixed(3),
    ]);
  }
}

const header = ['case', 'calls/s', 'mean ms', 'p50 ms', 'p99 ms', 'cpu ms/call'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
console.log(`Code step (QuickJS sandbox), Node ${process.version}, ${RUNS} calls per row, 10-item payload`);
console.log(line(header));
console.log(widths.map((w) => '-'.repeat(w)).join(' | '));
for (const row of rows) console.log(line(row));
