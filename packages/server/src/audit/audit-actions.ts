/**
 * What the audit log records for each route that changes something: the one table a new mutating route must get a
 * row in (test/audit-log.test.ts reads every POST, PUT, PATCH and DELETE route off the OpenAPI document and fails
 * for one that is neither here nor in `notAudited`).
 *
 * A row names the action ('<target type>.<verb>'), the target type, where the target's id is, where the customer
 * concerned is, and which fields go into the event's details. Details are picked one field at a time, and only
 * plain values (text, numbers, booleans, lists of them) are kept: never pick a secret — passwords, connection or
 * config values, tokens, API keys, private keys, client secrets. The test refuses detail paths that look like one.
 */

/**
 * Where a value is read: the route's path parameters, its query, its request body, its answer (as sent), or the
 * caller (`caller.userId`: the user signed in or out).
 */
export type ValueSource = `${'params' | 'query' | 'body' | 'answer' | 'caller'}.${string}`;

/** A value known before the handler runs (so it can be looked up before a delete takes it away). */
export type RequestSource = `${'params' | 'query' | 'body'}.${string}`;

export type DetailSource =
  | ValueSource
  /** The names (never the values) of an object's fields: which config variables or inputs were set. */
  | { keysOf: ValueSource | 'body' }
  /** A constant, e.g. how someone signed in. */
  | { constant: string | number | boolean };

/** What owns the id a request names, looked up before the handler runs: its customer is the event's. */
export type CustomerLookup = { lookup: 'instance' | 'execution' | 'customer'; from: RequestSource };

export interface AuditedRoute {
  /** '<target type>.<verb>', e.g. 'instance.deploy'. */
  action: string;
  /** The kind of thing changed: 'instance', 'integration', 'connection', 'token', ... */
  target: string;
  /** Where the target's id is; without it the event has no target id (a key rotation changes no one thing). */
  targetId?: ValueSource;
  /**
   * The customer the change concerns: a value that is a customer id, or a lookup. A customer user's changes always
   * concern their own customer, whatever this says.
   */
  customer?: ValueSource | CustomerLookup;
  details?: Readonly<Record<string, DetailSource>>;
  /**
   * A public route that signs someone in. The actor is `request.caller` when the route set it; otherwise the user of
   * the session cookie the answer sets (read without touching the session).
   */
  signsIn?: true;
  /**
   * Public sign-in routes: a refused attempt (401, 403, 423, 429) is recorded as this action, against the user
   * whose email the request gave, when exactly one user has it in the organization the request named (or in all
   * of them, when it named none); an unknown email has no organization to file it in.
   */
  refused?: { action: string; email: RequestSource; organization?: RequestSource };
}

const instanceCustomer: CustomerLookup = { lookup: 'instance', from: 'params.id' };
const instance = (action: string, details?: AuditedRoute['details']): AuditedRoute => ({
  action: `instance.${action}`,
  target: 'instance',
  targetId: 'params.id',
  customer: instanceCustomer,
  ...(details ? { details } : {}),
});
const integration = (action: string, details?: AuditedRoute['details']): AuditedRoute => ({
  action: `integration.${action}`,
  target: 'integration',
  targetId: 'params.id',
  ...(details ? { details } : {}),
});

/** Keyed by method and route template, as Fastify writes it: `POST /api/instances/:id/deploy`. */
export const auditedRoutes: Readonly<Record<string, AuditedRoute>> = {
  // Sign-in and sessions (public routes set request.caller themselves once someone is signed in).
  'POST /api/auth/sign-in': {
    action: 'session.sign-in',
    target: 'user',
    targetId: 'caller.userId',
    signsIn: true,
    details: { method: { constant: 'password' } },
    refused: { action: 'session.sign-in-failed', email: 'body.email', organization: 'body.organization' },
  },
  'GET /api/auth/oidc/callback': {
    action: 'session.sign-in',
    target: 'user',
    targetId: 'caller.userId',
    signsIn: true,
    details: { method: { constant: 'oidc' } },
  },
  'POST /api/auth/sign-out': { action: 'session.sign-out', target: 'user', targetId: 'caller.userId' },
  'POST /api/auth/sign-out-everywhere': {
    action: 'session.sign-out-everywhere',
    target: 'user',
    targetId: 'caller.userId',
    details: { signedOutSessions: 'answer.signedOutSessions' },
  },
  'POST /api/auth/invitations/accept': {
    action: 'user.accept-invitation',
    target: 'user',
    targetId: 'caller.userId',
    signsIn: true,
  },

  // Organization users (an invitation link and a password are secrets: neither is picked)
  'POST /api/users': {
    action: 'user.invite',
    target: 'user',
    targetId: 'answer.user.id',
    details: {
      email: 'answer.user.email',
      name: 'answer.user.name',
      role: 'answer.user.role',
      canSignInNow: 'answer.user.hasPassword',
    },
  },
  'PATCH /api/users/:id': {
    action: 'user.update',
    target: 'user',
    targetId: 'params.id',
    details: { email: 'answer.email', name: 'answer.name', role: 'answer.role', changed: { keysOf: 'body' } },
  },
  'DELETE /api/users/:id': {
    action: 'user.remove',
    target: 'user',
    targetId: 'params.id',
    details: { email: 'answer.email', role: 'answer.role' },
  },
  'POST /api/users/:id/invitation': {
    action: 'user.reinvite',
    target: 'user',
    targetId: 'params.id',
    details: { email: 'answer.user.email' },
  },
  'PUT /api/users/me/password': { action: 'user.change-password', target: 'user', targetId: 'caller.userId' },

  // Customers
  'POST /api/customers': {
    action: 'customer.create',
    target: 'customer',
    targetId: 'answer.id',
    customer: 'answer.id',
    details: { name: 'answer.name', externalId: 'answer.externalId' },
  },
  'PATCH /api/customers/:id': {
    action: 'customer.update',
    target: 'customer',
    targetId: 'answer.id',
    customer: 'answer.id',
    details: { name: 'answer.name', externalId: 'answer.externalId', changed: { keysOf: 'body' } },
  },
  'PATCH /api/customers/by-external-id/:externalId': {
    action: 'customer.update',
    target: 'customer',
    targetId: 'answer.id',
    customer: 'answer.id',
    details: { name: 'answer.name', externalId: 'answer.externalId', changed: { keysOf: 'body' } },
  },
  'DELETE /api/customers/:id': {
    action: 'customer.delete',
    target: 'customer',
    targetId: 'answer.id',
    customer: 'answer.id',
    details: { name: 'answer.name', externalId: 'answer.externalId' },
  },
  'DELETE /api/customers/by-external-id/:externalId': {
    action: 'customer.delete',
    target: 'customer',
    targetId: 'answer.id',
    customer: 'answer.id',
    details: { name: 'answer.name', externalId: 'answer.externalId' },
  },

  // API tokens
  'POST /api/tokens': {
    action: 'token.create',
    target: 'token',
    targetId: 'answer.token.id',
    details: {
      name: 'answer.token.name',
      role: 'answer.token.role',
      ownerUserId: 'body.userId',
      forMe: 'body.forMe',
    },
  },
  'DELETE /api/tokens/:id': {
    action: 'token.revoke',
    target: 'token',
    targetId: 'answer.id',
    details: { name: 'answer.name', role: 'answer.role' },
  },
  // A user's own tokens (`weft login`): the actor is that user.
  'POST /api/users/me/tokens': {
    action: 'token.create',
    target: 'token',
    targetId: 'answer.token.id',
    details: { name: 'answer.token.name', role: 'answer.token.role', own: { constant: true } },
  },
  'DELETE /api/users/me/tokens/:id': {
    action: 'token.revoke',
    target: 'token',
    targetId: 'answer.id',
    details: { name: 'answer.name', role: 'answer.role', own: { constant: true } },
  },

  // The organization and its signing keys (embedded sign-in). A generated key's private half is never picked.
  'PATCH /api/organization': {
    action: 'organization.rename',
    target: 'organization',
    targetId: 'answer.id',
    details: { name: 'answer.name' },
  },
  'PUT /api/organization/embedding': {
    action: 'organization.set-embedding',
    target: 'organization',
    targetId: 'caller.orgId',
    details: { allowedOrigins: 'answer.allowedOrigins', changed: { keysOf: 'body' } },
  },
  'PUT /api/organization/sso': {
    action: 'organization.set-sso',
    target: 'organization',
    targetId: 'caller.orgId',
    details: {
      issuer: 'answer.issuer',
      clientId: 'answer.clientId',
      defaultRole: 'answer.defaultRole',
      allowedDomains: 'answer.allowedDomains',
      enabled: 'answer.enabled',
      changed: { keysOf: 'body' },
    },
  },
  'DELETE /api/organization/sso': {
    action: 'organization.remove-sso',
    target: 'organization',
    targetId: 'caller.orgId',
  },
  'POST /api/signing-keys': {
    action: 'signing-key.generate',
    target: 'signing-key',
    targetId: 'answer.key.id',
    details: { fingerprint: 'answer.key.fingerprint', bits: 'answer.key.bits' },
  },
  'POST /api/signing-keys/import': {
    action: 'signing-key.import',
    target: 'signing-key',
    targetId: 'answer.id',
    details: { fingerprint: 'answer.fingerprint', bits: 'answer.bits' },
  },
  'POST /api/signing-keys/:id/deactivate': {
    action: 'signing-key.deactivate',
    target: 'signing-key',
    targetId: 'params.id',
    details: { fingerprint: 'answer.fingerprint' },
  },

  // Customer users
  'POST /api/customers/:customer/users': {
    action: 'customer-user.create',
    target: 'customer-user',
    targetId: 'answer.id',
    customer: 'answer.customerId',
    details: {
      name: 'answer.name',
      email: 'answer.email',
      externalId: 'answer.externalId',
      role: 'answer.role',
    },
  },
  'PATCH /api/customer-users/:id': {
    action: 'customer-user.update',
    target: 'customer-user',
    targetId: 'params.id',
    customer: 'answer.customerId',
    details: { name: 'answer.name', email: 'answer.email', role: 'answer.role', changed: { keysOf: 'body' } },
  },
  'DELETE /api/customer-users/:id': {
    action: 'customer-user.delete',
    target: 'customer-user',
    targetId: 'params.id',
    customer: 'answer.customerId',
    details: { name: 'answer.name', email: 'answer.email', role: 'answer.role' },
  },

  // Integrations and their versions
  'POST /api/integrations': {
    action: 'integration.create',
    target: 'integration',
    targetId: 'answer.id',
    details: { name: 'answer.name' },
  },
  'POST /api/integrations/import': {
    action: 'integration.import',
    target: 'integration',
    targetId: 'answer.id',
    details: { name: 'answer.name', replacedDraft: 'body.integrationId', codeNative: 'answer.isCodeNative' },
  },
  'PATCH /api/integrations/:id': integration('update', { name: 'answer.name', changed: { keysOf: 'body' } }),
  'DELETE /api/integrations/:id': integration('delete', { force: 'query.force' }),
  'POST /api/integrations/:id/fork': {
    action: 'integration.fork',
    target: 'integration',
    targetId: 'answer.id',
    details: { name: 'answer.name', forkedFrom: 'params.id' },
  },
  'POST /api/integrations/:id/publish': integration('publish', {
    versionNumber: 'answer.versionNumber',
    comment: 'answer.comment',
  }),
  'PATCH /api/integrations/:id/versions/:versionNumber': integration('set-version-availability', {
    versionNumber: 'answer.versionNumber',
    available: 'answer.available',
  }),
  'PUT /api/integrations/:id/icon': integration('set-icon'),
  'DELETE /api/integrations/:id/icon': integration('remove-icon'),
  'POST /api/integrations/:id/attachments': integration('add-attachment', {
    attachmentId: 'answer.id',
    name: 'answer.name',
    sizeBytes: 'answer.sizeBytes',
  }),
  'DELETE /api/integrations/:id/attachments/:attachmentId': integration('remove-attachment', {
    attachmentId: 'params.attachmentId',
  }),

  'PUT /api/integrations/:id/marketplace': integration('set-marketplace', {
    listed: 'answer.listed',
    customerDeployable: 'answer.customerDeployable',
    allowMultipleInstances: 'answer.allowMultipleInstances',
    versionNumber: 'answer.versionNumber',
    changed: { keysOf: 'body' },
  }),

  // Custom components
  'POST /api/components': {
    action: 'component.publish',
    target: 'component',
    targetId: 'answer.key',
    details: { version: 'answer.version', unchanged: 'answer.unchanged', sha256: 'answer.sha256' },
  },

  // Instances
  'POST /api/instances': {
    action: 'instance.create',
    target: 'instance',
    targetId: 'answer.id',
    customer: 'answer.customer.id',
    details: {
      name: 'answer.name',
      integrationId: 'answer.integration.id',
      integrationName: 'answer.integration.name',
      versionNumber: 'answer.versionNumber',
    },
  },
  'PATCH /api/instances/:id': instance('update', { name: 'answer.name', changed: { keysOf: 'body' } }),
  'DELETE /api/instances/:id': instance('delete'),
  'POST /api/instances/:id/deploy': instance('deploy', { versionNumber: 'answer.deployedVersionNumber' }),
  'POST /api/instances/:id/upgrade': instance('upgrade', {
    versionNumber: 'answer.instance.versionNumber',
    deployed: 'body.deploy',
  }),
  'PUT /api/instances/:id/config': instance('configure', { variables: { keysOf: 'body.values' } }),
  'POST /api/instances/:id/pause': instance('pause'),
  'POST /api/instances/:id/unpause': instance('unpause'),
  // The API keys themselves are secrets: only that they changed is recorded.
  'PUT /api/instances/:id/api-keys': instance('set-api-keys'),
  'POST /api/instances/:id/api-keys/rotate': instance('rotate-api-keys'),
  // A test run executes the flow for real (its steps may write to third-party systems): who started it matters.
  'POST /api/instances/:id/flows/:flowName/test': instance('test-run', {
    flow: 'params.flowName',
    executionId: 'answer.executionId',
  }),
  'POST /api/instances/:id/connections/:configVar/authorize': instance('authorize-connection', {
    configVariable: 'params.configVar',
  }),

  // Marketplace activation and the config wizard (values are not picked: only which variables were set)
  'POST /api/marketplace/:integrationId/activate': {
    action: 'instance.activate',
    target: 'instance',
    targetId: 'answer.instance.id',
    customer: 'answer.customer.id',
    details: {
      name: 'answer.instance.name',
      integrationId: 'answer.integration.id',
      integrationName: 'answer.integration.name',
    },
  },
  'PUT /api/instances/:id/config-wizard/pages/:page': instance('configure-page', {
    page: 'params.page',
    variables: { keysOf: 'body.values' },
  }),
  'POST /api/instances/:id/config-wizard/connections/:configVar/authorize': instance('authorize-connection', {
    configVariable: 'params.configVar',
  }),

  // Executions
  'POST /api/executions/:id/replay': {
    action: 'execution.replay',
    target: 'execution',
    targetId: 'params.id',
    customer: { lookup: 'execution', from: 'params.id' },
    details: { newExecutionId: 'answer.id', sameVersion: 'query.sameVersion' },
  },
  'POST /api/executions/:id/cancel': {
    action: 'execution.cancel',
    target: 'execution',
    targetId: 'params.id',
    customer: 'answer.customerId',
    details: { flow: 'answer.flow', instanceId: 'answer.instanceId' },
  },

  // Integration-agnostic connections (their values are secrets: only which inputs were set is recorded)
  'POST /api/connections': {
    action: 'connection.create',
    target: 'connection',
    targetId: 'answer.id',
    details: {
      name: 'answer.name',
      stableKey: 'answer.stableKey',
      kind: 'answer.kind',
      component: 'answer.component',
      connection: 'answer.connection',
      inputs: { keysOf: 'body.values' },
    },
  },
  'PATCH /api/connections/:id': {
    action: 'connection.update',
    target: 'connection',
    targetId: 'params.id',
    details: {
      name: 'answer.name',
      stableKey: 'answer.stableKey',
      changed: { keysOf: 'body' },
      inputs: { keysOf: 'body.values' },
    },
  },
  'DELETE /api/connections/:id': { action: 'connection.delete', target: 'connection', targetId: 'params.id' },
  'PUT /api/connections/:id/customers/:customer': {
    action: 'connection.set-customer-credentials',
    target: 'connection',
    targetId: 'params.id',
    customer: { lookup: 'customer', from: 'params.customer' },
    details: { inputs: { keysOf: 'body.values' } },
  },
  'DELETE /api/connections/:id/customers/:customer': {
    action: 'connection.delete-customer-credentials',
    target: 'connection',
    targetId: 'params.id',
    customer: { lookup: 'customer', from: 'params.customer' },
  },
  'POST /api/connections/:id/authorize': {
    action: 'connection.authorize',
    target: 'connection',
    targetId: 'params.id',
    customer: { lookup: 'customer', from: 'body.customer' },
  },

  // Self-service: a customer's own credentials of a customer-activated connection
  'PUT /api/marketplace/connections/:connectionId': {
    action: 'connection.set-customer-credentials',
    target: 'connection',
    targetId: 'answer.id',
    customer: { lookup: 'customer', from: 'query.customer' },
    details: { name: 'answer.name', stableKey: 'answer.stableKey', inputs: { keysOf: 'body.values' } },
  },
  'DELETE /api/marketplace/connections/:connectionId': {
    action: 'connection.delete-customer-credentials',
    target: 'connection',
    targetId: 'params.connectionId',
    customer: { lookup: 'customer', from: 'query.customer' },
  },
  'POST /api/marketplace/connections/:connectionId/authorize': {
    action: 'connection.authorize',
    target: 'connection',
    targetId: 'params.connectionId',
    customer: { lookup: 'customer', from: 'query.customer' },
  },

  // Event webhooks (never the secret: the names of the fields changed say when it was set or removed)
  'POST /api/event-webhooks': {
    action: 'event-webhook.create',
    target: 'event-webhook',
    targetId: 'answer.id',
    details: { name: 'answer.name', url: 'answer.url', eventTypes: 'answer.eventTypes' },
  },
  'PATCH /api/event-webhooks/:id': {
    action: 'event-webhook.update',
    target: 'event-webhook',
    targetId: 'params.id',
    details: { name: 'answer.name', enabled: 'answer.enabled', changed: { keysOf: 'body' } },
  },
  'DELETE /api/event-webhooks/:id': {
    action: 'event-webhook.delete',
    target: 'event-webhook',
    targetId: 'params.id',
    details: { name: 'answer.name', url: 'answer.url' },
  },
  'POST /api/event-webhooks/:id/test': {
    action: 'event-webhook.test',
    target: 'event-webhook',
    targetId: 'params.id',
    details: { deliveryId: 'answer.id', status: 'answer.status' },
  },
  'POST /api/event-webhooks/:id/deliveries/:deliveryId/retry': {
    action: 'event-webhook.retry-delivery',
    target: 'event-webhook',
    targetId: 'params.id',
    details: { deliveryId: 'params.deliveryId', eventType: 'answer.eventType' },
  },

  // Alerting
  'POST /api/alert-webhooks': {
    action: 'alert-webhook.create',
    target: 'alert-webhook',
    targetId: 'answer.id',
    details: { name: 'answer.name', url: 'answer.url', preset: 'answer.preset' },
  },
  'PATCH /api/alert-webhooks/:id': {
    action: 'alert-webhook.update',
    target: 'alert-webhook',
    targetId: 'params.id',
    details: { name: 'answer.name', changed: { keysOf: 'body' } },
  },
  'DELETE /api/alert-webhooks/:id': {
    action: 'alert-webhook.delete',
    target: 'alert-webhook',
    targetId: 'params.id',
  },
  'POST /api/alert-webhooks/:id/test': {
    action: 'alert-webhook.test',
    target: 'alert-webhook',
    targetId: 'params.id',
  },
  'POST /api/alert-deliveries/:id/retry': {
    action: 'alert-delivery.retry',
    target: 'alert-delivery',
    targetId: 'params.id',
    details: { channel: 'answer.channel', status: 'answer.status' },
  },
  'POST /api/alert-groups': {
    action: 'alert-group.create',
    target: 'alert-group',
    targetId: 'answer.id',
    details: { name: 'answer.name' },
  },
  'PATCH /api/alert-groups/:id': {
    action: 'alert-group.update',
    target: 'alert-group',
    targetId: 'params.id',
    details: { name: 'answer.name', changed: { keysOf: 'body' } },
  },
  'DELETE /api/alert-groups/:id': {
    action: 'alert-group.delete',
    target: 'alert-group',
    targetId: 'params.id',
  },
  'POST /api/alert-groups/:id/test': {
    action: 'alert-group.test',
    target: 'alert-group',
    targetId: 'params.id',
  },
  'POST /api/alert-monitors': {
    action: 'alert-monitor.create',
    target: 'alert-monitor',
    targetId: 'answer.id',
    customer: 'answer.customerId',
    details: { name: 'answer.name', instanceId: 'answer.instanceId', triggers: 'answer.triggers' },
  },
  'PATCH /api/alert-monitors/:id': {
    action: 'alert-monitor.update',
    target: 'alert-monitor',
    targetId: 'params.id',
    details: { name: 'answer.name', triggers: 'answer.triggers', changed: { keysOf: 'body' } },
  },
  'DELETE /api/alert-monitors/:id': {
    action: 'alert-monitor.delete',
    target: 'alert-monitor',
    targetId: 'params.id',
  },
  'POST /api/alert-monitors/:id/clear': {
    action: 'alert-monitor.clear',
    target: 'alert-monitor',
    targetId: 'params.id',
    details: { cleared: 'answer.cleared' },
  },
  'POST /api/alert-events/:id/clear': {
    action: 'alert-event.clear',
    target: 'alert-event',
    targetId: 'params.id',
    details: { cleared: 'answer.cleared' },
  },

  // Log streams (never the headers, which hold API keys; nor the URL, which a service may let carry its key)
  'POST /api/log-streams': {
    action: 'log-stream.create',
    target: 'log-stream',
    targetId: 'answer.id',
    details: { name: 'answer.name', preset: 'answer.preset', headerNames: 'answer.headerNames' },
  },
  'PATCH /api/log-streams/:id': {
    action: 'log-stream.update',
    target: 'log-stream',
    targetId: 'params.id',
    details: { name: 'answer.name', enabled: 'answer.enabled', changed: { keysOf: 'body' } },
  },
  'DELETE /api/log-streams/:id': {
    action: 'log-stream.delete',
    target: 'log-stream',
    targetId: 'params.id',
    details: { name: 'answer.name' },
  },
  'POST /api/log-streams/:id/test': {
    action: 'log-stream.test',
    target: 'log-stream',
    targetId: 'params.id',
    details: { delivered: 'answer.delivered', statusCode: 'answer.statusCode' },
  },

  // Encryption keys
  'POST /api/encryption-keys/rotate': {
    action: 'encryption-key.rotate',
    target: 'encryption-key',
    targetId: 'answer.newDataKeyId',
    details: {
      masterKeyId: 'answer.masterKeyId',
      reEncryptedValues: 'answer.reEncryptedValues',
      removedDataKeyIds: 'answer.removedDataKeyIds',
    },
  },
};

/**
 * Mutating routes that change nothing a person would look for in an audit log; each says why. Anything else a
 * POST, PUT, PATCH or DELETE route does is recorded.
 */
export const notAudited: Readonly<Record<string, string>> = {
  // Connection tests check inputs, fetch a token and optionally make one authenticated GET: they read, and change
  // nothing but a refreshed OAuth token (Weft's own upkeep, which every execution also does).
  'POST /api/connections/:id/test': 'reads only: checks a connection',
  'POST /api/instances/:id/connections/:configVar/test': 'reads only: checks an instance connection',
  // The config wizard's checks and data sources read (a data source may call a third-party API to list choices).
  'POST /api/instances/:id/config-wizard/pages/:page/validate':
    'reads only: checks values without saving them',
  'POST /api/instances/:id/config-wizard/data-sources/:configVar': 'reads only: lists choices for a variable',
};

const mutatingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whether a request of this method to this /api route must be recorded (or excluded, by name, above). */
export function isMutating(method: string): boolean {
  return mutatingMethods.has(method);
}

/** The row of a route, by method and Fastify route template. */
export function auditedRouteOf(method: string, routeTemplate: string): AuditedRoute | undefined {
  return auditedRoutes[`${method} ${routeTemplate}`];
}
