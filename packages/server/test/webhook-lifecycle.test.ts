// Issue 14: a trigger's webhookLifecycleHandlers (Spectral compiles them to webhookCreate / webhookDelete, as
// Prismatic's github connector's eventWebhook declares them) register the flow's webhook URL at the third party and
// remove it across deploy, redeploy, pause, unpause and delete; their state reaches the trigger's perform (the
// signing secret), their errors are visible on the instance. Component features Weft does not run are refused at
// publish; a synchronous flow whose trigger declares synchronous responses invalid is refused at import.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleSpectralFixture } from './support/spectral-bundles.js';
import { startTestServerWithPublicUrl, type TestServer } from './support/test-server.js';
import { type ExecutionAnswer, waitForExecution } from './support/worker-fixtures.js';

interface Hook {
  id: number;
  repo: string;
  url: string;
  secret: string;
  events: string[];
}

/** A mock of the third party (a repository host's hooks API) that records every create and delete. */
interface RepositoryHost {
  url: string;
  /** The hooks that exist now. */
  hooks: Map<number, Hook>;
  /** Every request, in order: `POST /repos/acme/widgets/hooks`, `DELETE /repos/acme/widgets/hooks/1`. */
  requests: string[];
  /** While set, creates and deletes answer this failure. */
  failure: { status: number; body: string } | undefined;
  close(): Promise<void>;
}

async function startRepositoryHost(): Promise<RepositoryHost> {
  const host: Omit<RepositoryHost, 'url' | 'close'> = { hooks: new Map(), requests: [], failure: undefined };
  let nextId = 1;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const line = `${request.method} ${request.url}`;
      host.requests.push(line);
      const answer = (status: number, body?: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(body === undefined ? '' : JSON.stringify(body));
      };
      if (request.headers.authorization !== 'Bearer host-key-5f2a')
        return answer(401, { message: 'Bad creds' });
      if (host.failure) {
        response.writeHead(host.failure.status, { 'content-type': 'application/json' });
        return response.end(host.failure.body);
      }
      const create = /^\/repos\/([^/]+\/[^/]+)\/hooks$/.exec(request.url ?? '');
      if (request.method === 'POST' && create) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const hook = {
          id: nextId++,
          repo: create[1]!,
          url: body.config.url,
          secret: body.config.secret,
          events: body.events,
        };
        host.hooks.set(hook.id, hook);
        return answer(201, { id: hook.id });
      }
      const remove = /^\/repos\/([^/]+\/[^/]+)\/hooks\/(\d+)$/.exec(request.url ?? '');
      if (request.method === 'DELETE' && remove) {
        const hook = host.hooks.get(Number(remove[2]));
        if (!hook || hook.repo !== remove[1]) return answer(404, { message: 'Not Found' });
        host.hooks.delete(hook.id);
        return answer(204);
      }
      return answer(404, { message: 'Not Found' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(host, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

const hooks = '{key: spectral-hooks, version: LATEST, isPublic: false}';

function integrationYaml(options: { sync?: boolean } = {}): string {
  return `definitionVersion: 7
name: Repository Events
description: Registers its webhook at the repository host
endpointType: flow_specific
requiredConfigVars:
  - key: Host Key
    stableKey: host-key
    dataType: connection
    connection: {key: hooksApiKey, component: ${hooks}}
    orgOnly: false
  - key: Repository
    stableKey: repository
    dataType: string
    defaultValue: acme/widgets
    orgOnly: false
configPages: []
flows:
  - name: Repo Events
    stableKey: repo-events
    description: Receives the repository's pushes
    isSynchronous: ${options.sync ?? false}
    endpointSecurityType: unsecured
    steps:
      - name: On Repo Event
        isTrigger: true
        action: {key: repoEvents, component: ${hooks}}
        inputs:
          connection: {type: configVar, value: Host Key}
          repo: {type: configVar, value: Repository}
          events: {type: value, value: "push,pull_request"}
      - name: Read Delivery
        action: {key: readDelivery, component: ${hooks}}
        inputs:
          event: {type: reference, value: onRepoEvent.results.body.data.action}
`;
}

let server: TestServer;
let repositoryHost: RepositoryHost;

beforeAll(async () => {
  repositoryHost = await startRepositoryHost();
  // webhookCreate registers context.webhookUrls[flow]: built on the public URL the server is told.
  server = await startTestServerWithPublicUrl();
  const published = await server.api('POST', '/api/components', {
    body: { bundle: await bundleSpectralFixture('repo-hooks-component.ts'), comment: 'github-style hooks' },
  });
  expect(published.status, published.text).toBe(201);
});

afterAll(async () => {
  await server?.stop();
  await repositoryHost?.close();
});

async function registrationOf(instanceId: string) {
  const detail = await server.api('GET', `/api/instances/${instanceId}`);
  expect(detail.status, detail.text).toBe(200);
  expect(detail.body.webhookRegistrations).toHaveLength(1);
  return detail.body.webhookRegistrations[0];
}

function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Posts a delivery to the flow's webhook URL as the third party would, and waits for its execution. The trigger
 * runs before the caller is answered (it may refuse the delivery): a refused one is answered 500 EXECUTION_FAILED.
 */
async function deliver(
  url: string,
  body: string,
  signature: string,
): Promise<{ status: number; error?: { code: string; message: string }; execution: ExecutionAnswer }> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
    body,
  });
  const text = await answer.text();
  const parsed = JSON.parse(text) as {
    executionId?: string;
    error?: { code: string; message: string; details?: { executionId?: string } };
  };
  const executionId = parsed.executionId ?? parsed.error?.details?.executionId;
  expect(executionId, text).toEqual(expect.any(String));
  const execution = await waitForExecution(server, executionId!, { timeoutMs: 30_000 });
  return { status: answer.status, ...(parsed.error ? { error: parsed.error } : {}), execution };
}

describe('a trigger with webhookLifecycleHandlers (Prismatic github eventWebhook style)', () => {
  let instanceId: string;
  let customerId: string;
  let integrationId: string;
  let flowUrl: string;

  beforeAll(async () => {
    const imported = await server.api('POST', '/api/integrations/import', {
      body: { definition: integrationYaml() },
    });
    expect(imported.status, imported.text).toBe(201);
    const published = await server.api('POST', `/api/integrations/${imported.body.id}/publish`, {
      body: { comment: 'v1' },
    });
    expect(published.status, published.text).toBe(201);
    const customer = await server.api('POST', '/api/customers', { body: { name: 'Hooked Co' } });
    expect(customer.status, customer.text).toBe(201);
    const instance = await server.api('POST', '/api/instances', {
      body: { customerId: customer.body.id, integrationId: imported.body.id, name: 'Hooked' },
    });
    expect(instance.status, instance.text).toBe(201);
    instanceId = instance.body.id;
    customerId = customer.body.id;
    integrationId = imported.body.id;
    const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: { values: { 'Host Key': { apiKey: 'host-key-5f2a', baseUrl: repositoryHost.url } } },
    });
    expect(configured.status, configured.text).toBe(200);
  });

  it('is published with its webhook create and delete functions in the manifest', async () => {
    const version = await server.api('GET', '/api/components/spectral-hooks/versions/LATEST');
    expect(version.status, version.text).toBe(200);
    expect(version.body.manifest.triggers.repoEvents).toMatchObject({
      hasWebhookCreateFunction: true,
      hasWebhookDeleteFunction: true,
      synchronousResponseSupport: 'invalid',
    });
  });

  it("registers the flow's webhook URL at the third party on deploy, and shows the registration on the instance", async () => {
    const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(deployed.status, deployed.text).toBe(200);
    const flows = await server.api('GET', `/api/instances/${instanceId}/flows`);
    flowUrl = flows.body.flows[0].webhookUrl;
    expect(flowUrl).toMatch(/\/trigger\//);
    expect(repositoryHost.requests).toEqual(['POST /repos/acme/widgets/hooks']);
    expect([...repositoryHost.hooks.values()]).toEqual([
      expect.objectContaining({
        id: 1,
        repo: 'acme/widgets',
        url: flowUrl,
        events: ['push', 'pull_request'],
      }),
    ]);
    expect(await registrationOf(instanceId)).toMatchObject({
      flow: 'Repo Events',
      stableKey: 'repo-events',
      trigger: 'spectral-hooks/repoEvents',
      status: 'registered',
      webhookUrl: flowUrl,
      versionNumber: 1,
      componentVersion: 1,
      registeredAt: expect.any(String),
      removedAt: null,
      lastError: null,
    });
  });

  it('accepts a delivery signed with the secret webhookCreate stored, and refuses one signed sha256=deadbeef', async () => {
    const secret = repositoryHost.hooks.get(1)!.secret;
    const body = JSON.stringify({ action: 'opened', number: 7 });
    const accepted = await deliver(flowUrl, body, sign(secret, body));
    expect(accepted.status).toBe(200);
    expect(accepted.execution.status, JSON.stringify(accepted.execution.error)).toBe('succeeded');
    expect(
      accepted.execution.stepRecords.find((step: { name: string }) => step.name === 'Read Delivery')?.result,
    ).toEqual({ event: 'opened' });

    const forged = await deliver(flowUrl, body, 'sha256=deadbeef');
    expect(forged.status).toBe(500);
    expect(forged.error?.code).toBe('EXECUTION_FAILED');
    expect(forged.error?.message).toContain('the delivery signature does not match the webhook secret');
    expect(forged.execution.status).toBe('failed');
    expect(forged.execution.stepRecords.map((step: { name: string }) => step.name)).not.toContain(
      'Read Delivery',
    );
  });

  it('does not register again on a redeploy with the same URL and inputs', async () => {
    const before = await registrationOf(instanceId);
    const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(deployed.status, deployed.text).toBe(200);
    expect(repositoryHost.requests).toEqual(['POST /repos/acme/widgets/hooks']);
    expect(await registrationOf(instanceId)).toEqual(before);
  });

  it('removes the old registration, with the inputs it was made with, then registers again when the inputs change', async () => {
    const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
      body: { values: { Repository: 'acme/gadgets' } },
    });
    expect(configured.status, configured.text).toBe(200);
    const before = await registrationOf(instanceId);
    const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(deployed.status, deployed.text).toBe(200);
    expect(repositoryHost.requests.slice(1)).toEqual([
      'DELETE /repos/acme/widgets/hooks/1',
      'POST /repos/acme/gadgets/hooks',
    ]);
    expect([...repositoryHost.hooks.values()].map((hook) => [hook.id, hook.repo])).toEqual([
      [2, 'acme/gadgets'],
    ]);
    const after = await registrationOf(instanceId);
    expect(after).toMatchObject({ status: 'registered', lastError: null });
    expect(after.configHash).not.toBe(before.configHash);

    // The new hook's secret is the one the trigger checks now.
    const body = JSON.stringify({ action: 'closed' });
    const accepted = await deliver(flowUrl, body, sign(repositoryHost.hooks.get(2)!.secret, body));
    expect(accepted.execution.status, JSON.stringify(accepted.execution.error)).toBe('succeeded');
    const stale = await deliver(flowUrl, body, sign('not-the-secret', body));
    expect(stale.execution.status).toBe('failed');
  });

  it('removes the registration when the instance is paused, and registers again when it is unpaused', async () => {
    const paused = await server.api('POST', `/api/instances/${instanceId}/pause`);
    expect(paused.status, paused.text).toBe(200);
    expect(paused.body.enabled).toBe(false);
    expect(repositoryHost.requests.at(-1)).toBe('DELETE /repos/acme/gadgets/hooks/2');
    expect(repositoryHost.hooks.size).toBe(0);
    expect(await registrationOf(instanceId)).toMatchObject({
      status: 'removed',
      removedAt: expect.any(String),
    });

    // Pausing again has nothing left to remove.
    const count = repositoryHost.requests.length;
    expect((await server.api('POST', `/api/instances/${instanceId}/pause`)).status).toBe(200);
    expect(repositoryHost.requests).toHaveLength(count);

    const unpaused = await server.api('POST', `/api/instances/${instanceId}/unpause`);
    expect(unpaused.status, unpaused.text).toBe(200);
    expect(repositoryHost.requests.at(-1)).toBe('POST /repos/acme/gadgets/hooks');
    expect([...repositoryHost.hooks.keys()]).toEqual([3]);
    expect(await registrationOf(instanceId)).toMatchObject({ status: 'registered', removedAt: null });
  });

  it('answers a failure of the third party with a clear error, keeps it on the instance, and retries when asked again', async () => {
    expect((await server.api('POST', `/api/instances/${instanceId}/pause`)).status).toBe(200);
    repositoryHost.failure = { status: 503, body: '{"message":"Service Unavailable"}' };
    try {
      const unpaused = await server.api('POST', `/api/instances/${instanceId}/unpause`);
      expect(unpaused.status, unpaused.text).toBe(422);
      expect(unpaused.body.error.code).toBe('WEBHOOK_REGISTRATION_FAILED');
      expect(unpaused.body.error.message).toContain(
        "The instance is unpaused, but a webhook registration did not complete: webhookCreate of flow 'Repo Events' (trigger 'spectral-hooks/repoEvents') failed:",
      );
      expect(unpaused.body.error.message).toContain('the repository host answered 503');
      const detail = await server.api('GET', `/api/instances/${instanceId}`);
      expect(detail.body.enabled).toBe(true);
      expect(detail.body.webhookRegistrations[0]).toMatchObject({
        status: 'failed',
        lastError: {
          operation: 'create',
          message: expect.stringContaining('the repository host answered 503'),
          at: expect.any(String),
        },
      });
      expect(repositoryHost.hooks.size).toBe(0);
    } finally {
      repositoryHost.failure = undefined;
    }
    const retried = await server.api('POST', `/api/instances/${instanceId}/unpause`);
    expect(retried.status, retried.text).toBe(200);
    expect(await registrationOf(instanceId)).toMatchObject({ status: 'registered', lastError: null });
    expect(repositoryHost.hooks.size).toBe(1);
  });

  it('keeps a registration whose removal failed, creates no second one, and says so on the instance', async () => {
    const [hook] = [...repositoryHost.hooks.values()];
    repositoryHost.failure = { status: 500, body: '{"message":"Internal Error"}' };
    try {
      const configured = await server.api('PUT', `/api/instances/${instanceId}/config`, {
        body: { values: { Repository: 'acme/widgets' } },
      });
      expect(configured.status, configured.text).toBe(200);
      const deployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
      expect(deployed.status, deployed.text).toBe(422);
      expect(deployed.body.error.code).toBe('WEBHOOK_REGISTRATION_FAILED');
      expect(deployed.body.error.message).toContain(
        "The instance was deployed, but a webhook registration did not complete: webhookDelete of flow 'Repo Events'",
      );
      expect(await registrationOf(instanceId)).toMatchObject({
        status: 'registered',
        lastError: { operation: 'delete', message: expect.stringContaining('answered 500') },
      });
      expect(repositoryHost.requests.at(-1)).toBe(`DELETE /repos/acme/gadgets/hooks/${hook!.id}`);
    } finally {
      repositoryHost.failure = undefined;
    }
    const redeployed = await server.api('POST', `/api/instances/${instanceId}/deploy`);
    expect(redeployed.status, redeployed.text).toBe(200);
    expect([...repositoryHost.hooks.values()].map((entry) => entry.repo)).toEqual(['acme/widgets']);
  });

  it('refuses deleting its customer, or its integration with its instances, while the webhook is registered', async () => {
    const before = repositoryHost.requests.length;
    const customer = await server.api('DELETE', `/api/customers/${customerId}`);
    expect(customer.status, customer.text).toBe(409);
    expect(customer.body.error).toMatchObject({
      code: 'WEBHOOKS_STILL_REGISTERED',
      details: { instanceIds: [instanceId] },
    });
    const integration = await server.api('DELETE', `/api/integrations/${integrationId}?force=true`);
    expect(integration.status, integration.text).toBe(409);
    expect(integration.body.error.code).toBe('WEBHOOKS_STILL_REGISTERED');
    // Nothing was deleted, nothing was asked of the third party.
    expect((await server.api('GET', `/api/instances/${instanceId}`)).status).toBe(200);
    expect(repositoryHost.requests.length).toBe(before);
  });

  it('removes the registration when the instance is deleted, and says so in the answer', async () => {
    const [hook] = [...repositoryHost.hooks.values()];
    const deleted = await server.api('DELETE', `/api/instances/${instanceId}`);
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.body.webhookRemovals).toEqual([{ flow: 'Repo Events', status: 'removed' }]);
    expect(repositoryHost.requests.at(-1)).toBe(`DELETE /repos/acme/widgets/hooks/${hook!.id}`);
    expect(repositoryHost.hooks.size).toBe(0);
  });
});

describe('what Weft does not run is refused, never ignored', () => {
  it('refuses to publish a component whose triggers or actions declare features Weft does not run, naming each', async () => {
    const published = await server.api('POST', '/api/components', {
      body: { bundle: await bundleSpectralFixture('unsupported-features-component.ts') },
    });
    expect(published.status, published.text).toBe(422);
    expect(published.body.error.code).toBe('COMPONENT_FEATURE_UNSUPPORTED');
    const { message } = published.body.error;
    expect(message).toContain(
      "Component 'spectral-unsupported' was not published: it uses what Weft does not run.",
    );
    expect(message).toContain(
      "action 'retried' declares retryPolicy (not a property of an action Weft knows)",
    );
    expect(message).toMatch(
      /trigger 'batchedOrders' declares [^.]*resolveTriggerItems, hasResolveTriggerItems \(a trigger resolver/,
    );
    expect(message).toContain('triggerResolverDefaultBatchSize (batches of trigger items');
    expect(message).toContain(
      "trigger 'initialSync' declares onDeployPerform, hasOnDeployPerform (an initial sync fired when an instance is deployed",
    );
    expect(published.body.error.details.unsupported).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ operation: 'trigger', key: 'initialSync', property: 'onDeployPerform' }),
        expect.objectContaining({ operation: 'action', key: 'retried', property: 'retryPolicy' }),
      ]),
    );
    const stored = await server.api('GET', '/api/components/spectral-unsupported/versions');
    expect(stored.status).toBe(404);
  });

  it("refuses to import a synchronous flow whose trigger declares synchronousResponseSupport 'invalid', with its line", async () => {
    const yaml = integrationYaml({ sync: true }).replace(
      'name: Repository Events',
      'name: Synchronous Events',
    );
    const imported = await server.api('POST', '/api/integrations/import', { body: { definition: yaml } });
    expect(imported.status, imported.text).toBe(422);
    expect(imported.body.error.code).toBe('DEFINITION_INVALID');
    const problem = imported.body.error.details.problems.find(
      (entry: { code: string }) => entry.code === 'TRIGGER_NOT_SYNCHRONOUS',
    );
    expect(problem, JSON.stringify(imported.body.error.details.problems)).toBeDefined();
    expect(problem.message).toContain(
      "flow 'Repo Events' is synchronous (isSynchronous: true), but its trigger 'spectral-hooks.repoEvents' declares synchronousResponseSupport 'invalid'",
    );
    const lines = yaml.split('\n');
    expect(lines[problem.line - 1]).toContain('action: {key: repoEvents');
  });
});
