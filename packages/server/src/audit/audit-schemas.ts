import { type Static, Type } from '@sinclair/typebox';
import { Cursor, DateTime, Limit, Nullable, page, refTo, Uuid } from '../http/common-schemas.js';

/**
 * The request and answer shapes of the audit log API. The types of what the store returns are derived from these
 * (`Static`), so the OpenAPI document and the code cannot drift apart.
 */

export const actorKinds = ['user', 'token', 'customer-user', 'system'] as const;
export type ActorKind = (typeof actorKinds)[number];

export const AuditEvent = Type.Object(
  {
    id: Uuid,
    at: DateTime,
    actor: Type.Object(
      {
        kind: Type.Union(
          actorKinds.map((kind) => Type.Literal(kind)),
          {
            description:
              "'user': an organization user (signed in, or through a token they own); 'token': an API token of nobody; 'customer-user': a customer's user; 'system': Weft itself",
          },
        ),
        id: Nullable(Type.String({ description: 'The user, customer user or token' })),
        name: Type.String({ description: "The user's email, or the token's name, when it acted" }),
        tokenId: Nullable(Type.String({ description: 'The API token the request came with, if any' })),
      },
      { additionalProperties: false },
    ),
    action: Type.String({ description: "'<target type>.<verb>', e.g. 'instance.deploy', 'token.create'" }),
    target: Type.Object(
      {
        type: Type.String({ description: "What was changed: 'instance', 'integration', 'connection', ..." }),
        id: Nullable(Type.String()),
      },
      { additionalProperties: false },
    ),
    customerId: Nullable(Type.String({ description: 'The customer the change concerns, when there is one' })),
    details: Type.Record(Type.String(), Type.Unknown(), {
      description:
        'What else identifies the change (names, roles, version numbers); never a secret (passwords, credential values, tokens, keys)',
    }),
    requestId: Nullable(Type.String({ description: 'The X-Request-Id of the request that made the change' })),
  },
  { $id: 'AuditEvent' },
);
export type AuditEvent = Static<typeof AuditEvent>;

export const AuditEventPage = page(refTo(AuditEvent), 'AuditEventPage');
export type AuditEventPage = Static<typeof AuditEventPage>;

export const auditAnswers = {
  page: refTo(AuditEventPage),
};

export const AuditEventQuery = Type.Object(
  {
    actor: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 320,
        description:
          "The actor's id (user, customer user or token), or name (an email or token name; any case)",
      }),
    ),
    action: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          "Actions starting with this: 'instance.' for every instance change, 'instance.deploy' for deploys",
      }),
    ),
    targetType: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "e.g. 'instance'" })),
    targetId: Type.Optional(
      Type.String({ minLength: 1, maxLength: 200, description: 'The id of what was changed' }),
    ),
    customer: Type.Optional(Type.String({ maxLength: 200, description: 'Customer id or externalId' })),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'Recorded at or after' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'Recorded before' })),
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type AuditEventQuery = Static<typeof AuditEventQuery>;

/** What the recorder (or a domain that records directly) stores: one change. */
export interface AuditEventInput {
  orgId: string;
  actorKind: ActorKind;
  actorId: string | null;
  actorTokenId?: string | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string | null;
  customerId?: string | null;
  details?: Record<string, unknown>;
  requestId?: string | null;
  /** When it happened; the database's clock when not given. */
  at?: Date;
}
