// Alerting's cost to an execution (issue 19): the webhook benchmark's Weft scenarios run without monitors and with
// an alert monitor on every bench instance (bench/webhooks.js --monitored: each execution then writes its
// execution.finished outbox row, and the dispatcher evaluates it), alternating A B A B so a slow minute of the
// machine does not land on one side only. Target: with monitors, throughput within 5% and p50 within 10% (or
// 1 ms) of without, best run against best run.
// Usage: npm run build && node bench/alerting.js [--rounds=2] [--duration=10] [--connections=10]
import { spawnSync } from 'node:child_process';
import path from 'node:path';

function option(name, fallback) {
  const flag = process.argv.slice(2).find((arg) => arg.startsWith(`--${name}=`));
  return flag ? flag.slice(flag.indexOf('=') + 1) : fallback;
}
const rounds = Number(option('rounds', '2'));
const duration = option('duration', '10');
const connections = option('connections', '10');
const script = path.join(path.dirname(new URL(import.meta.url).pathname), 'webhooks.js');

/** The "targets" lines of one webhooks.js run: rate and p50 per scenario. */
function run(monitoredRun) {
  const args = [
    script,
    '--only=async,sync',
    `--connections=${connections}`,
    `--duration=${duration}`,
    '--warmup=3',
  ];
  if (monitoredRun) args.push('--monitored');
  const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (child.status !== 0) {
    process.stderr.write(child.stdout + child.stderr);
    throw new Error(`bench/webhooks.js ${monitoredRun ? '--monitored ' : ''}failed`);
  }
  const results = {};
  for (const match of child.stdout.matchAll(
    /weft (async ingest|sync 5-step flow)\s+@\d+\s+(\d+) (?:exec|req)\/s\s+p50 ([\d.]+) ms p99 ([\d.]+) ms/g,
  )) {
    results[match[1].startsWith('async') ? 'async' : 'sync'] = {
      rate: Number(match[2]),
      p50: Number(match[3]),
      p99: Number(match[4]),
    };
  }
  const note = child.stdout.match(/monitored: .*/)?.[0];
  return { results, note };
}

const runs = { plain: [], monitored: [] };
for (let round = 1; round <= rounds; round += 1) {
  for (const monitoredRun of [false, true]) {
    const { results, note } = run(monitoredRun);
    runs[monitoredRun ? 'monitored' : 'plain'].push(results);
    const text = Object.entries(results)
      .map(([scenario, r]) => `${scenario} ${r.rate}/s p50 ${r.p50} ms p99 ${r.p99} ms`)
      .join(', ');
    console.log(
      `round ${round} ${monitoredRun ? 'with monitors   ' : 'without monitors'}: ${text}${note ? ` (${note})` : ''}`,
    );
  }
}

console.log('');
console.log(`Alerting cost, ${connections} connections, best of ${rounds} runs each (throughput, then p50):`);
let allMet = true;
for (const scenario of ['async', 'sync']) {
  const best = (list) => ({
    rate: Math.max(...list.map((r) => r[scenario]?.rate ?? 0)),
    p50: Math.min(...list.map((r) => r[scenario]?.p50 ?? Number.POSITIVE_INFINITY)),
  });
  const plain = best(runs.plain);
  const monitoredBest = best(runs.monitored);
  const rateRatio = monitoredBest.rate / plain.rate;
  const met = rateRatio >= 0.95 && monitoredBest.p50 <= Math.max(plain.p50 * 1.1, plain.p50 + 1);
  allMet &&= met;
  console.log(
    `  ${scenario.padEnd(5)} without ${plain.rate}/s p50 ${plain.p50} ms; with ${monitoredBest.rate}/s p50 ${monitoredBest.p50} ms` +
      ` = ${(rateRatio * 100).toFixed(1)}% of the throughput (target ≥ 95%, p50 within 10% or 1 ms): ${met ? 'MET' : 'NOT MET'}`,
  );
}
process.exitCode = allMet ? 0 : 1;
