import { expect } from 'vitest';
import { type EmbeddedSigner, embeddedSigner } from './customer-callers.js';
import { type ClientCredentials, type OAuthProvider, startOAuthProvider } from './oauth-provider.js';
import { startTestServer, type TestServer } from './test-server.js';

/**
 * What the marketplace and config wizard tests share: a server with an OAuth 2.0 provider it may reach, an
 * integration published and listed in the marketplace, and customer users of two customers (Acme and Beta).
 */

/** A test server, and an OAuth 2.0 provider on loopback whose one client returns to the server's callback. */
export async function serverWithOAuthProvider(
  client: ClientCredentials,
  env: Record<string, string> = {},
): Promise<{ server: TestServer; provider: OAuthProvider }> {
  const server = await startTestServer({ WEFT_EGRESS_ALLOW: '127.0.0.1', ...env });
  const provider = await startOAuthProvider({
    clients: [{ ...client, redirectUris: [`${server.url}/oauth2/callback`], scope: 'read' }],
  });
  return { server, provider };
}

/** Publishes the integration's current draft as its next version. */
export async function publish(server: TestServer, integrationId: string, comment = 'release'): Promise<void> {
  const published = await server.api('POST', `/api/integrations/${integrationId}/publish`, {
    body: { comment },
  });
  expect(published.status, published.text).toBe(201);
}

/** Imports `definition`, publishes version 1 and lists it in the marketplace (with `settings`); answers its id. */
export async function listedIntegration(
  server: TestServer,
  definition: string,
  settings: Record<string, unknown> = {},
): Promise<string> {
  const imported = await server.api('POST', '/api/integrations/import', { body: { definition } });
  expect(imported.status, imported.text).toBe(201);
  const integrationId: string = imported.body.id;
  await publish(server, integrationId, 'v1');
  const listed = await server.api('PUT', `/api/integrations/${integrationId}/marketplace`, {
    body: { listed: true, ...settings },
  });
  expect(listed.status, listed.text).toBe(200);
  return integrationId;
}

/** JWTs of a marketplace admin of Acme Corp and of Beta Inc (external ids `acme`, `beta`), and their signer. */
export async function acmeAndBeta(
  server: TestServer,
): Promise<{ signer: EmbeddedSigner; acme: string; beta: string }> {
  const signer = await embeddedSigner(server);
  const acme = await signer.token({ customer: 'acme', customerName: 'Acme Corp' });
  const beta = await signer.token({ customer: 'beta', customerName: 'Beta Inc' });
  return { signer, acme, beta };
}
