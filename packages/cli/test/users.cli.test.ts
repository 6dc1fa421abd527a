// Issue 16: `weft users:list|invite|update|remove`, and `weft login|logout`: the CLI signs in with a password, keeps an
// API token of the user (not a cookie) in ~/.config/weft/credentials.json (mode 600), uses it when no token is
// given, and revokes it on logout. The real CLI against a real server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../../server/test/support/people.js';
import { callApi, startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import {
  cleanEnv,
  closedPort,
  type RunResult,
  runWeft,
  stopAllWeftProcesses,
  weftBin,
} from './support/weft-process.js';

let server: TestServer;
let configHome: string;
beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
  configHome = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-cli-login-'));
});
afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
  fs.rmSync(configHome, { recursive: true, force: true });
});

/** The environment of every run: no Weft settings, and a config directory of the test's own. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ XDG_CONFIG_HOME: configHome, ...extra });
}

function weftAsOwner(...args: string[]): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], { env: env() });
}

/** `weft <args>` with `input` on its stdin. */
function weftWithInput(
  args: string[],
  input: string,
  extraEnv: Record<string, string> = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [weftBin, ...args], {
      env: env(extraEnv),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0 });
  return result.stdout;
}

const credentialsPath = () => path.join(configHome, 'weft', 'credentials.json');

describe('weft users:*', () => {
  it('users:invite with --password makes a user who can sign in at once; --json answers the user', async () => {
    const password = 'automation password 1';
    const result = await weftAsOwner(
      'users:invite',
      '--email',
      'Bot@Example.com',
      '--name',
      'Deploy Bot',
      '--role',
      'integrator',
      '--password',
      password,
      '--json',
    );
    const answer = JSON.parse(succeeded(result));
    expect(answer).toMatchObject({
      user: { email: 'Bot@Example.com', name: 'Deploy Bot', role: 'integrator', status: 'active' },
      invitationUrl: null,
    });
    expect(result.stdout + result.stderr).not.toContain(password);
    await signIn(server.url, { email: 'bot@example.com', password });
  });

  it('users:invite without a password prints the invitation link, which works once', async () => {
    const stdout = succeeded(
      await weftAsOwner(
        'users:invite',
        '--email',
        'new.hire@example.com',
        '--name',
        'New Hire',
        '--role',
        'support',
      ),
    );
    expect(stdout).toMatch(/^Invited new\.hire@example\.com \(support\), id [0-9a-f-]{36}\.$/m);
    const link = /^ {2}(http\S+\/invitations\/(\S+))$/m.exec(stdout);
    expect(link?.[1]).toMatch(new RegExp(`^${server.url}/invitations/`));
    const accepted = await callApi(server.url, '', 'POST', '/api/auth/invitations/accept', {
      token: null,
      body: { secret: link?.[2], password: 'the new hire password' },
    });
    expect(accepted.status).toBe(200);
  });

  it('users:list, users:update and users:remove; bad usage exits 2', async () => {
    succeeded(
      await weftAsOwner(
        'users:invite',
        '--email',
        'changing@example.com',
        '--name',
        'Changing',
        '--role',
        'viewer',
      ),
    );
    const list = succeeded(await weftAsOwner('users:list', '--search', 'changing'));
    const [header, row] = list.trimEnd().split('\n');
    expect(header).toMatch(/^ID\s+EMAIL\s+NAME\s+ROLE\s+STATUS\s+LAST SIGN-IN$/);
    expect(row).toMatch(/changing@example\.com\s+Changing\s+viewer\s+invited\s+never$/);
    const id = row?.split(/\s+/)[0] as string;

    const json = JSON.parse(succeeded(await weftAsOwner('users:list', '--role', 'viewer', '--json')));
    expect(json.items.map((u: { email: string }) => u.email)).toContain('changing@example.com');

    const updated = succeeded(await weftAsOwner('users:update', id, '--role', 'admin', '--name', 'Changed'));
    expect(updated).toMatch(/^role\s+admin$/m);
    expect(updated).toMatch(/^name\s+Changed$/m);

    const nothing = await weftAsOwner('users:update', id);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain('Nothing to change');
    const badRole = await weftAsOwner(
      'users:invite',
      '--email',
      'x@example.com',
      '--name',
      'X',
      '--role',
      'boss',
    );
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('owner, admin, integrator, support or viewer');

    expect(succeeded(await weftAsOwner('users:remove', id))).toBe(`Removed changing@example.com (${id})\n`);
    const gone = await weftAsOwner('users:remove', id);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain('Error [USER_NOT_FOUND]');
  });

  it('a short password is refused by the server, which does not repeat it', async () => {
    const result = await weftAsOwner(
      'users:invite',
      '--email',
      's@example.com',
      '--name',
      'S',
      '--role',
      'viewer',
      '--password',
      'tiny',
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Error [USER_PASSWORD_INVALID]');
    expect(result.stderr).not.toContain('tiny');
  });
});

describe('weft login and logout', () => {
  const email = 'cli.user@example.com';
  const password = 'the cli user password';

  it('signs in, stores a token of the user (mode 600) that later commands use, and logout revokes it', async () => {
    succeeded(
      await weftAsOwner(
        'users:invite',
        '--email',
        email,
        '--name',
        'CLI User',
        '--role',
        'viewer',
        '--password',
        password,
      ),
    );

    const login = await weftWithInput(
      ['login', '--url', server.url, '--email', email, '--password-stdin'],
      `${password}\n`,
    );
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`Signed in to ${server.url} as ${email} (viewer`);
    expect(login.stdout + login.stderr).not.toContain(password);

    const file = credentialsPath();
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(stored).toMatchObject({ url: server.url, token: expect.stringMatching(/^weft_/), email });
    expect(JSON.stringify(stored)).not.toContain(password);

    // The token is the user's, named for this machine; the sign-in session was ended.
    const tokens = await server.api('GET', '/api/tokens');
    const token = tokens.body.items.find((t: { id: string }) => t.id === stored.tokenId);
    expect(token).toMatchObject({ name: `weft login on ${os.hostname()}`, role: 'viewer', owner: { email } });
    const sessions = await server.weft.database.db
      .selectFrom('user_sessions')
      .innerJoin('users', 'users.id', 'user_sessions.user_id')
      .select('user_sessions.id')
      .where('users.email', '=', email)
      .execute();
    expect(sessions).toEqual([]);

    // No --url, no --token: the stored ones. The token acts as the user, a viewer.
    const me = succeeded(await runWeft(['users:list', '--search', 'cli.user', '--json'], { env: env() }));
    expect(JSON.parse(me).items).toHaveLength(1);
    const refused = await runWeft(['tokens:list'], { env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Error [AUTH_FORBIDDEN]');
    // An explicit token wins over the stored one (and goes only where it is told: the stored URL is the stored
    // token's).
    succeeded(
      await runWeft(['tokens:list', '--url', server.url, '--token', server.ownerToken], { env: env() }),
    );
    // The stored token is never sent to another server.
    const elsewhere = await runWeft(['customers:list', '--url', `http://127.0.0.1:${await closedPort()}`], {
      env: env(),
    });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain('No API token');

    const logout = await runWeft(['logout'], { env: env() });
    expect(logout.code, logout.stderr).toBe(0);
    expect(logout.stdout).toBe(`Signed out of ${server.url}: token revoked and credentials deleted.\n`);
    expect(fs.existsSync(file)).toBe(false);
    const revoked = await server.api('GET', '/api/customers', { token: stored.token });
    expect(revoked.body.error.code).toBe('AUTH_TOKEN_REVOKED');
    expect(succeeded(await runWeft(['logout'], { env: env() }))).toBe(
      'Not signed in: no stored credentials.\n',
    );
    const noToken = await runWeft(['customers:list', '--url', server.url], { env: env() });
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain('weft login');
  });

  it('a second login replaces (and revokes) the first token', async () => {
    const first = await weftWithInput(
      ['login', '--url', server.url, '--email', email, '--password-stdin', '--json'],
      password,
    );
    expect(first.code, first.stderr).toBe(0);
    const firstToken = JSON.parse(fs.readFileSync(credentialsPath(), 'utf8')).token as string;
    expect(JSON.parse(first.stdout)).toMatchObject({
      url: server.url,
      user: { email },
      token: { owner: { email } },
    });
    const second = await weftWithInput(['login', '--email', email, '--password-stdin'], password);
    expect(second.code, second.stderr).toBe(0);
    expect((await server.api('GET', '/api/customers', { token: firstToken })).body.error.code).toBe(
      'AUTH_TOKEN_REVOKED',
    );
    succeeded(await runWeft(['logout'], { env: env() }));
  });

  it('never sends a password in clear text to another machine; keeps the credentials directory private', async () => {
    // Plain http to a host that is not this machine: refused before anything is sent, unless --insecure.
    const remote = 'http://192.0.2.10:3000';
    const refused = await weftWithInput(
      ['login', '--url', remote, '--email', email, '--password-stdin'],
      password,
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--insecure');
    expect(refused.stderr).toContain('https://');
    expect(refused.stderr).not.toContain(password);
    // With --insecure it tries (and here finds no server); loopback names and https need no flag.
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    for (const url of [unreachable, unreachable.replace('127.0.0.1', 'localhost')]) {
      const local = await weftWithInput(
        ['login', '--url', url, '--email', email, '--password-stdin'],
        password,
      );
      expect(local.code, local.stderr).toBe(1);
      expect(local.stderr).toContain('Cannot reach Weft');
    }

    // A credentials directory left readable by others is made private again.
    const directory = path.dirname(credentialsPath());
    fs.mkdirSync(directory, { recursive: true });
    fs.chmodSync(directory, 0o755);
    const login = await weftWithInput(
      ['login', '--url', server.url, '--email', email, '--password-stdin', '--insecure'],
      password,
    );
    expect(login.code, login.stderr).toBe(0);
    expect(fs.statSync(directory).mode & 0o777).toBe(0o700);
    expect(fs.statSync(credentialsPath()).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(directory)).toEqual(['credentials.json']);
    succeeded(await runWeft(['logout'], { env: env() }));
  });

  it('a wrong password fails with the server’s code and stores nothing; no password, no terminal: exit 2', async () => {
    const wrong = await weftWithInput(
      ['login', '--url', server.url, '--email', email, '--password-stdin'],
      'not it at all',
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('Error [AUTH_SIGN_IN_FAILED]');
    expect(wrong.stderr).not.toContain('not it at all');
    expect(fs.existsSync(credentialsPath())).toBe(false);

    const noTerminal = await weftWithInput(['login', '--url', server.url, '--email', email], '');
    expect(noTerminal.code).toBe(2);
    expect(noTerminal.stderr).toContain('--password-stdin');
    const noEmail = await weftWithInput(['login', '--url', server.url, '--password-stdin'], password);
    expect(noEmail.code).toBe(2);
    expect(noEmail.stderr).toContain('--email');
  });
});
