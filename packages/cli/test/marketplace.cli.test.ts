// Issue 16: `weft integrations:marketplace` (show and change an integration's marketplace settings),
// `weft marketplace:list` (as a customer sees it) and `weft marketplace:activate` against a running server.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';
import { cleanEnv, type RunResult, runWeft, stopAllWeftProcesses } from './support/weft-process.js';

const fixtures = fileURLToPath(new URL('./fixtures/instances/', import.meta.url));
const uuid = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';

let server: TestServer;
let integrationId: string;

function weft(...args: string[]): Promise<RunResult> {
  return runWeft(['--url', server.url, '--token', server.ownerToken, ...args], {
    env: cleanEnv(),
    cwd: fixtures,
  });
}

function succeeded(result: RunResult): string {
  expect(result, `weft failed:\n${result.stderr}`).toMatchObject({ code: 0, stderr: '' });
  return result.stdout;
}

beforeAll(async () => {
  server = await startTestServer();
  integrationId = succeeded(await weft('integrations:import', '--path', 'order-counter.yaml')).trim();
  succeeded(await weft('integrations:publish', integrationId, '--comment', 'v1'));
  const customer = await server.api('POST', '/api/customers', {
    body: { name: 'Acme', externalId: 'acme-42' },
  });
  expect(customer.status, customer.text).toBe(201);
});

afterAll(async () => {
  await stopAllWeftProcesses();
  await server?.stop();
});

describe('weft marketplace commands', () => {
  it('shows and changes the marketplace settings of an integration', async () => {
    const shown = succeeded(await weft('integrations:marketplace', integrationId));
    expect(shown).toMatch(/^listed\s+no$/m);
    expect(shown).toMatch(/^version\s+newest available \(1\)$/m);

    succeeded(await weft('integrations:publish', integrationId, '--comment', 'v2'));
    const changed = JSON.parse(
      succeeded(
        await weft(
          'integrations:marketplace',
          integrationId,
          '--listed',
          '--overview',
          'Counts **orders**.',
          '--no-deployable',
          '--multiple',
          '--version',
          '1',
          '--json',
        ),
      ),
    );
    expect(changed).toMatchObject({
      listed: true,
      overview: 'Counts **orders**.',
      customerDeployable: false,
      allowMultipleInstances: true,
      versionNumber: 1,
      offeredVersionNumber: 1,
      availableVersions: [2, 1],
    });
    const unpinned = succeeded(
      await weft('integrations:marketplace', integrationId, '--latest', '--deployable'),
    );
    expect(unpinned).toMatch(/^version\s+newest available \(2\)$/m);
    expect(unpinned).toMatch(/^customer-deployable\s+yes$/m);

    const refused = await weft('integrations:marketplace', integrationId, '--version', '9');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('INTEGRATION_VERSION_NOT_FOUND');
  });

  it('activates for a customer, and lists the marketplace as that customer sees it', async () => {
    const activated = succeeded(await weft('marketplace:activate', integrationId, '--customer', 'acme-42'));
    const [id, sentence] = activated.trimEnd().split('\n');
    expect(id).toMatch(new RegExp(`^${uuid}$`));
    expect(sentence).toContain("Activated Order Counter v2 for Acme as 'Order Counter'");
    const named = JSON.parse(
      succeeded(
        await weft(
          'marketplace:activate',
          integrationId,
          '--customer',
          'acme-42',
          '--name',
          'Second',
          '--json',
        ),
      ),
    );
    expect(named.instance).toMatchObject({ name: 'Second', status: 'unconfigured' });

    const table = succeeded(await weft('marketplace:list', '--customer', 'acme-42'));
    const [heading, header, row] = table.trimEnd().split('\n');
    expect(heading).toBe('Marketplace of Acme (acme-42)');
    expect(header).toMatch(/^ID\s+NAME\s+CATEGORY\s+VERSION\s+SELF-SERVE\s+MULTIPLE\s+INSTANCES$/);
    expect(row).toMatch(
      new RegExp(`^${integrationId}\\s+Order Counter\\s+2\\s+yes\\s+yes\\s+2 \\(unconfigured`),
    );

    const json = JSON.parse(
      succeeded(await weft('marketplace:list', '--search', 'nothing-like-it', '--json')),
    );
    expect(json).toEqual({ customer: null, items: [] });
    const missing = await weft('marketplace:activate', integrationId);
    expect(missing.code).toBe(2);
  });
});
