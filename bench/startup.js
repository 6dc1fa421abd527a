// Start-up and idle-memory benchmark for `weft start` with embedded PostgreSQL (issue 2).
// Measures, over several rounds: time from spawning `weft start` to /readyz answering 200 on a fresh data dir
// (cold: creates the PostgreSQL cluster) and on an existing one (warm restart); and the resident memory of the
// idle Weft process (and, separately, of its PostgreSQL processes) 5 s after ready.
// Usage: node bench/startup.js [rounds=3]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startWeft } from './support/weft-process.js';

const rounds = Number(process.argv[2] ?? 3);

function rssKiB(pid) {
  try {
    const line = fs
      .readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    return Number(line?.match(/\d+/)?.[0] ?? 0);
  } catch {
    return 0;
  }
}

function postgresRssKiB(clusterDir) {
  let total = 0;
  const postmasterPid = Number(
    fs.readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (Number(pid) === postmasterPid || ppid === postmasterPid) total += rssKiB(pid);
    } catch {}
  }
  return total;
}

async function startOnce(dataDir) {
  const started = performance.now();
  const { child, stop } = await startWeft(dataDir);
  const readyMs = performance.now() - started;
  await sleep(5000);
  const weftRss = rssKiB(child.pid);
  const pgRss = postgresRssKiB(path.join(dataDir, 'postgres'));
  const stopped = performance.now();
  const code = await stop();
  return { readyMs, weftRss, pgRss, stopMs: performance.now() - stopped, code };
}

const results = { cold: [], warm: [] };
for (let round = 0; round < rounds; round++) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-'));
  try {
    results.cold.push(await startOnce(dataDir));
    results.warm.push(await startOnce(dataDir));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const row = (label, list) =>
  `${label.padEnd(14)} ready ${median(list.map((r) => r.readyMs))
    .toFixed(0)
    .padStart(
      5,
    )} ms (min ${Math.min(...list.map((r) => r.readyMs)).toFixed(0)}, max ${Math.max(...list.map((r) => r.readyMs)).toFixed(0)})` +
  `   idle RSS weft ${(median(list.map((r) => r.weftRss)) / 1024).toFixed(1)} MiB, postgres ${(median(list.map((r) => r.pgRss)) / 1024).toFixed(1)} MiB` +
  `   SIGTERM→exit ${median(list.map((r) => r.stopMs)).toFixed(0)} ms, exit codes ${list.map((r) => r.code).join(',')}`;
console.log(`weft start, ${rounds} rounds, median, ${os.cpus().length} cores, Node ${process.version}`);
console.log(row('cold (initdb)', results.cold));
console.log(row('warm restart', results.warm));
