// Issue 2: the real `weft start` process on embedded PostgreSQL: first start and its owner token, data kept across
// restarts, clean SIGTERM shutdown (also during start-up), recovery after SIGKILL, refusals (locked data dir, port
// in use, bad config), WEFT_ADMIN_TOKEN, and `weft migrate` / `weft tokens:recover` on a stopped data directory.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../server/test/support/test-server.js';
import {
  cleanEnv,
  postgresPidsFor,
  runWeft,
  stopAllWeftProcesses,
  WeftProcess,
} from './support/weft-process.js';

const dataDirs: string[] = [];

/** A new, empty data directory (each costs an initdb on its first start, so tests share them where they can). */
async function newDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'weft-start-test-'));
  dataDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await stopAllWeftProcesses();
  // A test that failed between a SIGKILL and the recovery would leave that PostgreSQL running: stop it by pid.
  for (const dir of dataDirs) {
    for (const pid of postgresPidsFor(dir)) {
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 100 && postgresPidsFor(dir).includes(pid); i++) await sleep(100);
      if (postgresPidsFor(dir).includes(pid)) process.kill(pid, 'SIGKILL');
    }
  }
  await Promise.all(dataDirs.map((dir) => fs.rm(dir, { recursive: true, force: true })));
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function startEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ WEFT_DATA_DIR: dataDir, WEFT_PORT: '0', ...extra });
}

interface RunningWeft {
  weft: WeftProcess;
  url: string;
  /** What it printed on stderr up to and including the ready banner. */
  banner: string;
}

/** Runs `weft start` on `dataDir` and waits for its ready banner. */
async function startWeftIn(dataDir: string, extra: Record<string, string> = {}): Promise<RunningWeft> {
  const weft = new WeftProcess(['start'], { env: startEnv(dataDir, extra), cwd: os.tmpdir() });
  await weft.waitFor('stderr', /Stop with Ctrl-C\..*\n/, 60_000);
  const url = /^ {2}URL {7}(http:\/\/127\.0\.0\.1:\d+)$/m.exec(weft.stderr)?.[1];
  if (!url) throw new Error(`no URL in the ready banner\n${weft.describe()}`);
  return { weft, url, banner: weft.stderr };
}

/** SIGTERM, then expects a clean stop: exit 0, "Weft stopped.", and no PostgreSQL left on the data directory. */
async function stopWeft(running: RunningWeft, dataDir: string): Promise<void> {
  running.weft.signal('SIGTERM');
  const exit = await running.weft.waitForExit(30_000);
  expect(exit, running.weft.describe()).toEqual({ code: 0, signal: null });
  expect(running.weft.stderr).toMatch(
    /SIGTERM received: finishing in-flight requests, then stopping…\nWeft stopped\.\n$/,
  );
  expect(postgresPidsFor(dataDir)).toEqual([]);
}

async function api(
  url: string,
  token: string | undefined,
  method: string,
  apiPath: string,
  body?: unknown,
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer, checked field by field by the assertions
): Promise<{ status: number; body: any }> {
  const response = await fetch(new URL(apiPath, url), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** The JSON log lines a weft process wrote on stdout. */
function logLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('weft start on embedded PostgreSQL, one data directory through its life', () => {
  let dataDir: string;
  let ownerToken: string;
  let recoveredToken: string;
  let customerId: string;
  let first: RunningWeft;
  let restarted: RunningWeft;

  it('refuses a bad configuration with exit 2, listing every problem, without starting PostgreSQL', async () => {
    const parent = await newDataDir();
    const target = path.join(parent, 'never-created');
    const result = await runWeft(['start', '--role', 'chef'], {
      env: cleanEnv({ WEFT_PORT: 'abc', WEFT_LOG_LEVEL: 'loud', WEFT_DATA_DIR: target }),
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'Error [CONFIG_INVALID]: Weft cannot start; the configuration has 3 problem(s):',
    );
    expect(result.stderr).toContain("\n  - WEFT_PORT: 'abc' is not a port number");
    expect(result.stderr).toContain("\n  - WEFT_LOG_LEVEL: 'loud' is not a log level");
    expect(result.stderr).toContain("\n  - --role: 'chef' is not a role");
    expect(result.stderr).not.toContain('PostgreSQL');
    await expect(fs.access(target)).rejects.toThrow(/ENOENT/);
  });

  it('first start prints the URL, the data directory and an owner token that works; /readyz answers 200', async () => {
    dataDir = await newDataDir();
    first = await startWeftIn(dataDir);
    expect(first.banner).toContain(`  Data      ${dataDir} (embedded PostgreSQL on 127.0.0.1:`);
    const token = /Owner API token \(shown only this once; store it now\):\n {4}(weft_\S+)\n/.exec(
      first.banner,
    )?.[1];
    expect(token, first.banner).toBeDefined();
    ownerToken = token ?? '';
    // The console, and the link that makes the first console account with the owner token.
    expect(first.banner).toContain(`  Console   ${first.url}/\n`);
    expect(first.banner).toContain(`    ${first.url}/setup#token=${ownerToken}\n`);
    expect(postgresPidsFor(dataDir)).toHaveLength(1);

    const ready = await api(first.url, undefined, 'GET', '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready' } });
    expect(await api(first.url, ownerToken, 'GET', '/api/customers')).toEqual({
      status: 200,
      body: { items: [], nextCursor: null },
    });
    expect((await api(first.url, 'weft_wrong', 'GET', '/api/customers')).status).toBe(401);

    const created = await api(first.url, ownerToken, 'POST', '/api/customers', {
      name: 'Survivor',
      externalId: 's-1',
    });
    expect(created.status).toBe(201);
    customerId = created.body.id;
  });

  it('a second weft start on the same data directory exits 1 with DATA_DIR_LOCKED; the first keeps serving', async () => {
    const second = await runWeft(['start'], { env: startEnv(dataDir) });
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toContain(
      `Error [DATA_DIR_LOCKED]: Another Weft process (pid ${first.weft.pid}) is using the data directory ${dataDir}.`,
    );
    expect((await api(first.url, ownerToken, 'GET', `/api/customers/${customerId}`)).status).toBe(200);
    expect(postgresPidsFor(dataDir)).toHaveLength(1);
  });

  it('SIGTERM stops it with exit 0 and "Weft stopped.", and stops its PostgreSQL', async () => {
    await stopWeft(first, dataDir);
  });

  it('a SIGTERM during start-up, once PostgreSQL runs, stops it too instead of leaving it running', async () => {
    const starting = new WeftProcess(['start'], { env: startEnv(dataDir), cwd: os.tmpdir() });
    await starting.waitFor('stderr', /• Connecting to the database…\n/, 30_000);
    starting.signal('SIGTERM');
    expect(await starting.waitForExit(30_000), starting.describe()).toEqual({ code: 0, signal: null });
    expect(starting.stderr).toMatch(/Weft stopped\.\n$/);
    expect(postgresPidsFor(dataDir)).toEqual([]);
  });

  it('WEFT_PORT already taken: exits 1 with PORT_IN_USE naming the port, and leaves no PostgreSQL running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve, reject) => {
      blocker.once('error', reject);
      blocker.listen(0, '127.0.0.1', resolve);
    });
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      const result = await runWeft(['start'], { env: startEnv(dataDir, { WEFT_PORT: String(port) }) });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`Error [PORT_IN_USE]: Port ${port} on 127.0.0.1 is already in use.`);
      expect(result.stderr).toContain('set WEFT_PORT to a free one');
      expect(postgresPidsFor(dataDir)).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('weft migrate on the stopped data directory says the database is up to date', async () => {
    const result = await runWeft(['migrate', '--data-dir', dataDir], { env: cleanEnv() });
    expect(result, result.stderr).toMatchObject({ code: 0, stdout: 'The database is up to date.\n' });
    expect(postgresPidsFor(dataDir)).toEqual([]);
  });

  it('weft tokens:recover on the stopped data directory prints a new owner token', async () => {
    const result = await runWeft(['tokens:recover', '--data-dir', dataDir], { env: cleanEnv() });
    expect(result.code, result.stderr).toBe(0);
    const token = /^New owner token \(shown only this once\):\n {2}(weft_\S+)\n$/.exec(result.stdout)?.[1];
    expect(token, result.stdout).toBeDefined();
    expect(token).not.toBe(ownerToken);
    recoveredToken = token ?? '';
    expect(postgresPidsFor(dataDir)).toEqual([]);
  });

  it('starting again keeps the data: no new token is printed, the customer and both owner tokens work', async () => {
    restarted = await startWeftIn(dataDir);
    expect(restarted.banner).toContain('Owner API token: printed on the first start only.');
    expect(restarted.banner).not.toContain('weft_');
    expect(restarted.banner).not.toContain('Creating the embedded PostgreSQL cluster');

    const customer = await api(restarted.url, ownerToken, 'GET', `/api/customers/${customerId}`);
    expect(customer).toMatchObject({ status: 200, body: { name: 'Survivor', externalId: 's-1' } });
    // The recovered token is an owner token: it may manage tokens, which only owners and admins may.
    const tokens = await api(restarted.url, recoveredToken, 'GET', '/api/tokens');
    expect(tokens.status).toBe(200);
    expect(tokens.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'owner (recovered)', role: 'owner' })]),
    );
  });

  it('after a SIGKILL the next start takes over the stale lock, stops the left-over PostgreSQL and serves the data', async () => {
    restarted.weft.signal('SIGKILL');
    expect(await restarted.weft.waitForExit(10_000)).toEqual({ code: null, signal: 'SIGKILL' });
    const orphans = postgresPidsFor(dataDir);
    expect(orphans).toHaveLength(1); // the killed process could not stop its PostgreSQL

    const recovered = await startWeftIn(dataDir);
    const warnings = logLines(recovered.weft.stdout).filter((line) => line.level === 'warn');
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'taking over a stale lock left by a Weft process that did not shut down cleanly',
          pid: restarted.weft.pid,
        }),
        expect.objectContaining({
          msg: 'stopping an embedded PostgreSQL left running by a previous Weft process',
          pid: orphans[0],
        }),
      ]),
    );
    expect(postgresPidsFor(dataDir)).not.toContain(orphans[0]);
    const customer = await api(recovered.url, ownerToken, 'GET', '/api/customers/by-external-id/s-1');
    expect(customer).toMatchObject({ status: 200, body: { id: customerId, name: 'Survivor' } });
    await stopWeft(recovered, dataDir);
  });
});

describe('weft tokens:recover where there is nothing to recover', () => {
  it('a data directory without a Weft database: exits 1 saying so, and creates no database there', async () => {
    const parent = await newDataDir();
    const mistyped = path.join(parent, 'mistyped');
    const result = await runWeft(['tokens:recover', '--data-dir', mistyped], { env: cleanEnv() });
    expect(result).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: `Error: There is no Weft database in ${mistyped}. Pass the data directory Weft runs with (--data-dir or WEFT_DATA_DIR), or DATABASE_URL.\n`,
    });
    await expect(fs.access(mistyped)).rejects.toThrow(/ENOENT/);
  });

  it('a database Weft never migrated: exits 1 telling to run weft migrate first', async () => {
    const databaseUrl = await createTestDatabase();
    const result = await runWeft(['tokens:recover'], { env: cleanEnv({ DATABASE_URL: databaseUrl }) });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(
      /^Error: The database schema is not up to date \(pending: 0001-[^)]*\)\. Run `weft migrate` \(or start Weft once\), then try again\.\n$/,
    );
  });

  it('a database migrated but never started (no organization): exits 1 saying to start Weft once, not blaming the settings', async () => {
    const databaseUrl = await createTestDatabase();
    const migrate = await runWeft(['migrate'], { env: cleanEnv({ DATABASE_URL: databaseUrl }) });
    expect(migrate, migrate.stderr).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Applied \d+ migration\(s\): 0001-/),
    });

    const result = await runWeft(['tokens:recover'], { env: cleanEnv({ DATABASE_URL: databaseUrl }) });
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'Error [DATABASE_NOT_INITIALIZED]: This database has no organization yet',
    );
    expect(result.stderr).toContain('Start Weft once (`npm start`)');
    // Nothing is wrong with the configuration: no "fix the settings" hint, and not the configuration exit code 2.
    expect(result.stderr).not.toContain('Fix the settings listed above');
    expect(result.code).toBe(1);
  });
});

describe('weft start with WEFT_ADMIN_TOKEN', () => {
  it('on a fresh data directory, that exact value becomes the owner token and is not printed', async () => {
    const dataDir = await newDataDir();
    const adminToken = randomBytes(20).toString('hex'); // 40 characters
    const running = await startWeftIn(dataDir, { WEFT_ADMIN_TOKEN: adminToken });
    expect(running.banner).toContain('Owner API token: the value of WEFT_ADMIN_TOKEN.');
    expect(running.banner).not.toContain(adminToken);
    expect(running.banner).not.toContain('weft_');

    const tokens = await api(running.url, adminToken, 'GET', '/api/tokens');
    expect(tokens.status).toBe(200);
    expect(tokens.body.items).toEqual([
      expect.objectContaining({ role: 'owner', prefix: expect.stringMatching(/^sha256:[0-9a-f]{8}$/) }),
    ]);
    expect((await api(running.url, randomBytes(20).toString('hex'), 'GET', '/api/tokens')).status).toBe(401);
    await stopWeft(running, dataDir);
  });
});
