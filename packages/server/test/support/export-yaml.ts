import { expect } from 'vitest';
import type { TestServer } from './test-server.js';

/**
 * Integration definitions written as Prismatic exports them (definitionVersion 7): keys in alphabetical order,
 * every optional input present and empty when unset (`body: ''`, `headers: []`), endpoint configuration fields
 * as `{type: value, value: <path>}`. The webhook tests build theirs with these.
 */

const indent = (text: string, spaces: number) =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : `${' '.repeat(spaces)}${line}`))
    .join('\n');

/** A YAML scalar: JSON text is valid YAML and quotes whatever needs it. */
const scalar = (value: string) => JSON.stringify(value);

function component(key: string, actionKey: string, isPublic = true): string {
  return `action:
    component:
      isPublic: ${isPublic}
      key: ${key}
      version: LATEST
    key: ${actionKey}`;
}

export interface WebhookResponse {
  body?: string;
  contentType?: string;
  statusCode?: string;
}

/** The built-in webhook trigger, its response inputs empty unless given. */
export function webhookTriggerStep(response: WebhookResponse = {}, name = 'Integration Trigger'): string {
  return `- ${component('webhook-triggers', 'webhook')}
  description: ''
  inputs:
    body:
      type: value
      value: ${scalar(response.body ?? '')}
    contentType:
      type: value
      value: ${scalar(response.contentType ?? '')}
    headers:
      type: complex
      value: []
    statusCode:
      type: value
      value: ${scalar(response.statusCode ?? '')}
  isTrigger: true
  name: ${name}`;
}

/** A trigger of a custom component (by key). */
export function customTriggerStep(
  componentKey: string,
  triggerKey: string,
  name = 'Integration Trigger',
): string {
  return `- ${component(componentKey, triggerKey, false)}
  description: ''
  inputs: {}
  isTrigger: true
  name: ${name}`;
}

/** A code step: `body` is the body of `async (context, stepResults) => { ... }`. */
export function codeStep(name: string, body: string): string {
  return `- ${component('code', 'runCode')}
  description: ''
  inputs:
    code:
      type: value
      value: ${scalar(`module.exports = async (context, stepResults) => { ${body} };`)}
  name: ${name}`;
}

/** An HTTP GET step (the http component). */
export function httpGetStep(name: string, urlTemplate: string): string {
  return `- ${component('http', 'httpGet')}
  description: ''
  inputs:
    url:
      type: template
      value: ${scalar(urlTemplate)}
  name: ${name}`;
}

export interface ExportFlow {
  name: string;
  stableKey?: string;
  isSynchronous?: boolean;
  endpointSecurityType?: string;
  organizationApiKeys?: string[];
  queueConfig?: { usesFifoQueue?: boolean; dedupeIdField?: string };
  retryConfig?: {
    maxAttempts: number;
    delayMinutes: number;
    usesExponentialBackoff?: boolean;
    uniqueRequestIdField?: string;
  };
  /** Steps as `- ...` YAML items (the trigger first). */
  steps: string[];
}

export function exportFlow(flow: ExportFlow): string {
  const lines = [
    `description: ''`,
    `endpointSecurityType: ${flow.endpointSecurityType ?? 'unsecured'}`,
    `isSynchronous: ${flow.isSynchronous ?? false}`,
    `name: ${scalar(flow.name)}`,
  ];
  if (flow.organizationApiKeys) {
    lines.push(
      flow.organizationApiKeys.length === 0
        ? 'organizationApiKeys: []'
        : `organizationApiKeys:\n${flow.organizationApiKeys.map((key) => `  - ${scalar(key)}`).join('\n')}`,
    );
  }
  if (flow.queueConfig) {
    lines.push(`queueConfig:
  dedupeIdField:
    type: value
    value: ${scalar(flow.queueConfig.dedupeIdField ?? '')}
  usesFifoQueue: ${flow.queueConfig.usesFifoQueue ?? false}`);
  }
  if (flow.retryConfig) {
    lines.push(`retryConfig:
  delayMinutes: ${flow.retryConfig.delayMinutes}
  maxAttempts: ${flow.retryConfig.maxAttempts}
  uniqueRequestIdField:
    type: value
    value: ${scalar(flow.retryConfig.uniqueRequestIdField ?? '')}
  usesExponentialBackoff: ${flow.retryConfig.usesExponentialBackoff ?? false}`);
  }
  lines.push(`stableKey: ${flow.stableKey ?? flow.name.toLowerCase().replaceAll(' ', '-')}`);
  lines.push(`steps:\n${flow.steps.map((step) => indent(step, 2)).join('\n')}`);
  return `- ${indent(lines.join('\n'), 2).trimStart()}`;
}

export interface ExportIntegration {
  name: string;
  endpointType?: 'flow_specific' | 'instance_specific' | 'shared_instance';
  externalCustomerIdField?: string;
  flowNameField?: string;
  preprocessFlowName?: string;
  /** String config variables: name → default value ('' for none). */
  configVars?: Record<string, string>;
  flows: string[];
}

export function exportIntegration(integration: ExportIntegration): string {
  const configVars = Object.entries(integration.configVars ?? {});
  // Endpoint configuration fields as an export writes them; left out when not given ('' writes an empty one).
  const field = (name: string, path: string | undefined) =>
    path === undefined ? [] : [`${name}:\n  type: value\n  value: ${scalar(path)}`];
  return [
    `category: ''`,
    configVars.length === 0
      ? 'configPages: []'
      : `configPages:
  - elements:
${configVars.map(([key]) => `      - type: configVar\n        value: ${scalar(key)}`).join('\n')}
    name: Settings
    tagline: ''`,
    'definitionVersion: 7',
    `description: ${scalar(`${integration.name}, as exported`)}`,
    `documentation: ''`,
    `endpointType: ${integration.endpointType ?? 'flow_specific'}`,
    ...field('externalCustomerIdField', integration.externalCustomerIdField),
    ...field('flowNameField', integration.flowNameField),
    `flows:\n${integration.flows.join('\n')}`,
    'labels: []',
    `name: ${scalar(integration.name)}`,
    ...(integration.preprocessFlowName
      ? [`preprocessFlowName: ${scalar(integration.preprocessFlowName)}`]
      : []),
    configVars.length === 0
      ? 'requiredConfigVars: []'
      : `requiredConfigVars:\n${configVars
          .map(
            ([key, value]) =>
              `  - dataType: string\n    defaultValue: ${scalar(value)}\n    description: ''\n    key: ${scalar(key)}\n    orgOnly: false\n    stableKey: ${key.toLowerCase().replaceAll(' ', '-')}`,
          )
          .join('\n')}`,
  ].join('\n');
}

/** Imports (as a new integration, or a new draft of `integrationId`) and publishes; answers the integration id. */
export async function importAndPublish(
  server: TestServer,
  yaml: string,
  integrationId?: string,
): Promise<string> {
  const imported = await server.api('POST', '/api/integrations/import', {
    body: { definition: yaml, ...(integrationId ? { integrationId } : {}) },
  });
  expect(imported.status, imported.text).toBeLessThan(300);
  const id = (integrationId ?? imported.body.id) as string;
  const published = await server.api('POST', `/api/integrations/${id}/publish`, { body: { comment: 'v' } });
  expect(published.status, published.text).toBe(201);
  return id;
}

/** A customer (with an external id), or the existing one with that external id. */
export async function customerWith(server: TestServer, name: string, externalId: string): Promise<string> {
  const created = await server.api('POST', '/api/customers', { body: { name, externalId } });
  expect(created.status, created.text).toBe(201);
  return created.body.id as string;
}

/** Creates and deploys an instance of the integration's latest version for the customer; answers its id. */
export async function deployedInstance(
  server: TestServer,
  integrationId: string,
  customerId: string,
  name: string,
): Promise<string> {
  const instance = await server.api('POST', '/api/instances', {
    body: { customerId, integrationId, name },
  });
  expect(instance.status, instance.text).toBe(201);
  const deployed = await server.api('POST', `/api/instances/${instance.body.id}/deploy`);
  expect(deployed.status, deployed.text).toBe(200);
  return instance.body.id as string;
}

/** A webhook answer as tests read it: status, parsed JSON body, and the execution and duplicate headers. */
export interface WebhookAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of several shapes
  body: any;
  executionId: string | null;
  duplicate: string | null;
}

/** POSTs `body` as JSON to a webhook URL. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<WebhookAnswer> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await answer.text();
  return {
    status: answer.status,
    body: text ? JSON.parse(text) : undefined,
    executionId: answer.headers.get('x-weft-execution-id'),
    duplicate: answer.headers.get('x-weft-duplicate'),
  };
}
