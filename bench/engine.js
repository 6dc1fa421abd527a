// Engine benchmark (issue 4): per-step overhead of the flow engine, in memory, with the built-in components.
// Prints a table: a 10-step flow of pure steps, a 10,000-iteration loop, a flow with a code step (cold and warm
// sandbox, when the code component is available), and memory per concurrent execution.
// Usage: npm run build && node --expose-gc bench/engine.js
import { builtinComponent } from '@weft/components';
import { parseIntegrationYaml } from '@weft/definition';
import { MemoryState, runFlow } from '@weft/engine';

const components = { load: async (ref) => builtinComponent(ref.key) };

function definition(steps) {
  const result = parseIntegrationYaml(`definitionVersion: 7
name: Bench
flows:
  - name: Main
    steps:
      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers}}
${steps}`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems.slice(0, 3)));
  return result.integration;
}

const pureSteps = Array.from(
  { length: 10 },
  (_, i) => `      - name: Step ${i}
        action: {key: getExecutionValue, component: {key: persist-data}}
        inputs:
          keyInput: {type: template, value: "k{{$trigger.results.body.data.n}}"}
          defaultValueInput: {type: reference, value: trigger.results.body.data}
`,
).join('');

const loop = `      - name: Loop
        action: {key: loopNTimes, component: {key: loop}}
        inputs:
          iterationCount: {type: value, value: "10000"}
        steps:
          - name: Read
            action: {key: getExecutionValue, component: {key: persist-data}}
            inputs:
              keyInput: {type: template, value: "k{{$loop.index}}"}
              defaultValueInput: {type: reference, value: loop.currentItem}
`;

const codeStep = `      - name: Code
        action: {key: runCode, component: {key: code}}
        inputs:
          code: {type: value, value: "module.exports = async (context, stepResults) => ({ data: stepResults.trigger.results.body.data.n * 2 });"}
`;

async function time(integration, runs) {
  const durations = [];
  for (let i = 0; i < runs; i += 1) {
    const started = process.hrtime.bigint();
    const result = await runFlow({
      integration,
      flowName: 'Main',
      trigger: { body: { data: { n: i } } },
      ports: { components, state: new MemoryState() },
    });
    durations.push(Number(process.hrtime.bigint() - started) / 1000);
    if (result.status !== 'succeeded') throw new Error(JSON.stringify(result.error));
  }
  return durations;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const rows = [];

const pure = definition(pureSteps);
await time(pure, 200);
const pureTimes = await time(pure, 1000);
rows.push([
  '10-step flow (persist-data reads)',
  `${median(pureTimes).toFixed(0)} µs/execution`,
  `${(median(pureTimes) / 11).toFixed(1)} µs/step`,
]);

const looping = definition(loop);
await time(looping, 2);
const loopTimes = await time(looping, 5);
rows.push([
  '10,000-iteration loop (1 child step)',
  `${(median(loopTimes) / 1000).toFixed(1)} ms/execution`,
  `${(median(loopTimes) / 10000).toFixed(1)} µs/iteration`,
]);

if (builtinComponent('code')) {
  const code = definition(codeStep);
  const [cold] = await time(code, 1);
  const warm = await time(code, 50);
  rows.push(['flow with a code step, cold sandbox', `${(cold / 1000).toFixed(1)} ms`, '']);
  rows.push(['flow with a code step, warm sandbox', `${(median(warm) / 1000).toFixed(2)} ms`, '']);
} else {
  rows.push(['flow with a code step', 'code component not built in yet', '']);
}

// Memory per concurrent execution: N executions of a flow that sleeps, all in flight at once.
const sleeping = definition(`      - name: Nap
        action: {key: sleep, component: {key: sleep}}
        inputs:
          ms: {type: value, value: "300"}
${pureSteps.replaceAll('Step ', 'After ')}`);
const concurrent = 2000;
globalThis.gc?.();
const before = process.memoryUsage().heapUsed;
let peak = before;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().heapUsed);
}, 20);
await Promise.all(
  Array.from({ length: concurrent }, (_, i) =>
    runFlow({
      integration: sleeping,
      flowName: 'Main',
      trigger: { body: { data: { n: i } } },
      ports: { components, state: new MemoryState() },
    }),
  ),
);
clearInterval(sampler);
rows.push([
  `memory per concurrent execution (${concurrent} in flight)`,
  `${((peak - before) / concurrent / 1024).toFixed(1)} KiB`,
  globalThis.gc ? '' : '(run with --expose-gc)',
]);

const width = Math.max(...rows.map((row) => row[0].length));
console.log(`Engine, Node ${process.version}, median of repeated runs`);
console.log(`${'case'.padEnd(width)} | per execution | per step`);
console.log(`${'-'.repeat(width)} | ------------- | --------`);
for (const [name, total, perStep] of rows) console.log(`${name.padEnd(width)} | ${total} | ${perStep}`);
