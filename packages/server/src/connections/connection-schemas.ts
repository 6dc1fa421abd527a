import { type Static, Type } from '@sinclair/typebox';
import { DateTime, Nullable, refTo, Uuid } from '../http/common-schemas.js';

/**
 * The request and answer shapes of `/api/connections`, `/api/instances/{id}/connections` and
 * `/api/encryption-keys`. Secrets never leave: an answer is serialized from these schemas, so only the fields
 * declared here are sent. Input values of type password (and any value holding key material) are masked, tokens
 * are shown only as facts about them (present, expiry, scope), never as values.
 */

// ---------------------------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------------------------

export const ScopedConnectionKind = Type.Union(
  [Type.Literal('org_global'), Type.Literal('org_customer'), Type.Literal('customer_activated')],
  {
    description:
      'org_global: one set of credentials for every customer; org_customer and customer_activated: a set per customer',
  },
);

const InputValues = Type.Record(
  Type.String(),
  Type.Union([Type.String(), Type.Boolean(), Type.Number(), Type.Null()]),
  {
    description: 'Input values by input key; null removes one. Inputs left out keep their stored value.',
  },
);

export const ConnectionIdParams = Type.Object({
  id: Type.String({ description: 'The connection id or stable key' }),
});

export const ConnectionCustomerParams = Type.Object({
  id: Type.String({ description: 'The connection id or stable key' }),
  customer: Type.String({
    description: 'The customer id, or external id (`external:<externalId>` forces it)',
  }),
});

export const InstanceIdParams = Type.Object({ id: Type.String() });

export const InstanceConnectionParams = Type.Object({
  id: Type.String(),
  configVar: Type.String({ description: 'The connection config variable: its key or stable key' }),
});

export const ConnectionCreateBody = Type.Object(
  {
    stableKey: Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9._-]+$' }),
    kind: ScopedConnectionKind,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    component: Type.String({ minLength: 1 }),
    connection: Type.String({ minLength: 1 }),
    values: Type.Optional(InputValues),
  },
  { additionalProperties: false },
);
export type ConnectionCreateBody = Static<typeof ConnectionCreateBody>;

export const ConnectionUpdateBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    values: Type.Optional(InputValues),
  },
  { additionalProperties: false },
);
export type ConnectionUpdateBody = Static<typeof ConnectionUpdateBody>;

export const CustomerCredentialsBody = Type.Object({ values: InputValues }, { additionalProperties: false });

export const ConnectionTestBody = Type.Object(
  {
    customer: Type.Optional(
      Type.String({ description: 'Per-customer connections: the customer id or external id' }),
    ),
    url: Type.Optional(
      Type.String({ format: 'uri', description: 'A URL an authenticated GET of must answer 2xx' }),
    ),
  },
  { additionalProperties: false },
);

export const AuthorizeBody = Type.Object(
  {
    customer: Type.Optional(Type.String()),
    returnTo: Type.Optional(
      Type.String({ format: 'uri', description: 'Where the browser goes once authorized' }),
    ),
  },
  { additionalProperties: false },
);

// ---------------------------------------------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------------------------------------------

export const ConnectionStatus = Type.Union(
  [
    Type.Literal('configured'),
    Type.Literal('pending_authorization'),
    Type.Literal('connected'),
    Type.Literal('error'),
  ],
  {
    description:
      'configured: inputs set (no token needed, or one is got when used); pending_authorization: an OAuth 2.0 authorization code connection not authorized yet; connected: a token is held; error: see statusMessage',
  },
);

/** What the API shows of stored credentials: secret inputs masked, the token only as facts about it. */
export const ConnectionCredentials = Type.Object(
  {
    id: Uuid,
    component: Type.String({ description: 'The component key that defines the connection' }),
    connection: Type.String({ description: "The connection's key in that component" }),
    status: ConnectionStatus,
    statusMessage: Nullable(Type.String()),
    statusChangedAt: DateTime,
    fields: Type.Record(Type.String(), Type.Union([Type.String(), Type.Boolean(), Type.Number()]), {
      description:
        "Input values by input key. Secret inputs (type password), and any value holding key material, are masked as '********' (every value is when the connection's definition is gone); empty when the stored values cannot be decrypted.",
    }),
    token: Type.Object(
      {
        present: Type.Boolean({ description: 'Whether an OAuth 2.0 token is stored' }),
        expiresAt: Nullable(DateTime),
        scope: Type.Optional(Type.String({ description: 'The scope the token was granted' })),
        tokenType: Type.Optional(Type.String({ description: 'The token type, e.g. Bearer' })),
      },
      { description: 'Facts about the OAuth 2.0 token; never the token itself' },
    ),
    refreshedAt: Nullable(DateTime),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'ConnectionCredentials' },
);
export type ConnectionCredentials = Static<typeof ConnectionCredentials>;

/**
 * An integration-agnostic connection, defined once per organization under a stable key that definitions
 * reference (`useScopedConfigVar`).
 */
export const Connection = Type.Object(
  {
    id: Uuid,
    stableKey: Type.String(),
    kind: ScopedConnectionKind,
    name: Type.String(),
    description: Type.String(),
    component: Type.String(),
    connection: Type.String(),
    credentials: Type.Union([refTo(ConnectionCredentials), Type.Null()], {
      description:
        'Org-activated global connections: their credentials (masked); null for the others (per-customer credentials are under /customers) and before any are set',
    }),
    customerCount: Type.Integer({ description: 'How many customers have credentials for it' }),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Connection' },
);
export type Connection = Static<typeof Connection>;

export const ConnectionList = Type.Object({ items: Type.Array(refTo(Connection)) });

/** One customer's credentials of a per-customer connection. */
export const CustomerConnection = Type.Object(
  {
    customer: Type.Object({ id: Uuid, externalId: Nullable(Type.String()), name: Type.String() }),
    credentials: refTo(ConnectionCredentials),
  },
  { $id: 'CustomerConnection' },
);
export type CustomerConnection = Static<typeof CustomerConnection>;

export const CustomerConnectionList = Type.Object({ items: Type.Array(refTo(CustomerConnection)) });

/** An instance's connection config variable: where its credentials come from, and their state. */
export const InstanceConnection = Type.Object(
  {
    configVar: Type.String({ description: "The config variable's key" }),
    stableKey: Type.String({ description: "The config variable's stable key" }),
    source: Type.Union(
      [
        Type.Literal('instance'),
        Type.Literal('org_global'),
        Type.Literal('org_customer'),
        Type.Literal('customer_activated'),
        Type.Literal('missing'),
      ],
      {
        description:
          'instance: set on the instance; otherwise the kind of the organization connection it uses (missing: there is none with that stable key)',
      },
    ),
    scopedConnection: Type.Optional(
      Type.String({
        description: 'The stable key of the organization connection it uses (useScopedConfigVar)',
      }),
    ),
    connection: Type.Union([refTo(ConnectionCredentials), Type.Null()], {
      description: 'The credentials it runs with (masked); null when none are set',
    }),
  },
  { $id: 'InstanceConnection' },
);
export type InstanceConnection = Static<typeof InstanceConnection>;

export const InstanceConnectionList = Type.Object({ items: Type.Array(refTo(InstanceConnection)) });

/** "Does this connection work?": never an error for a failing connection, the checks say what failed. */
export const ConnectionTestResult = Type.Object(
  {
    ok: Type.Boolean({ description: 'Whether every check passed' }),
    checks: Type.Array(
      Type.Object({
        check: Type.Union([Type.Literal('inputs'), Type.Literal('token'), Type.Literal('request')]),
        ok: Type.Boolean(),
        message: Type.String(),
      }),
    ),
    checkedAt: DateTime,
  },
  { $id: 'ConnectionTestResult' },
);
export type ConnectionTestResult = Static<typeof ConnectionTestResult>;

/** The start of an OAuth 2.0 authorization code flow. */
export const ConnectionAuthorization = Type.Object(
  {
    authorizeUrl: Type.String({
      format: 'uri',
      description: "The provider's authorization URL to open in a browser (its state is single use)",
    }),
    expiresAt: DateTime,
  },
  { $id: 'ConnectionAuthorization' },
);
export type ConnectionAuthorization = Static<typeof ConnectionAuthorization>;

export const EncryptionKey = Type.Object(
  {
    id: Type.String({ description: 'The data key id (dk_…)' }),
    state: Type.Union([Type.Literal('active'), Type.Literal('decrypt_only')]),
    masterKeyId: Type.String({ description: 'The master key it is wrapped under' }),
    createdAt: DateTime,
    values: Type.Integer({ description: 'How many stored values it seals' }),
  },
  { $id: 'EncryptionKey' },
);
export type EncryptionKey = Static<typeof EncryptionKey>;

export const EncryptionKeys = Type.Object(
  {
    masterKeyId: Type.String({ description: 'The master key in use' }),
    masterKeySource: Type.Union([Type.Literal('environment'), Type.Literal('file')], {
      description: 'environment: WEFT_ENCRYPTION_KEY; file: the key file in the data directory',
    }),
    items: Type.Array(refTo(EncryptionKey)),
  },
  { $id: 'EncryptionKeys' },
);
export type EncryptionKeys = Static<typeof EncryptionKeys>;

export const KeyRotation = Type.Object(
  {
    newDataKeyId: Type.String({ description: 'The data key now active' }),
    masterKeyId: Type.String(),
    rewrappedDataKeys: Type.Integer({
      description: 'Data keys rewrapped because they were under another master key',
    }),
    reEncryptedValues: Type.Integer(),
    removedDataKeyIds: Type.Array(Type.String()),
    remainingDataKeyIds: Type.Array(Type.String(), {
      description: 'Data keys still referenced after the sweeps (kept; run the rotation again)',
    }),
    unreadableValues: Type.Array(
      Type.Object({ table: Type.String(), column: Type.String(), id: Type.String() }),
      { description: 'Values that did not decrypt (altered): left as they are, to be set again' },
    ),
  },
  { $id: 'KeyRotation' },
);
export type KeyRotation = Static<typeof KeyRotation>;

/** A connection type an organization connection can be created with: a component's connection and its inputs. */
export const ConnectionType = Type.Object(
  {
    component: Type.String({ description: 'The component key' }),
    componentLabel: Type.String(),
    connection: Type.String({ description: "The connection's key in that component" }),
    label: Type.String(),
    description: Type.String(),
    oauth2Type: Type.Optional(
      Type.Union([Type.Literal('authorization_code'), Type.Literal('client_credentials')], {
        description: 'OAuth 2.0 connections: the grant (authorization_code needs an Authorize in a browser)',
      }),
    ),
    inputs: Type.Array(
      Type.Object({
        key: Type.String(),
        label: Type.String(),
        type: Type.String({ description: 'string, text, password, boolean, picklist, template...' }),
        required: Type.Boolean(),
        shown: Type.Boolean({ description: 'false: its default is always used; not asked for' }),
        secret: Type.Boolean({ description: 'Write-only: the API never answers its value' }),
        default: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
        model: Type.Optional(Type.Array(Type.Object({ label: Type.String(), value: Type.String() }))),
        templateValue: Type.Optional(
          Type.String({ description: 'Template inputs: computed from the other inputs, never set' }),
        ),
      }),
    ),
  },
  { $id: 'ConnectionType' },
);
export type ConnectionType = Static<typeof ConnectionType>;

export const ConnectionTypeList = Type.Object({ items: Type.Array(refTo(ConnectionType)) });

/** Where an organization connection is used: integrations that name its stable key, and their instances. */
export const ConnectionUsage = Type.Object(
  {
    integrations: Type.Array(
      Type.Object({
        id: Uuid,
        name: Type.String(),
        instanceCount: Type.Integer({
          description: 'Instances whose configured version uses the connection',
        }),
      }),
      { description: 'By name; at most 200' },
    ),
  },
  { $id: 'ConnectionUsage' },
);
export type ConnectionUsage = Static<typeof ConnectionUsage>;

/** A per-customer organization connection and one customer's credentials for it. */
export const CustomerConnectionState = Type.Object(
  {
    connection: refTo(Connection),
    credentials: Type.Union([refTo(ConnectionCredentials), Type.Null()], {
      description: "The customer's credentials (masked); null when none are set yet",
    }),
  },
  { $id: 'CustomerConnectionState' },
);
export type CustomerConnectionState = Static<typeof CustomerConnectionState>;

export const CustomerConnectionStateList = Type.Object({ items: Type.Array(refTo(CustomerConnectionState)) });

export const CustomerRefParams = Type.Object({
  customer: Type.String({
    description: 'The customer id, or external id (`external:<externalId>` forces it)',
  }),
});

/** What `/oauth2/callback` answers when no returnTo was given: a page a person reads. */
export const CallbackPage = Type.String({ description: 'An HTML page saying the connection is authorized' });

/** The named answer shapes, added to the routes' plugin so answers and the OpenAPI document refer to them. */
export const connectionSchemas = [
  ConnectionCredentials,
  Connection,
  CustomerConnection,
  InstanceConnection,
  ConnectionTestResult,
  ConnectionAuthorization,
  EncryptionKey,
  EncryptionKeys,
  KeyRotation,
  ConnectionType,
  ConnectionUsage,
  CustomerConnectionState,
];
