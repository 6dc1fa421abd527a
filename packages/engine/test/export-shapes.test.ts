// How the engine runs shapes real exports carry: inputs left empty (an empty config variable, reference or
// template means "not set"), unary condition operators with an empty second operand, and triggers that branch.
import { parseIntegrationYaml } from '@weft/definition';
import { action, component, input, trigger } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { type InputScope, resolveInput, runFlow } from '../src/index.js';
import { integration, ports } from './support/flows.js';

const scope = (configVars: Record<string, unknown> = {}): InputScope => ({
  stepResults: new Map<string, unknown>([['listFiles', { files: ['a.csv'] }]]),
  loops: new Map(),
  configVars,
});

describe('inputs left empty', () => {
  it('an empty config variable, reference or template resolves to nothing', () => {
    // Even with a config variable named '' (which no definition can declare), the empty name means "not set".
    const values = scope({ '': 'should not be read', Region: 'eu' });
    expect(resolveInput({ type: 'configVar', value: '' }, values)).toBeUndefined();
    expect(resolveInput({ type: 'reference', value: '' }, values)).toBeUndefined();
    expect(resolveInput({ type: 'reference', value: '  ' }, values)).toBeUndefined();
    expect(resolveInput({ type: 'template', value: '' }, values)).toBeUndefined();
    // An empty value is a value: the empty text.
    expect(resolveInput({ type: 'value', value: '' }, values)).toBe('');
    expect(resolveInput({ type: 'configVar', value: 'Region' }, values)).toBe('eu');
  });

  it('list items and key/value entries left empty are left out of the list', () => {
    const values = scope({ Region: 'eu' });
    expect(
      resolveInput(
        {
          type: 'complex',
          value: [
            { type: 'configVar', value: 'Region' },
            { type: 'configVar', value: '' },
            { type: 'template', value: '' },
            { type: 'reference', value: 'listFiles.results.files' },
            { type: 'value', value: '' },
          ],
        },
        values,
      ),
    ).toEqual(['eu', ['a.csv'], '']);
    expect(
      resolveInput(
        {
          type: 'complex',
          value: [
            { name: 'X-Region', type: 'configVar', value: 'Region' },
            { name: 'X-Trace', type: 'configVar', value: '' },
            { name: { type: 'value', value: 'X-Files' }, type: 'reference', value: '' },
          ],
        },
        values,
      ),
    ).toEqual([{ key: 'X-Region', value: 'eu' }]);
  });

  it("a step's empty connection is no connection, and an empty input takes the action's default", async () => {
    const echo = component({
      key: 'echo',
      display: { label: 'Echo', description: 'returns its inputs' },
      actions: {
        echo: action({
          display: { label: 'Echo', description: 'returns its inputs' },
          inputs: {
            connection: input({ label: 'Connection', type: 'connection' }),
            greeting: input({ label: 'Greeting', type: 'string', default: 'hello' }),
            count: input({ label: 'Count', type: 'number', default: '3' }),
          },
          perform: async (_context, params) => ({
            data: { hasConnection: 'connection' in params && params.connection !== undefined, ...params },
          }),
        }),
      },
    });
    const flow = integration(`      - name: Echo It
        action: {key: echo, component: {key: echo}}
        inputs:
          connection: {type: configVar, value: ""}
          greeting: {type: reference, value: ""}
          count: {type: template, value: ""}
`);
    const result = await runFlow({ integration: flow, flowName: 'Main', ports: ports({}, echo).ports });
    expect(result.status).toBe('succeeded');
    expect(result.steps.echoIt).toEqual({ hasConnection: false, greeting: 'hello', count: 3 });
  });
});

describe('header references as exports write them', () => {
  it('finds a header by the name the sender wrote, though headers reach flows lower-cased', () => {
    const values: InputScope = {
      stepResults: new Map<string, unknown>([
        ['productUpdatesTrigger', { headers: { 'x-shopify-topic': 'products/update' }, body: { data: {} } }],
      ]),
      loops: new Map(),
      configVars: {},
    };
    expect(
      resolveInput(
        { type: 'reference', value: 'productUpdatesTrigger.results.headers.X-Shopify-Topic' },
        values,
      ),
    ).toBe('products/update');
    expect(
      resolveInput(
        { type: 'template', value: 'topic {{$productUpdatesTrigger.results.headers.X-Shopify-Topic}}' },
        values,
      ),
    ).toBe('topic products/update');
    // Only header names are read case-insensitively: other fields keep their exact names.
    expect(resolveInput({ type: 'reference', value: 'productUpdatesTrigger.results.Headers' }, values)).toBe(
      undefined,
    );
  });
});

describe('unary operators with an empty second operand', () => {
  it('are evaluated on their one operand', () => {
    const values = scope();
    const resolved = resolveInput(
      {
        type: 'complex',
        value: [
          'and',
          [
            'isEmpty',
            { name: '', type: 'reference', value: 'listFiles.results.files' },
            { name: '', type: 'value', value: '' },
          ],
          [
            'exists',
            { type: 'reference', value: 'listFiles.results.files' },
            { type: 'configVar', value: '' },
          ],
          ['equal', { type: 'reference', value: 'listFiles.results.files.0' }, { type: 'value', value: '' }],
        ],
      },
      values,
    );
    expect(resolved).toEqual([
      'and',
      ['isEmpty', ['a.csv']],
      ['exists', ['a.csv']],
      // A binary operator keeps its empty operand: it is compared.
      ['equal', 'a.csv', ''],
    ]);
  });

  it('choose the branch their one operand decides', async () => {
    const flow = integration(`      - name: Check Items
        action: {key: branchOnExpression, component: {key: branch}}
        inputs:
          conditions:
            type: complex
            value:
              - name: No Items
                type: complex
                value: [and, [isEmpty, {name: "", type: reference, value: trigger.results.body.data.items}, {name: "", type: value, value: ""}]]
              - name: Has Items
                type: complex
                value: [and, [isNotEmpty, {name: "", type: reference, value: trigger.results.body.data.items}, {name: "", type: value, value: ""}]]
        branches:
          - {name: No Items, steps: []}
          - {name: Has Items, steps: []}
          - {name: Else, steps: []}
`);
    const branchFor = async (items: unknown[]) => {
      const result = await runFlow({
        integration: flow,
        flowName: 'Main',
        trigger: { body: { data: { items } } },
        ports: ports().ports,
      });
      return result.stepRecords.find((record) => record.key === 'checkItems')?.branch;
    };
    expect(await branchFor([])).toBe('No Items');
    expect(await branchFor([1])).toBe('Has Items');
  });
});

describe('triggers that branch', () => {
  const events = component({
    key: 'acme-events',
    display: { label: 'Acme Events', description: 'a webhook that answers verification requests' },
    triggers: {
      webhook: trigger({
        display: { label: 'Webhook', description: 'Acme events' },
        inputs: {},
        allowsBranching: true,
        staticBranchNames: ['Notification', 'URL Verify'],
        perform: async (_context, payload) => ({
          payload,
          branch: (payload.body.data as { challenge?: string }).challenge ? 'URL Verify' : 'Notification',
        }),
      }),
    },
  });
  // A trigger that branches, with a step in each branch and one after them.
  const parsedFlow = parseIntegrationYaml(
    `definitionVersion: 7
name: Branching Trigger
flows:
  - name: Main
    steps:
      - name: Acme Event Trigger
        isTrigger: true
        action: {key: webhook, component: {key: acme-events, version: LATEST, isPublic: false}}
        inputs: {}
        branches:
          - name: Notification
            steps:
              - name: Log Event
                action: {key: writeLog, component: {key: log}}
                inputs:
                  message: {type: template, value: "event {{$acmeEventTrigger.results.body.data.id}}"}
          - name: URL Verify
            steps:
              - name: Answer Challenge
                action: {key: stopExecution, component: {key: stop-execution}}
                inputs:
                  jsonBody: {type: reference, value: acmeEventTrigger.results.body.data.challenge}
      - name: After Branches
        action: {key: writeLog, component: {key: log}}
        inputs:
          message: {type: value, value: done}
`,
    { fileName: 'branching-trigger.yaml' },
  );
  if (!parsedFlow.ok) throw new Error(parsedFlow.problems.map((problem) => problem.message).join('\n'));
  const branching = parsedFlow.integration;

  it("run the chosen branch's steps, then the flow's steps", async () => {
    const result = await runFlow({
      integration: branching,
      flowName: 'Main',
      trigger: { body: { data: { id: 'E-1' } } },
      ports: ports({}, events).ports,
    });
    expect(result.status).toBe('succeeded');
    expect(result.stepRecords.map((record) => [record.key, record.branch])).toEqual([
      ['acmeEventTrigger', 'Notification'],
      ['logEvent', undefined],
      ['afterBranches', undefined],
    ]);
    expect(result.logs.filter((entry) => entry.stepKey).map((entry) => entry.message)).toEqual([
      'event E-1',
      'done',
    ]);
  });

  it('a branch that stops the execution ends it there', async () => {
    const result = await runFlow({
      integration: branching,
      flowName: 'Main',
      trigger: { body: { data: { challenge: 'c-123' } } },
      ports: ports({}, events).ports,
    });
    expect(result.status).toBe('succeeded');
    expect(result.stepRecords.map((record) => record.key)).toEqual(['acmeEventTrigger', 'answerChallenge']);
    expect(result.response?.body).toBe('c-123');
  });
});

describe('a trigger that fails', () => {
  it("fails the execution with an error naming the trigger step, like any failing step's", async () => {
    const strict = component({
      key: 'acme-strict',
      display: { label: 'Acme Strict', description: 'a webhook that checks a signature' },
      triggers: {
        webhook: trigger({
          display: { label: 'Webhook', description: 'signed Acme events' },
          inputs: {},
          perform: async () => {
            throw new Error('the signature does not match');
          },
        }),
      },
    });
    const parsedFlow = parseIntegrationYaml(
      `definitionVersion: 7
name: Strict Trigger
flows:
  - name: Main
    steps:
      - name: Signed Event Trigger
        isTrigger: true
        action: {key: webhook, component: {key: acme-strict, version: LATEST, isPublic: false}}
      - name: After
        action: {key: writeLog, component: {key: log}}
        inputs:
          message: {type: value, value: never}
`,
      { fileName: 'strict-trigger.yaml' },
    );
    if (!parsedFlow.ok) throw new Error(parsedFlow.problems.map((problem) => problem.message).join('\n'));
    const result = await runFlow({
      integration: parsedFlow.integration,
      flowName: 'Main',
      ports: ports({}, strict).ports,
    });
    expect(result.status).toBe('failed');
    expect(result.error).toEqual({
      code: 'STEP_FAILED',
      message: "trigger 'Signed Event Trigger' failed: the signature does not match",
      stepKey: 'signedEventTrigger',
    });
    expect(result.stepRecords.map((record) => [record.key, record.status])).toEqual([
      ['signedEventTrigger', 'failed'],
    ]);
  });
});
