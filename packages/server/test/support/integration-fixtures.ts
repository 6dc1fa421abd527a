import pg from 'pg';
import { expect } from 'vitest';
import type { TestServer } from './test-server.js';

/** Definitions, bundles and SQL helpers shared by the integrations tests. */

export async function tokenWithRole(server: TestServer, role: string): Promise<string> {
  const answer = await server.api('POST', '/api/tokens', { body: { name: `${role} token`, role } });
  expect(answer.status).toBe(201);
  return answer.body.secret as string;
}

/** Runs SQL against the test server's database (for rows no API makes yet, such as instances). */
export async function sqlQuery<Row = Record<string, unknown>>(
  server: TestServer,
  text: string,
  values: unknown[] = [],
): Promise<Row[]> {
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as Row[];
  } finally {
    await client.end();
  }
}

/** One flow: a webhook trigger, then a log step (built-in components, Prismatic's keys). */
export function flowYaml(name: string, options: { stableKey?: string; message?: string } = {}): string {
  return `  - name: ${name}
${options.stableKey ? `    stableKey: ${options.stableKey}\n` : ''}    description: Runs ${name}
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: Integration Trigger
        isTrigger: true
        action:
          key: webhook
          component:
            key: webhook-triggers
            version: LATEST
            isPublic: true
      - name: Write Log
        action:
          key: writeLog
          component:
            key: log
            version: LATEST
            isPublic: true
        inputs:
          level:
            type: value
            value: info
          message:
            type: template
            value: "${options.message ?? 'Got {{$integrationTrigger.results.body.data}}'}"
`;
}

export interface DefinitionOptions {
  name?: string;
  description?: string;
  category?: string;
  labels?: string[];
  flows?: string[];
  configVars?: string[];
  /** Extra top-level YAML (for example a renameAttributes block), appended as is. */
  extra?: string;
}

/** A definitionVersion 7 YAML document with the given flows and string config variables. */
export function definitionYaml(options: DefinitionOptions = {}): string {
  const flows = options.flows ?? ['Sync Orders'];
  const configVars = options.configVars ?? ['API Base URL'];
  return `definitionVersion: 7
name: ${options.name ?? 'Orders Sync'}
description: ${options.description ?? 'Sends orders to the warehouse'}
${options.category ? `category: ${options.category}\n` : ''}${options.labels ? `labels: [${options.labels.join(', ')}]\n` : ''}endpointType: flow_specific
requiredConfigVars:
${configVars.length === 0 ? '  []\n' : configVars.map((key) => `  - key: ${key}\n    dataType: string\n    defaultValue: https://example.com\n    orgOnly: false\n`).join('')}configPages:
  - name: Settings
    userLevelConfigured: false
    elements:
${configVars.length === 0 ? '      []\n' : configVars.map((key) => `      - type: configVar\n        value: ${key}\n`).join('')}flows:
${flows.map((name) => flowYaml(name)).join('')}${options.extra ?? ''}`;
}

/** The YAML a code-native build produces: a flow whose trigger and step are the generated component's. */
export function codeNativeYaml(componentKey: string, name = 'Acme Sync', flowKey = 'sync-orders'): string {
  return `definitionVersion: 7
isCodeNative: true
name: ${name}
description: Built from TypeScript
endpointType: flow_specific
requiredConfigVars: []
configPages: []
flows:
  - name: Sync Orders
    stableKey: ${flowKey}
    description: ''
    isSynchronous: false
    endpointSecurityType: customer_optional
    steps:
      - name: On Trigger
        stableKey: ${flowKey}-onTrigger
        isTrigger: true
        action:
          key: ${flowKey}-onTrigger
          component:
            key: ${componentKey}
            signature: ${componentKey}-signature
            isPublic: false
      - name: On Execution
        stableKey: ${flowKey}-onExecution
        action:
          key: ${flowKey}-onExecution
          component:
            key: ${componentKey}
            signature: ${componentKey}-signature
            isPublic: false
`;
}

/**
 * A hand-made CommonJS bundle shaped like esbuild's output for a code-native project: `module.exports.default`
 * is what `integration()` returns. `prelude` runs first, at load time; `yamlExpression` is JavaScript that
 * evaluates to the YAML text (so a test can build it from what the prelude found).
 */
export function codeNativeBundle(
  options: { key?: string; prelude?: string; yamlExpression?: string; name?: string } = {},
): string {
  const key = options.key ?? 'acme-sync';
  const yamlExpression = options.yamlExpression ?? JSON.stringify(codeNativeYaml(key, options.name));
  return `"use strict";
var __defProp = Object.defineProperty;
${options.prelude ?? ''}
const perform = async () => ({ data: null });
module.exports.default = {
  key: ${JSON.stringify(key)},
  public: false,
  display: { label: "Acme Sync", description: "Generated component", iconPath: "icon.png" },
  actions: {
    "sync-orders-onExecution": {
      key: "sync-orders-onExecution",
      display: { label: "Sync Orders - On Execution", description: "The function that will be executed by the flow." },
      perform,
      inputs: [],
    },
  },
  triggers: {
    "sync-orders-onTrigger": {
      key: "sync-orders-onTrigger",
      display: { label: "Sync Orders - On Trigger", description: "The function that will be executed by the flow." },
      perform,
      inputs: [
        { key: "batchSize", label: "Batch size", type: "string", required: false, default: "10" },
        { key: "mode", label: "Mode", type: "picklist", required: true, default: "fast", model: [{ label: "Fast", value: "fast" }] },
        { key: "headers", label: "Headers", type: "string", collection: "keyvaluelist" },
      ],
      scheduleSupport: "valid",
      synchronousResponseSupport: "valid",
    },
  },
  dataSources: {
    "choose-widget": {
      key: "choose-widget",
      display: { label: "Choose widget", description: "Lists widgets" },
      dataSourceType: "picklist",
      perform,
      inputs: [{ key: "connection", label: "Connection", type: "connection", required: true }],
    },
  },
  connections: [
    { key: "acme-api-key", label: "Acme API key", inputs: [{ key: "apiKey", label: "API key", type: "password", required: true }] },
  ],
  codeNativeIntegrationYAML: ${yamlExpression},
};
`;
}

export function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}
