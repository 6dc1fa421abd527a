import { type CatalogComponent, createComponentCatalog } from '../../src/index.js';

const ref = (key: string) => ({ key, component: { key, version: 'LATEST', isPublic: true } });

export { ref };

/** A small catalog with the shapes of the built-ins, so the definition package is tested on its own. */
export const testComponents: CatalogComponent[] = [
  {
    key: 'webhook-triggers',
    isPublic: true,
    actions: {},
    triggers: {
      webhook: {
        key: 'webhook',
        inputs: [
          { key: 'body', type: 'code' },
          { key: 'contentType', type: 'string' },
          { key: 'headers', type: 'string', collection: 'keyvaluelist' },
          { key: 'statusCode', type: 'number' },
        ],
      },
    },
  },
  {
    key: 'schedule-triggers',
    isPublic: true,
    actions: {},
    triggers: { schedule: { key: 'schedule', inputs: [] } },
  },
  {
    key: 'http',
    isPublic: true,
    versions: [1, 2],
    actions: {
      httpGet: {
        key: 'httpGet',
        inputs: [
          { key: 'url', label: 'URL', type: 'string', required: true },
          { key: 'headers', type: 'string', collection: 'keyvaluelist' },
          { key: 'queryParams', type: 'string', collection: 'keyvaluelist' },
          { key: 'connection', type: 'connection' },
          {
            key: 'responseType',
            type: 'picklist',
            default: 'json',
            model: [
              { label: 'JSON', value: 'json' },
              { label: 'Text', value: 'text' },
              { label: 'Binary', value: 'binary' },
            ],
          },
          { key: 'timeout', type: 'number' },
          { key: 'includeFullResponse', type: 'boolean', default: false },
        ],
      },
      httpPost: {
        key: 'httpPost',
        inputs: [
          { key: 'url', label: 'URL', type: 'string', required: true },
          { key: 'data', type: 'code' },
        ],
      },
    },
    triggers: {},
    connections: { basic: { key: 'basic', inputs: [] } },
  },
  {
    key: 'loop',
    isPublic: true,
    actions: {
      loopOverItems: {
        key: 'loopOverItems',
        kind: 'loop',
        inputs: [{ key: 'items', type: 'data', required: true }],
      },
      loopNTimes: {
        key: 'loopNTimes',
        kind: 'loop',
        inputs: [{ key: 'iterationCount', type: 'number', required: true }],
      },
      breakLoop: { key: 'breakLoop', inputs: [] },
    },
    triggers: {},
  },
  {
    key: 'branch',
    isPublic: true,
    actions: {
      branchOnExpression: {
        key: 'branchOnExpression',
        kind: 'branch',
        dynamicBranchInput: 'conditions',
        staticBranchNames: ['Else'],
        inputs: [{ key: 'conditions', type: 'conditional', required: true }],
      },
    },
    triggers: {},
  },
  {
    key: 'log',
    isPublic: true,
    actions: {
      writeLog: {
        key: 'writeLog',
        inputs: [
          {
            key: 'level',
            type: 'picklist',
            default: 'info',
            model: ['debug', 'info', 'warn', 'error'].map((value) => ({ label: value, value })),
          },
          { key: 'message', type: 'string', required: true },
        ],
      },
    },
    triggers: {},
  },
  {
    key: 'stop-execution',
    isPublic: true,
    actions: {
      stopExecution: {
        key: 'stopExecution',
        inputs: [
          { key: 'statusCode', type: 'number' },
          { key: 'jsonBody', type: 'code' },
        ],
      },
    },
    triggers: {},
  },
  {
    key: 'repo-events',
    isPublic: false,
    actions: {},
    triggers: {
      // Spectral's github eventWebhook: registers its own webhook, answers no caller synchronously.
      eventWebhook: {
        key: 'eventWebhook',
        inputs: [],
        synchronousResponseSupport: 'invalid',
        hasWebhookCreateFunction: true,
        hasWebhookDeleteFunction: true,
      },
    },
  },
];

export const testCatalog = createComponentCatalog(testComponents);
