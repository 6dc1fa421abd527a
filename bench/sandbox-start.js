// What network isolation costs a custom component's sandbox process (issue 16).
// Measures, over many rounds in alternation (so machine load spreads evenly), the time from spawning a sandbox
// process to its "ready" message, for a small bundle, in three set-ups:
//   before    — as before the egress guard: Node with the permission model, no egress proxy client, no namespace;
//   proxy     — the egress proxy client installed (HTTP agents and fetch pointed at the proxy socket), no namespace
//               (WEFT_SANDBOX_NETWORK=open);
//   isolated  — the default: the client installed, in a network namespace of its own (unshare --net).
// Then the first call of a fresh bundle through ComponentSandboxes (process start, proxy start, load, call) with
// WEFT_SANDBOX_NETWORK=open and isolated, and a call to a warm process (what most steps pay).
// Needs `npm run build` first. Usage: node bench/sandbox-start.js [rounds=30]
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { defaultEgressPolicy, startEgressProxy } from '../packages/egress/dist/index.js';
import { componentHostSource } from '../packages/server/dist/components/component-host-source.js';
import { ComponentSandboxes } from '../packages/server/dist/components/component-sandboxes.js';
import { sandboxLauncher, sandboxNodeArgs } from '../packages/server/dist/components/sandbox-process.js';

const rounds = Number(process.argv[2] ?? 30);
const bundleSource = `module.exports = { default: { key: 'bench', actions: { ping: { key: 'ping', perform: async () => ({ data: 'pong' }) } }, triggers: {}, dataSources: {} } };`;

const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'weft-sandbox-bench-')));
fs.writeFileSync(path.join(dir, 'bundle.cjs'), bundleSource);
fs.writeFileSync(path.join(dir, 'host.cjs'), componentHostSource);
fs.mkdirSync(path.join(dir, 'tmp'));
const proxy = await startEgressProxy(defaultEgressPolicy, path.join(dir, 'egress.sock'));
const isolated = await sandboxLauncher('isolated');
const open = await sandboxLauncher('open');

/** Milliseconds from spawn to the host's "ready" message. */
function startOnce(launcher, withProxy) {
  const started = performance.now();
  const args = [
    ...launcher.prefix,
    ...sandboxNodeArgs(dir, 256, path.join(dir, 'tmp')),
    path.join(dir, 'host.cjs'),
    path.join(dir, 'bundle.cjs'),
    ...(withProxy ? [proxy.path] : []),
  ];
  const child = spawn(launcher.file, args, {
    cwd: dir,
    env: {},
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (message) => {
      if (message?.type !== 'ready') return;
      const ms = performance.now() - started;
      child.once('exit', () => resolve(ms));
      child.kill('SIGKILL');
    });
  });
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p90: at(0.9), min: sorted[0] };
};
const line = (name, values) => {
  const { median, p90, min } = stats(values);
  console.log(
    `${name.padEnd(34)} median ${median.toFixed(1).padStart(6)} ms   p90 ${p90.toFixed(1).padStart(6)} ms   min ${min.toFixed(1).padStart(6)} ms`,
  );
  return median;
};

const samples = { before: [], proxy: [], isolated: [] };
await startOnce(open, false); // warm the file cache
for (let round = 0; round < rounds; round++) {
  samples.before.push(await startOnce(open, false));
  samples.proxy.push(await startOnce(open, true));
  samples.isolated.push(await startOnce(isolated, true));
}
console.log(
  `Sandbox process start to ready (${rounds} rounds, ${os.availableParallelism()} cores, load ${os.loadavg()[0].toFixed(1)}):`,
);
const before = line('before (permission model only)', samples.before);
const withProxy = line('+ egress proxy client', samples.proxy);
const full = line('+ network namespace (default)', samples.isolated);
console.log(
  `  cost of the proxy client: ${(withProxy - before).toFixed(1)} ms; of the namespace: ${(full - withProxy).toFixed(1)} ms; in all: ${(full - before).toFixed(1)} ms`,
);

// The whole first call of a fresh bundle, as a step pays it, and a call to a warm process.
const log = pino({ level: 'silent' });
const calls = { open: [], isolated: [] };
const warm = { open: [], isolated: [] };
const sandboxesOf = {
  open: new ComponentSandboxes(log, undefined, { network: 'open' }),
  isolated: new ComponentSandboxes(log, undefined, { network: 'isolated' }),
};
const call = (sandboxes, content) =>
  sandboxes.call(
    {
      sha256: createHash('sha256').update(content).digest('hex'),
      label: 'bench',
      load: async () => Buffer.from(content),
    },
    { kind: 'action', key: 'ping', context: {}, params: {} },
    { onLog: () => {} },
  );
for (let round = 0; round < Math.min(rounds, 20); round++) {
  for (const mode of ['open', 'isolated']) {
    const content = `${bundleSource}\n// ${mode} ${round}`;
    let started = performance.now();
    await call(sandboxesOf[mode], content);
    calls[mode].push(performance.now() - started);
    started = performance.now();
    await call(sandboxesOf[mode], content);
    warm[mode].push(performance.now() - started);
  }
}
console.log('First call of a fresh bundle through ComponentSandboxes:');
line('WEFT_SANDBOX_NETWORK=open', calls.open);
line('isolated (default)', calls.isolated);
console.log('A call to a warm process:');
line('WEFT_SANDBOX_NETWORK=open', warm.open);
line('isolated (default)', warm.isolated);

await Promise.all([sandboxesOf.open.close(), sandboxesOf.isolated.close(), proxy.close()]);
fs.rmSync(dir, { recursive: true, force: true });
