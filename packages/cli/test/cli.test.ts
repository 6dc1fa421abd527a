// Issue 2: the `weft` CLI against a running server: customers and tokens commands, table/JSON output, flags and
// WEFT_URL/WEFT_TOKEN, and what a user sees (stderr, exit codes) when the server refuses, is unreachable, or the
// command line is wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import {
  cleanEnv,
  closedPort,
  type RunResult,
  runWeft,
  stopAllWeftProcesses,
} from './support/weft-process.js';

let server: TestServer;
beforeAll(async () => {
  // The CLI only talks to the API; without the scheduler this server holds no advisory lock other files count.
  server = await startTestServer({ WEFT_ROLES: 'api' });
});
afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
});

const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

/** `weft <args>` with no Weft settings in the environment except those in `env`. */
function weft(args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return runWeft(args, { env: cleanEnv(env) });
}

/** `weft <args>` pointed at the test server with --url and the owner's --token. */
function weftAsOwner(...args: string[]): Promise<RunResult> {
  return weft(['--url', server.url, '--token', server.ownerToken, ...args]);
}

/** Expects a successful run with nothing on stderr, and returns its stdout. */
function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

/** The rows of a table the CLI printed: the header line split off, each row a line. */
function tableOf(stdout: string): { header: string; rows: string[] } {
  const [header = '', ...rows] = stdout.trimEnd().split('\n');
  return { header, rows };
}

async function createCustomer(body: Record<string, unknown>): Promise<{ id: string; name: string }> {
  const answer = await server.api('POST', '/api/customers', { body });
  expect(answer.status).toBe(201);
  return answer.body;
}

describe('weft customers:*', () => {
  it('customers:create prints the new customer as a record, or as JSON with --json', async () => {
    const stdout = succeeded(
      await weftAsOwner(
        'customers:create',
        '--name',
        'Acme Corp',
        '--external-id',
        'acme-42',
        '--description',
        'Our first customer',
        '--label',
        'Gold',
        '--label',
        'eu',
      ),
    );
    const id = new RegExp(`^id\\s+(${uuid})$`, 'm').exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    expect(stdout).toMatch(/^name\s+Acme Corp$/m);
    expect(stdout).toMatch(/^external id\s+acme-42$/m);
    expect(stdout).toMatch(/^description\s+Our first customer$/m);
    expect(stdout).toMatch(/^labels\s+gold, eu$/m);
    expect(stdout).toMatch(/^created\s+\d{4}-\d\d-\d\dT/m);
    const stored = await server.api('GET', '/api/customers/by-external-id/acme-42');
    expect(stored.body).toMatchObject({
      id,
      name: 'Acme Corp',
      description: 'Our first customer',
      labels: ['gold', 'eu'],
    });

    const json = JSON.parse(
      succeeded(await weftAsOwner('--json', 'customers:create', '--name', 'Beta Ltd', '-e', 'beta-1')),
    );
    expect(json).toMatchObject({ name: 'Beta Ltd', externalId: 'beta-1', description: '', labels: [] });
    expect((await server.api('GET', `/api/customers/${json.id}`)).body.name).toBe('Beta Ltd');
  });

  it('customers:list prints a table with headers, filtered by --search and by every --label given', async () => {
    await createCustomer({
      name: 'Zoo Zebra',
      externalId: 'zz-1',
      description: 'stripes',
      labels: ['zoo', 'africa'],
    });
    await createCustomer({ name: 'Zoo Lion', externalId: 'zl-1', labels: ['zoo'] });
    await createCustomer({
      name: 'Zoo Penguin',
      externalId: 'zp-1',
      description: 'cold',
      labels: ['antarctica'],
    });

    const [byLabel, byTwoLabels, bySearch, none] = await Promise.all([
      weftAsOwner('customers:list', '--label', 'zoo'),
      weftAsOwner('customers:list', '--label', 'zoo', '--label', 'africa'),
      weftAsOwner('customers:list', '--search', 'COLD'),
      weftAsOwner('customers:list', '--search', 'no customer matches this'),
    ]);
    const zoo = tableOf(succeeded(byLabel));
    expect(zoo.header).toMatch(/^ID\s+NAME\s+EXTERNAL ID\s+LABELS\s+DESCRIPTION$/);
    expect(zoo.rows).toHaveLength(2);
    expect(zoo.rows[0]).toMatch(new RegExp(`^${uuid}\\s+Zoo Zebra\\s+zz-1\\s+zoo,africa\\s+stripes$`));
    expect(zoo.rows[1]).toMatch(new RegExp(`^${uuid}\\s+Zoo Lion\\s+zl-1\\s+zoo$`));
    // Columns line up: every row's name starts where the header's NAME does.
    expect(zoo.rows.map((row) => row.indexOf('Zoo '))).toEqual([
      zoo.header.indexOf('NAME'),
      zoo.header.indexOf('NAME'),
    ]);

    expect(tableOf(succeeded(byTwoLabels)).rows).toEqual([expect.stringContaining('Zoo Zebra')]);
    expect(tableOf(succeeded(bySearch)).rows).toEqual([expect.stringContaining('Zoo Penguin')]);
    expect(succeeded(none)).toBe('(none)\n');
  });

  it('customers:list --limit prints one page and says on stderr how to get the rest; --all fetches every page', async () => {
    for (let i = 1; i <= 7; i++) await createCustomer({ name: `Paged ${i}`, labels: ['paged'] });
    const names = (stdout: string) => tableOf(stdout).rows.map((row) => /Paged \d/.exec(row)?.[0]);

    const first = await weftAsOwner('customers:list', '--label', 'paged', '--limit', '3');
    expect(first.code).toBe(0);
    expect(names(first.stdout)).toEqual(['Paged 1', 'Paged 2', 'Paged 3']);
    const cursor = /^More customers follow: --cursor (\S+) \(or --all\)\n$/.exec(first.stderr)?.[1];
    expect(cursor, first.stderr).toBeDefined();

    const [second, all, allJson] = await Promise.all([
      weftAsOwner('customers:list', '--label', 'paged', '--limit', '3', '--cursor', cursor ?? ''),
      weftAsOwner('customers:list', '--label', 'paged', '--limit', '3', '--all'),
      weftAsOwner('--json', 'customers:list', '--label', 'paged', '--limit', '2', '--all'),
    ]);
    expect(second.code).toBe(0);
    expect(names(second.stdout)).toEqual(['Paged 4', 'Paged 5', 'Paged 6']);
    expect(second.stderr).toMatch(/^More customers follow: --cursor \S+ \(or --all\)\n$/);

    const everyPage = Array.from({ length: 7 }, (_, i) => `Paged ${i + 1}`);
    expect(names(succeeded(all))).toEqual(everyPage);
    const json = JSON.parse(succeeded(allJson));
    expect(json.nextCursor).toBeNull();
    expect(json.items.map((c: { name: string }) => c.name)).toEqual(everyPage);
  });

  it('customers:get shows a customer by id and by --by-external-id, and exits 1 for an unknown one', async () => {
    const customer = await createCustomer({
      name: 'Gettable',
      externalId: 'get-me',
      description: 'findable',
    });
    const [byId, byExternalId, unknown] = await Promise.all([
      weftAsOwner('customers:get', customer.id),
      weftAsOwner('customers:get', '--by-external-id', 'get-me'),
      weftAsOwner('customers:get', '-x', 'no-such-external-id'),
    ]);
    for (const stdout of [succeeded(byId), succeeded(byExternalId)]) {
      expect(stdout).toMatch(new RegExp(`^id\\s+${customer.id}$`, 'm'));
      expect(stdout).toMatch(/^name\s+Gettable$/m);
      expect(stdout).toMatch(/^description\s+findable$/m);
    }
    expect(unknown).toMatchObject({ code: 1, stdout: '' });
    expect(unknown.stderr).toMatch(/^Error \[CUSTOMER_NOT_FOUND\]: .*'no-such-external-id'/);
  });

  it('customers:update changes only what is given: --label replaces the labels, --remove-external-id removes it', async () => {
    const customer = await createCustomer({
      name: 'Updatable',
      externalId: 'upd-1',
      description: 'keep me',
      labels: ['old', 'older'],
    });

    const relabelled = succeeded(
      await weftAsOwner('customers:update', '--by-external-id', 'upd-1', '--label', 'new'),
    );
    expect(relabelled).toMatch(/^labels\s+new$/m);
    expect((await server.api('GET', `/api/customers/${customer.id}`)).body).toMatchObject({
      name: 'Updatable',
      externalId: 'upd-1',
      description: 'keep me',
      labels: ['new'],
    });

    const renamed = succeeded(
      await weftAsOwner('customers:update', customer.id, '--remove-external-id', '--name', 'Updated'),
    );
    expect(renamed).toMatch(/^name\s+Updated$/m);
    expect(renamed).toMatch(/^external id\s*$/m);
    expect((await server.api('GET', `/api/customers/${customer.id}`)).body).toMatchObject({
      name: 'Updated',
      externalId: null,
      description: 'keep me',
      labels: ['new'],
    });
    expect((await server.api('GET', '/api/customers/by-external-id/upd-1')).status).toBe(404);

    succeeded(await weftAsOwner('customers:update', customer.id, '--no-labels'));
    expect((await server.api('GET', `/api/customers/${customer.id}`)).body.labels).toEqual([]);
  });

  it('customers:delete deletes the customer and says which one it deleted', async () => {
    const customer = await createCustomer({ name: 'Doomed', externalId: 'doomed-1' });
    expect(succeeded(await weftAsOwner('customers:delete', customer.id))).toBe(
      `Deleted customer Doomed (${customer.id})\n`,
    );
    expect((await server.api('GET', `/api/customers/${customer.id}`)).status).toBe(404);
  });

  it("a refused request (409 duplicate externalId) exits 1 with the server's code and message on stderr only", async () => {
    await createCustomer({ name: 'Original', externalId: 'dup-1' });
    const result = await weftAsOwner('customers:create', '--name', 'Copy', '--external-id', 'dup-1');
    const sameRequest = await server.api('POST', '/api/customers', {
      body: { name: 'Copy', externalId: 'dup-1' },
    });
    expect(sameRequest.status).toBe(409);
    expect(result).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: `Error [CUSTOMER_EXTERNAL_ID_TAKEN]: ${sameRequest.body.error.message}\n`,
    });
    expect(result.stderr).toContain("'dup-1'");
    expect((await server.api('GET', '/api/customers?search=Copy')).body.items).toEqual([]);
  });
});

describe('weft tokens:*', () => {
  it('tokens:create prints the secret once; it works until tokens:revoke, then fails with AUTH_TOKEN_REVOKED', async () => {
    const created = succeeded(await weftAsOwner('tokens:create', '--name', 'ci bot', '--role', 'integrator'));
    const match = new RegExp(
      `^Created token ci bot \\(integrator\\), id (${uuid})\\.\\nToken \\(shown only this once\\):\\n {2}(weft_\\S+)\\n$`,
    ).exec(created);
    expect(match, created).not.toBeNull();
    const [, id = '', secret = ''] = match ?? [];

    // The new token works against the API, through the CLI and directly.
    const asBot = await weft(['customers:list', '--search', 'nothing-like-this'], {
      WEFT_URL: server.url,
      WEFT_TOKEN: secret,
    });
    expect(succeeded(asBot)).toBe('(none)\n');
    expect(
      (await server.api('POST', '/api/customers', { token: secret, body: { name: 'Made by bot' } })).status,
    ).toBe(201);

    const list = tableOf(succeeded(await weftAsOwner('tokens:list')));
    expect(list.header).toMatch(/^ID\s+NAME\s+ROLE\s+PREFIX\s+LAST USED\s+STATUS$/);
    const row = list.rows.find((line) => line.startsWith(id));
    expect(row).toMatch(/^\S+\s+ci bot\s+integrator\s+(weft_\S+)\s+\d{4}-\d\d-\d\dT\S+\s+active$/);
    expect(row).toContain(`${secret.slice(0, 11)}…`);
    expect(list.rows.some((line) => line.includes('owner (created on first start)'))).toBe(true);
    expect(list.rows.join('\n')).not.toContain(secret); // the secret is printed only at creation

    expect(succeeded(await weftAsOwner('tokens:revoke', id))).toBe(`Revoked token ci bot (${id})\n`);

    const refused = await weft(['customers:list'], { WEFT_URL: server.url, WEFT_TOKEN: secret });
    const serverSays = await server.api('GET', '/api/customers', { token: secret });
    expect(serverSays.body.error.code).toBe('AUTH_TOKEN_REVOKED');
    expect(refused).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `Error [AUTH_TOKEN_REVOKED]: ${serverSays.body.error.message}\n`,
    });
    expect(refused.stderr).toMatch(/: The API token was revoked at \d{4}-\d\d-\d\dT\S+Z\./);

    const [active, withRevoked] = await Promise.all([
      weftAsOwner('tokens:list'),
      weftAsOwner('tokens:list', '--include-revoked'),
    ]);
    expect(succeeded(active)).not.toContain(id);
    expect(tableOf(succeeded(withRevoked)).rows.find((line) => line.startsWith(id))).toMatch(
      /\srevoked \d{4}-\S+$/,
    );
  });
});

describe('weft connection settings and errors', () => {
  it('takes the server and token from WEFT_URL and WEFT_TOKEN, with --url/--token overriding them', async () => {
    await createCustomer({ name: 'Env Reader', externalId: 'env-1' });
    const [fromEnv, flagsWin, badEnvToken] = await Promise.all([
      weft(['customers:get', '-x', 'env-1'], { WEFT_URL: server.url, WEFT_TOKEN: server.ownerToken }),
      weft(['customers:get', '-x', 'env-1', '--url', server.url, '--token', server.ownerToken], {
        WEFT_URL: `http://127.0.0.1:${await closedPort()}`,
        WEFT_TOKEN: 'weft_not-a-real-token',
      }),
      weft(['customers:get', '-x', 'env-1'], { WEFT_URL: server.url, WEFT_TOKEN: 'weft_not-a-real-token' }),
    ]);
    expect(succeeded(fromEnv)).toMatch(/^name\s+Env Reader$/m);
    expect(succeeded(flagsWin)).toMatch(/^name\s+Env Reader$/m);
    expect(badEnvToken).toMatchObject({ code: 1, stdout: '' });
    expect(badEnvToken.stderr).toMatch(/^Error \[AUTH_TOKEN_INVALID\]: /);
  });

  it('without any token it exits 2 and says to pass --token or set WEFT_TOKEN', async () => {
    const [noToken, emptyToken] = await Promise.all([
      weft(['customers:list', '--url', server.url]),
      weft(['customers:list'], { WEFT_URL: server.url, WEFT_TOKEN: '' }),
    ]);
    for (const result of [noToken, emptyToken]) {
      expect(result).toMatchObject({ code: 2, stdout: '' });
      expect(result.stderr).toContain('Pass --token <token> or set WEFT_TOKEN');
    }
  });

  it('a server that is not there: exits 1 with "Cannot reach Weft" and the address it tried', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const result = await weft(['customers:list', '--url', url, '--token', server.ownerToken]);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toContain(`Cannot reach Weft at ${url} (ECONNREFUSED)`);
  });

  it('a wrong command line exits 2 with a message and prints nothing on stdout', async () => {
    const [unknownOption, missingName, badUrl] = await Promise.all([
      weftAsOwner('customers:list', '--colour'),
      weftAsOwner('customers:create', '--external-id', 'x-1'),
      weft(['customers:list', '--url', 'localhost 3000', '--token', server.ownerToken]),
    ]);
    expect(unknownOption).toMatchObject({ code: 2, stdout: '' });
    expect(unknownOption.stderr).toContain("unknown option '--colour'");
    expect(missingName).toMatchObject({ code: 2, stdout: '' });
    expect(missingName.stderr).toContain("required option '-n, --name <name>' not specified");
    // Not a stack trace: one line naming the bad value.
    expect(badUrl).toMatchObject({ code: 2, stdout: '' });
    expect(badUrl.stderr).toBe(
      "Error: 'localhost 3000' is not a Weft server URL; pass --url or set WEFT_URL to one like http://127.0.0.1:3000.\n",
    );
    expect((await server.api('GET', '/api/customers/by-external-id/x-1')).status).toBe(404);
  });

  it('a token pasted with its line break, a URL with a password or an empty --limit exit 2 in one line', async () => {
    const [brokenToken, urlWithPassword, emptyLimit] = await Promise.all([
      weft(['customers:list', '--url', server.url, '--token', `${server.ownerToken}\n`]),
      weft([
        'customers:list',
        '--url',
        server.url.replace('://', '://admin:secret@'),
        '--token',
        server.ownerToken,
      ]),
      weftAsOwner('customers:list', '--limit', ''),
    ]);
    for (const refused of [brokenToken, urlWithPassword, emptyLimit]) {
      expect(refused).toMatchObject({ code: 2, stdout: '' });
      expect(refused.stderr.trim().split('\n')[0]).not.toMatch(/TypeError|\bat /);
    }
    expect(brokenToken.stderr).toContain('The API token holds characters a token never has');
    expect(urlWithPassword.stderr).toContain('carries a user name or password');
    expect(emptyLimit.stderr).toContain("option '--limit <n>' argument '' is invalid");
  });
});
