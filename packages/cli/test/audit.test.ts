// Issue 16 (audit log): `weft audit:list` prints who changed what, newest first, as a table or JSON, with the API's
// filters and paging; changes made with the CLI itself show up; a role that may not read the log is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ WEFT_ROLES: 'api' });
});
afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
});

function weftAs(token: string, ...args: string[]): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', token, ...args], { env: cleanEnv() });
}

function weftAsOwner(...args: string[]): Promise<RunResult> {
  return weftAs(server.ownerToken, ...args);
}

function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

function rowsOf(stdout: string): { header: string; rows: string[] } {
  const [header = '', ...rows] = stdout.trimEnd().split('\n');
  return { header, rows };
}

describe('weft audit:list', () => {
  let customerId: string;
  let tokenId: string;

  beforeAll(async () => {
    // Changes made through the CLI, then through the API.
    customerId = JSON.parse(
      succeeded(
        await weftAsOwner('--json', 'customers:create', '--name', 'Audit Co', '--external-id', 'audit-co'),
      ),
    ).id;
    const token = JSON.parse(
      succeeded(await weftAsOwner('--json', 'tokens:create', '--name', 'Audit bot', '--role', 'admin')),
    );
    tokenId = token.token.id;
    for (const name of ['Paged A', 'Paged B', 'Paged C']) {
      const answer = await server.api('POST', '/api/customers', { token: token.secret, body: { name } });
      expect(answer.status).toBe(201);
    }
    succeeded(
      await weftAsOwner('customers:update', 'audit-co', '--by-external-id', '--description', 'audited'),
    );
    succeeded(await weftAsOwner('tokens:revoke', tokenId));
  });

  it('prints a table, newest first, with who, what, on what, and details', async () => {
    const { header, rows } = rowsOf(succeeded(await weftAsOwner('audit:list')));
    expect(header).toMatch(/^AT\s+ACTOR\s+ACTION\s+TARGET\s+CUSTOMER\s+DETAILS$/);
    expect(rows[0]).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT\\S+\\s+token owner \\(created on first start\\) \\(token\\)\\s+token\\.revoke\\s+token ${tokenId}\\s+name=Audit bot role=admin$`,
      ),
    );
    expect(rows[1]).toMatch(
      new RegExp(
        `\\s+customer\\.update\\s+customer ${customerId}\\s+${customerId}\\s+name=Audit Co changed=\\["description"\\] externalId=audit-co$`,
      ),
    );
    expect(rows.filter((row) => row.includes('customer.create'))).toHaveLength(4);
    expect(rows.at(-1)).toContain('customer.create');
  });

  it('filters by actor, action, target type, target, customer and time (--json: {items, nextCursor})', async () => {
    const json = async (...args: string[]) =>
      JSON.parse(succeeded(await weftAsOwner('--json', 'audit:list', ...args)));

    const byBot = await json('--actor', 'token Audit bot');
    expect(byBot.items.map((e: { details: { name: string } }) => e.details.name)).toEqual([
      'Paged C',
      'Paged B',
      'Paged A',
    ]);
    expect(byBot.items[0]).toMatchObject({
      actor: { kind: 'token', id: tokenId, tokenId },
      action: 'customer.create',
    });
    expect((await json('--actor', tokenId)).items).toHaveLength(3);

    const tokens = await json('--action', 'token.');
    expect(tokens.items.map((e: { action: string }) => e.action)).toEqual(['token.revoke', 'token.create']);
    expect((await json('--target-type', 'token', '--target', tokenId)).items).toHaveLength(2);

    const customer = await json('--customer', 'audit-co');
    expect(customer.items.map((e: { action: string }) => e.action)).toEqual([
      'customer.update',
      'customer.create',
    ]);
    expect(customer.items.every((e: { customerId: string }) => e.customerId === customerId)).toBe(true);

    expect((await json('--since', '1h')).items.length).toBe(7);
    expect((await json('--until', '2000-01-01')).items).toEqual([]);
    expect(await json('--action', 'instance.')).toEqual({ items: [], nextCursor: null });
  });

  it('pages with --limit, --cursor and --all', async () => {
    const first = await weftAsOwner('audit:list', '--action', 'customer.create', '--limit', '3');
    expect(first.code).toBe(0);
    expect(rowsOf(first.stdout).rows).toHaveLength(3);
    const cursor = /^More events follow: --cursor (\S+) \(or --all\)\n$/.exec(first.stderr)?.[1];
    expect(cursor, first.stderr).toBeDefined();
    const second = rowsOf(
      succeeded(
        await weftAsOwner(
          'audit:list',
          '--action',
          'customer.create',
          '--limit',
          '3',
          '--cursor',
          cursor ?? '',
        ),
      ),
    );
    expect(second.rows).toHaveLength(1);
    expect(second.rows[0]).toContain('name=Audit Co');

    const all = JSON.parse(
      succeeded(
        await weftAsOwner('--json', 'audit:list', '--action', 'customer.create', '--limit', '2', '--all'),
      ),
    );
    expect(all.nextCursor).toBeNull();
    expect(all.items.map((e: { details: { name: string } }) => e.details.name)).toEqual([
      'Paged C',
      'Paged B',
      'Paged A',
      'Audit Co',
    ]);
  });

  it('refuses a role that may not read the log (exit 1, AUTH_FORBIDDEN), and a bad --since (exit 2)', async () => {
    const viewer = await server.api('POST', '/api/tokens', {
      body: { name: 'Audit viewer', role: 'viewer' },
    });
    const refused = await weftAs(viewer.body.secret, 'audit:list');
    expect(refused).toMatchObject({ code: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^Error \[AUTH_FORBIDDEN\]: .*audit-events/);
    const badTime = await weftAsOwner('audit:list', '--since', 'yesterday');
    expect(badTime).toMatchObject({ code: 2, stdout: '' });
    expect(badTime.stderr).toContain('ISO 8601');
  });
});
