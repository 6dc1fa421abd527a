// Starts `weft start` (embedded PostgreSQL) on a data dir for the benchmarks and waits until /readyz answers 200.
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

const cli = new URL('../../packages/cli/bin/weft.js', import.meta.url).pathname;

/**
 * `nodeArgs` go to node itself, before the CLI script (e.g. `--cpu-prof`), so they apply to the Weft process only
 * and not, as NODE_OPTIONS would, to every Node process it starts.
 * @returns {Promise<{url: string, child: import('node:child_process').ChildProcess, stop: () => Promise<number|null>, banner: string}>}
 */
export async function startWeft(dataDir, env = {}, nodeArgs = []) {
  const child = spawn(process.execPath, [...nodeArgs, cli, 'start'], {
    env: { ...process.env, WEFT_DATA_DIR: dataDir, WEFT_PORT: '0', WEFT_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM'); // a Weft still starting stops its embedded PostgreSQL too
      reject(new Error(`no ready banner in 60 s:\n${stderr}`));
    }, 60_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = stderr.match(/URL\s+(http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`weft exited ${code}:\n${stderr}`)));
  });
  for (let i = 0; i < 600; i++) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await sleep(10);
  }
  const stop = () => {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    return exited;
  };
  // The ready banner (stderr) names the embedded PostgreSQL's port, for benchmarks that seed the database directly.
  return { url, child, stop, banner: stderr };
}
