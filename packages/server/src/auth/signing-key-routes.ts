import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../database/schema.js';
import { errorResponses } from '../http/common-schemas.js';
import { orgCallerOf } from './caller.js';
import {
  GeneratedSigningKey,
  SigningKey,
  SigningKeyGenerate,
  SigningKeyIdParams,
  SigningKeyImport,
  SigningKeyListQuery,
  signingKeyAnswers,
} from './signing-key-schemas.js';
import {
  deactivateSigningKey,
  generateSigningKey,
  importSigningKey,
  listSigningKeys,
} from './signing-key-store.js';

/**
 * `/api/signing-keys`: the public keys that verify the organization's embedded sign-in JWTs (see
 * docs/embedded-sign-in.md). Owners and admins only.
 */
export function signingKeyRoutes(db: Kysely<Database>) {
  return async function signingKeyRoutesPlugin(fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addSchema(SigningKey);
    app.addSchema(GeneratedSigningKey);
    const answers = signingKeyAnswers;
    const tags = ['signing-keys'];
    const read = { permission: 'signing-keys:read' } as const;
    const write = { permission: 'signing-keys:write' } as const;

    app.post(
      '/signing-keys',
      {
        config: write,
        schema: {
          tags,
          summary: 'Generate a signing key',
          description:
            'Generates an RSA key pair (4096 bits unless bits says 2048). The answer holds the private key, PKCS#8 PEM, this once: Weft stores only the public key, its fingerprint and the last 8 characters of the private key. Sign embedded sign-in JWTs (RS256) with the private key.',
          body: SigningKeyGenerate,
          response: { 201: answers.generated, ...errorResponses() },
        },
      },
      async (request, reply) => {
        const bits = request.body?.bits ?? 4096;
        return reply.status(201).send(await generateSigningKey(db, orgCallerOf(request).orgId, bits));
      },
    );

    app.post(
      '/signing-keys/import',
      {
        config: write,
        schema: {
          tags,
          summary: 'Import a public signing key',
          description:
            'The public half of your own RSA key pair (at least 2048 bits), PEM: `openssl genrsa -out private.pem 4096 && openssl rsa -in private.pem -pubout > public.pub`. A private key is refused (400 SIGNING_KEY_PRIVATE_KEY_REFUSED) and not stored; a key already imported is a 409.',
          body: SigningKeyImport,
          response: { 201: answers.key, ...errorResponses(409) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send(await importSigningKey(db, orgCallerOf(request).orgId, request.body.publicKey)),
    );

    app.get(
      '/signing-keys',
      {
        config: read,
        schema: {
          tags,
          summary: 'List signing keys',
          description: 'Oldest first, deactivated ones too unless includeInactive=false.',
          querystring: SigningKeyListQuery,
          response: { 200: answers.list, ...errorResponses() },
        },
      },
      async (request) => ({
        items: await listSigningKeys(db, orgCallerOf(request).orgId, request.query.includeInactive ?? true),
      }),
    );

    app.post(
      '/signing-keys/:id/deactivate',
      {
        config: write,
        schema: {
          tags,
          summary: 'Deactivate a signing key',
          description:
            'JWTs signed with it are refused from now on (401 AUTH_JWT_KEY_INACTIVE); other server processes stop accepting them within 30 seconds. Cannot be undone: generate or import a new key instead.',
          params: SigningKeyIdParams,
          response: { 200: answers.key, ...errorResponses(404) },
        },
      },
      async (request) => deactivateSigningKey(db, orgCallerOf(request).orgId, request.params.id),
    );
  };
}
