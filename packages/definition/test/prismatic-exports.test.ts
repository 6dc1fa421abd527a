// Real Prismatic exports, as the exporter writes them: the corpus in fixtures/prismatic-exports (written for Weft in
// the exported style), and one focused test per rule those exports need: inputs left empty, unary operators with an
// empty second operand, Prismatic's step keys (with the keys Weft derived before), fields Weft does not know, and
// components the server lacks. The corpus is validated against the real built-in catalog, and run, in
// packages/engine/test/prismatic-exports.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type CatalogComponent,
  createComponentCatalog,
  type DefinitionProblem,
  exportIntegrationYaml,
  flowSchema,
  formatProblem,
  type Integration,
  legacyStepKey,
  type ParseResult,
  parseIntegrationYaml,
  stepKey,
  walkSteps,
} from '../src/index.js';
import { testComponents } from './support/test-catalog.js';

const corpusDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'prismatic-exports');
const corpus = readdirSync(corpusDir)
  .filter((name) => name.endsWith('.yml'))
  .map((name) => ({ name, text: readFileSync(join(corpusDir, name), 'utf8') }));

/** A connector whose webhook trigger branches, and whose action takes OData-style `$` inputs. */
const acmeEvents: CatalogComponent = {
  key: 'acme-events',
  isPublic: true,
  actions: {
    listChanges: {
      key: 'listChanges',
      inputs: [
        { key: 'connection', type: 'connection' },
        { key: '$expand', type: 'string' },
        { key: '$top', type: 'string' },
      ],
    },
  },
  triggers: {
    webhook: {
      key: 'webhook',
      kind: 'branch',
      staticBranchNames: ['Notification', 'URL Verify'],
      inputs: [{ key: 'signingSecret', type: 'string' }],
    },
  },
};
const catalog = createComponentCatalog(testComponents, [acmeEvents]);

function parse(text: string, withCatalog = true): ParseResult {
  return parseIntegrationYaml(text, { fileName: 'export.yml', ...(withCatalog ? { catalog } : {}) });
}

function parsed(
  text: string,
  withCatalog = true,
): { integration: Integration; warnings: DefinitionProblem[] } {
  const result = parse(text, withCatalog);
  if (!result.ok) throw new Error(result.problems.map((problem) => formatProblem(problem)).join('\n'));
  return { integration: result.integration, warnings: result.warnings };
}

function problemsOf(text: string): DefinitionProblem[] {
  const result = parse(text);
  return result.ok ? result.warnings : result.problems;
}

/** 1-based line and column of the first occurrence of `token`. */
function positionOf(text: string, token: string): { line: number; column: number } {
  const index = text.indexOf(token);
  if (index < 0) throw new Error(`token ${token} not in the test document`);
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

const webhookTrigger = (name: string) => `      - action:
          key: webhook
          component:
            isPublic: true
            key: webhook-triggers
            version: LATEST
        description: ""
        inputs:
          body:
            type: value
            value: ""
          contentType:
            type: value
            value: ""
          headers:
            type: complex
            value: []
          statusCode:
            type: value
            value: ""
        isTrigger: true
        name: ${name}
`;

/** An exported-style definition with one flow; `steps` follow a webhook trigger named "Integration Trigger". */
function exported(
  steps: string,
  { configVars = '', flow = '', top = '', trigger = webhookTrigger('Integration Trigger') } = {},
): string {
  return `configPages:
  - elements: []
    name: Setup
definitionVersion: 7
description: ""
documentation: ""
endpointType: flow_specific
flows:
  - description: ""
    endpointSecurityType: customer_optional
${flow}    isSynchronous: false
    name: Main
    steps:
${trigger}${steps}name: Export Test
requiredConfigVars:
  - dataType: string
    defaultValue: https://api.acme.example
    description: ""
    key: Base URL
    orgOnly: false
${configVars}${top}`;
}

const httpGet = (name: string, inputs: string) => `      - action:
          key: httpGet
          component:
            isPublic: true
            key: http
            version: LATEST
        description: ""
        inputs:
${inputs}        name: ${name}
`;

const logStep = (name: string, message: string) => `      - action:
          key: writeLog
          component:
            isPublic: true
            key: log
            version: LATEST
        description: ""
        inputs:
          level:
            type: value
            value: info
          message:
${message}        name: ${name}
`;

const branchStep = (name: string, condition: string) => `      - action:
          key: branchOnExpression
          component:
            isPublic: true
            key: branch
            version: LATEST
        branches:
          - name: Matched
            steps: []
          - name: Else
            steps: []
        description: ""
        inputs:
          conditions:
            type: complex
            value:
              - name: Matched
                type: complex
                value:
${condition}        name: ${name}
`;

describe('the corpus of exported definitions', () => {
  it('holds at least 8 exports, several of real-world size', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(8);
    expect(corpus.filter(({ text }) => text.split('\n').length >= 200).length).toBeGreaterThanOrEqual(4);
  });

  it.each(corpus)('$name parses with no error, and export → parse gives the same model', ({ text }) => {
    const first = parsed(text, false);
    const exportedText = exportIntegrationYaml(first.integration);
    const again = parsed(exportedText, false);
    expect(again.integration).toEqual(first.integration);
    expect(exportIntegrationYaml(again.integration)).toBe(exportedText);
    // Only the fields no Weft version knows are worth a warning, and they stay warnings after a round trip.
    expect(first.warnings.every((warning) => warning.code === 'FIELD_UNKNOWN')).toBe(true);
    expect(again.warnings.map((warning) => warning.message)).toEqual(
      first.warnings.map((warning) => warning.message),
    );
  });

  it('reads the step keys references use, across loops, branches and flows', () => {
    const keysOf = (file: string) => {
      const { integration } = parsed(readFileSync(join(corpusDir, file), 'utf8'), false);
      return integration.flows.flatMap((flow) => [...walkSteps(flow)].map((step) => step.key));
    };
    expect(keysOf('punctuated-step-names.yml')).toEqual([
      'integrationTrigger',
      'crmQueryEntities',
      'getAQueueSUrl',
      'rawGraphqlRequest',
      'downloadJsonFromApi',
      'getCurrentDateTime',
      'add7Days',
      'executionSaveAfter',
      'executionGetAfter',
      'addKeyValueToObject',
      'javascriptObjectToJson',
      'splitOutExternalId',
      'returnResult',
      'flow2Trigger',
      'add1ToCurrentPageValue',
      'executionBuildNextUrl',
    ]);
    expect(keysOf('paged-issue-sync.yml')).toContain('addOfJiraIssuesStartatValue');
    expect(keysOf('github-issue-router.yml')).toContain('handleGithubUpdatesTrigger');
  });
});

describe('inputs left empty', () => {
  const connectionVar = `  - connection:
      key: basic
      component:
        isPublic: true
        key: http
        version: LATEST
    dataType: connection
    description: ""
    inputs:
      password:
        type: value
        value:
      username:
        meta:
          visibleToCustomerDeployer: true
          visibleToOrgDeployer: true
        type: value
        value:
    key: Acme Login
    orgOnly: false
`;
  const urlInput = (url: string) => `          connection:
            type: configVar
            value: ""
          headers:
            type: complex
            value:
              - name: X-Trace
                type: configVar
                value: ""
              - name:
                  type: value
                  value: X-Key
                type: template
                value: ""
          queryParams:
            type: complex
            value: []
          timeout:
            type: value
            value: ""
          url:
${url}`;

  it('an empty config variable, reference or template names nothing, and is kept for export', () => {
    const text = exported(
      `${httpGet('Get Orders', urlInput('            type: template\n            value: "{{#Base URL}}/orders"\n'))}${logStep(
        'Log Orders',
        '            type: value\n            value: listed\n',
      ).replace(
        '          level:\n            type: value\n            value: info',
        '          level:\n            type: reference\n            value: ""',
      )}`,
      { configVars: connectionVar },
    );
    const { integration, warnings } = parsed(text);
    expect(warnings).toEqual([]);
    const [getOrders, logOrders] = integration.flows[0]?.steps ?? [];
    expect(getOrders?.inputs.connection).toEqual({ type: 'configVar', value: '' });
    expect(logOrders?.inputs.level).toEqual({ type: 'reference', value: '' });
    // `value:` with nothing on a connection input of type value is kept as null (YAML null), as written.
    expect(integration.configVars[1]?.inputs?.password).toEqual({ type: 'value', value: null });
    expect(integration.configVars[1]?.inputs?.username?.meta).toEqual({
      visibleToCustomerDeployer: true,
      visibleToOrgDeployer: true,
    });
    const exportedText = exportIntegrationYaml(integration);
    expect(exportedText).toContain('connection:\n            type: configVar\n            value: ""');
    expect(parsed(exportedText).integration).toEqual(integration);
  });

  it('`value:` with nothing on a config variable, reference or template input reads as empty', () => {
    const text = exported(
      httpGet(
        'Get Orders',
        urlInput('            type: template\n            value: "{{#Base URL}}/orders"\n'),
      )
        .replace('type: configVar\n            value: ""', 'type: configVar\n            value:')
        .replace('type: template\n                value: ""', 'type: template\n                value:'),
    );
    const { integration } = parsed(text);
    const getOrders = integration.flows[0]?.steps[0];
    expect(getOrders?.inputs.connection).toEqual({ type: 'configVar', value: '' });
    expect(getOrders?.inputs.headers).toEqual({
      type: 'complex',
      value: [
        { type: 'configVar', value: '', name: 'X-Trace' },
        { type: 'template', value: '', name: { type: 'value', value: 'X-Key' } },
      ],
    });
  });

  it('a required input left as an empty config variable, reference or template is not given', () => {
    for (const url of [
      '            type: configVar\n            value: ""\n',
      '            type: reference\n            value: ""\n',
      '            type: template\n            value: ""\n',
      '            type: value\n            value: ""\n',
    ]) {
      const text = exported(httpGet('Get Orders', urlInput(url)));
      const problems = problemsOf(text);
      expect(problems.map((problem) => [problem.code, problem.severity, problem.message])).toEqual([
        ['INPUT_REQUIRED', 'error', "step 'Get Orders' (http.httpGet) needs input 'url' (URL)"],
      ]);
      expect(problems[0]?.line).toBe(positionOf(text, '          url:').line);
    }
  });

  it('a config variable that is named but not declared is still an error', () => {
    const text = exported(
      httpGet('Get Orders', urlInput('            type: configVar\n            value: Base UR\n')),
    );
    expect(problemsOf(text).map((problem) => problem.message)).toEqual([
      "step 'Get Orders' names config variable 'Base UR', which the integration does not declare — did you mean 'Base URL'?",
    ]);
  });
});

describe('unary operators with a second, empty operand', () => {
  const operand = (type: string, value: string, name = true) =>
    `${name ? '                      - name: ""\n                        type' : '                      - type'}: ${type}\n                        value: ${value}\n`;
  const condition = (operator: string, ...operands: string[]) =>
    `                  - and\n                  - - ${operator}\n${operands.join('').replace(/^ {22}/gm, '                    ')}`;

  it.each(['isEmpty', 'isNotEmpty', 'exists', 'doesNotExist', 'isTrue', 'isFalse'])(
    '%s accepts the empty operand exports write, with or without name: ""',
    (operator) => {
      for (const empty of [
        operand('value', '""'),
        operand('value', '""', false),
        operand('value', ''),
        operand('reference', '""'),
        operand('configVar', '""'),
        operand('template', '""'),
      ]) {
        const text = exported(
          branchStep(
            'Check Body',
            condition(operator, operand('reference', 'integrationTrigger.results.body.data'), empty),
          ),
        );
        expect(problemsOf(text).map((problem) => formatProblem(problem))).toEqual([]);
        // The operand is kept as written, so export gives it back.
        const { integration } = parsed(text);
        const conditions = integration.flows[0]?.steps[0]?.inputs.conditions;
        expect(JSON.stringify(conditions)).toContain('"name":""');
        expect(parsed(exportIntegrationYaml(integration)).integration).toEqual(integration);
      }
    },
  );

  it('a second operand that is not empty is still an error', () => {
    const text = exported(
      branchStep(
        'Check Body',
        condition(
          'isEmpty',
          operand('reference', 'integrationTrigger.results.body.data'),
          operand('value', 'something'),
        ),
      ),
    );
    const problems = problemsOf(text);
    expect(problems.map((problem) => [problem.code, problem.message])).toEqual([
      [
        'CONDITION_INVALID',
        "'isEmpty' in step 'Check Body' compares one value, but is given 2 operands (a second operand is accepted only when it is empty)",
      ],
    ]);
    expect(problems[0]?.line).toBe(positionOf(text, '- - isEmpty').line);
  });

  it('a binary operator still needs both operands, empty or not', () => {
    const both = exported(
      branchStep(
        'Check Body',
        condition(
          'equal',
          operand('reference', 'integrationTrigger.results.body.data'),
          operand('value', '""'),
        ),
      ),
    );
    expect(problemsOf(both)).toEqual([]);
    const lonely = exported(
      branchStep(
        'Check Body',
        condition('equal', operand('reference', 'integrationTrigger.results.body.data')),
      ),
    );
    expect(problemsOf(lonely).map((problem) => problem.message)).toEqual([
      "'equal' in step 'Check Body' compares two values, but is given 1 operand",
    ]);
  });
});

describe('step keys', () => {
  it.each([
    ["Get a Queue's URL", 'getAQueueSUrl'],
    ['Raw GraphQL Request', 'rawGraphqlRequest'],
    ['Download JSON from API', 'downloadJsonFromApi'],
    ['Handle GitHub Updates Trigger', 'handleGithubUpdatesTrigger'],
    ['[CRM] Query Entities', 'crmQueryEntities'],
    ['Add # of Jira issues + STARTAT value', 'addOfJiraIssuesStartatValue'],
    ['Add 1 to current page value', 'add1ToCurrentPageValue'],
    ['Add 7 Days', 'add7Days'],
    ['Flow 2 Trigger', 'flow2Trigger'],
    ['Split out external_id', 'splitOutExternalId'],
    ['Get Current Date/Time', 'getCurrentDateTime'],
    ['JavaScript Object to JSON', 'javascriptObjectToJson'],
    ['Execution - Get AFTER', 'executionGetAfter'],
    ['Prep Agent and RunResult for Storage', 'prepAgentAndRunresultForStorage'],
    ['Agent: Create PDF Analysis Expert', 'agentCreatePdfAnalysisExpert'],
    ['  leading and trailing  ', 'leadingAndTrailing'],
    ['Créer une Étiquette', 'créerUneÉtiquette'],
    ['Größe prüfen 2x', 'größePrüfen2x'],
    ['日本語 テスト', '日本語テスト'],
    ['---', ''],
  ])('%s → %s (Prismatic)', (name, key) => {
    expect(stepKey(name)).toBe(key);
  });

  it.each([
    ['Handle GitHub Updates Trigger', 'handleGitHubUpdatesTrigger'],
    ['Raw GraphQL Request', 'rawGraphQlRequest'],
    ["Get a Queue's URL", 'getAQueuesUrl'],
    ['JavaScript Object to JSON', 'javaScriptObjectToJson'],
  ])('%s → %s (lodash, the legacy key)', (name, key) => {
    expect(legacyStepKey(name)).toBe(key);
  });

  // A definition written against Weft's earlier keys (lodash's camelCase), in every place a step is named.
  const oldStyle = `definitionVersion: 7
name: Old Keys
requiredConfigVars:
  - key: Base URL
    dataType: string
flows:
  - name: Sync
    queueConfig:
      usesFifoQueue: true
      dedupeIdField: {type: reference, value: receiveGitHubEvent.results.headers.x-delivery}
    retryConfig:
      maxAttempts: 2
      delayMinutes: 1
      usesExponentialBackoff: false
      uniqueRequestIdField: {type: reference, value: receiveGitHubEvent.results.body.data.id}
    steps:
      - name: Receive GitHub Event
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
      - name: Raw GraphQL Request
        action: {key: httpPost, component: {key: http, version: LATEST, isPublic: true}}
        inputs:
          url: {type: template, value: "{{#Base URL}}/graphql?id={{ $receiveGitHubEvent.results.body.data.id }}"}
          data: {type: reference, value: receiveGitHubEvent.results.body.data}
      - name: Check Result
        action: {key: branchOnExpression, component: {key: branch, version: LATEST, isPublic: true}}
        inputs:
          conditions:
            type: complex
            value:
              - name: Has Data
                type: complex
                value: [and, [isNotEmpty, {type: reference, value: rawGraphQlRequest.results.data}, {type: value, value: ""}]]
        branches:
          - name: Has Data
            steps:
              - name: Get Data
                action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
                inputs:
                  url: {type: reference, value: rawGraphQlRequest.results.data.url}
                  headers:
                    type: complex
                    value:
                      - name: {type: reference, value: receiveGitHubEvent.results.body.data.header}
                        type: value
                        value: "1"
          - name: Else
            steps: []
`;

  it('accepts a reference by the old key with a warning, and rewrites it to the current key', () => {
    const result = parse(oldStyle);
    expect(result.ok, result.ok ? '' : result.problems.map((p) => formatProblem(p)).join('\n')).toBe(true);
    if (!result.ok) return;
    const warnings = result.warnings.map((warning) => [warning.code, warning.line, warning.column]);
    const at = (token: string) => {
      const { line, column } = positionOf(oldStyle, token);
      return ['REFERENCE_LEGACY_STEP_KEY', line, column];
    };
    expect(warnings).toEqual([
      at('receiveGitHubEvent.results.headers.x-delivery'),
      at('receiveGitHubEvent.results.body.data.id}'),
      at('"{{#Base URL}}/graphql'),
      at('receiveGitHubEvent.results.body.data}'),
      at('rawGraphQlRequest.results.data}'),
      at('rawGraphQlRequest.results.data.url'),
      at('receiveGitHubEvent.results.body.data.header'),
    ]);
    expect(result.warnings[0]?.message).toBe(
      "reference 'receiveGitHubEvent.results.headers.x-delivery' names step 'Receive GitHub Event' by its old key 'receiveGitHubEvent'; step keys now follow Prismatic's rule, which makes it 'receiveGithubEvent', so the reference is read as 'receiveGithubEvent.results.headers.x-delivery' — write that instead",
    );
    const { integration } = result;
    const flow = integration.flows[0];
    expect(flow?.queueConfig?.dedupeIdField?.value).toBe('receiveGithubEvent.results.headers.x-delivery');
    expect(flow?.retryConfig?.uniqueRequestIdField?.value).toBe('receiveGithubEvent.results.body.data.id');
    const [raw, check] = flow?.steps ?? [];
    expect(raw?.key).toBe('rawGraphqlRequest');
    // A template keeps its spacing; only the key changes.
    expect(raw?.inputs.url?.value).toBe(
      '{{#Base URL}}/graphql?id={{ $receiveGithubEvent.results.body.data.id }}',
    );
    expect(raw?.inputs.data?.value).toBe('receiveGithubEvent.results.body.data');
    expect(JSON.stringify(check?.inputs.conditions)).toContain('rawGraphqlRequest.results.data');
    const getData = check?.branches?.[0]?.steps[0];
    expect(getData?.inputs.url?.value).toBe('rawGraphqlRequest.results.data.url');
    expect(getData?.inputs.headers?.value).toEqual([
      {
        type: 'value',
        value: '1',
        name: { type: 'reference', value: 'receiveGithubEvent.results.body.data.header' },
      },
    ]);
    // Export writes only current keys: the exported text reads back without a warning.
    const text = exportIntegrationYaml(integration);
    expect(text).not.toMatch(/receiveGitHubEvent|rawGraphQlRequest/);
    const again = parse(text);
    expect(again.ok && again.warnings).toEqual([]);
    expect(again.ok && again.integration).toEqual(integration);
  });

  it('a stored draft whose steps carry their old keys is published with the current keys', () => {
    // What publishing does: export the stored draft (its JSON keeps each step's old `key`) and parse it again.
    const { integration } = parsed(oldStyle);
    const stored = JSON.parse(JSON.stringify(integration)) as Integration;
    const flow = stored.flows[0];
    if (!flow) throw new Error('no flow');
    flow.trigger.key = 'receiveGitHubEvent';
    const raw = flow.steps[0];
    if (!raw) throw new Error('no step');
    raw.key = 'rawGraphQlRequest';
    raw.inputs.data = { type: 'reference', value: 'receiveGitHubEvent.results.body.data' };
    const republished = parse(exportIntegrationYaml(stored));
    expect(republished.ok).toBe(true);
    if (!republished.ok) return;
    expect(republished.warnings.map((warning) => warning.code)).toEqual(['REFERENCE_LEGACY_STEP_KEY']);
    expect(republished.integration.flows[0]?.steps[0]?.key).toBe('rawGraphqlRequest');
    expect(republished.integration.flows[0]?.steps[0]?.inputs.data?.value).toBe(
      'receiveGithubEvent.results.body.data',
    );
  });

  it('an old key that is another step’s current key means that step, without a warning', () => {
    const text = exported(
      `${logStep('Get GitHub', '            type: value\n            value: one\n')}${logStep(
        'Get Git Hub',
        '            type: value\n            value: two\n',
      )}${logStep('Log Both', '            type: template\n            value: "{{$getGitHub.results}} {{$getGithub.results}}"\n')}`,
    );
    const { integration, warnings } = parsed(text);
    expect(warnings).toEqual([]);
    expect(integration.flows[0]?.steps.map((step) => step.key)).toEqual([
      'getGithub',
      'getGitHub',
      'logBoth',
    ]);
    expect(integration.flows[0]?.steps[2]?.inputs.message?.value).toBe(
      '{{$getGitHub.results}} {{$getGithub.results}}',
    );
  });

  it('two names that differed only in capitals inside a word now share a key: an error', () => {
    const text = exported(
      `${logStep('Get RunResult', '            type: value\n            value: one\n')}${logStep(
        'Get Runresult',
        '            type: value\n            value: two\n',
      )}`,
    );
    expect(problemsOf(text).map((problem) => problem.message)).toEqual([
      "step of flow 'Main' 'Get Runresult' has the same key 'getRunresult' as 'Get RunResult'; rename one of them",
    ]);
  });
});

describe('fields Weft does not know', () => {
  const withUnknownFields = exported(
    `${logStep(
      'Log It',
      '            type: value\n            value: hello\n            tracing: {sample: 0.5}\n',
    ).replace(
      '        name: Log It\n',
      '        name: Log It\n        retryPolicyHint:\n          strategy: none\n',
    )}`,
    {
      flow: '    isAgentFlow: false\n    toolApproval:\n      mode: always\n      reviewers: [ops]\n',
      top: 'marketplaceListing:\n  featured: true\n',
      configVars: `  - dataType: string
    defaultValue: ""
    description: ""
    key: Region
    orgOnly: false
    visibleWhen: {field: Base URL}
`,
    },
  ).replace('  - elements: []\n    name: Setup\n', '  - elements: []\n    name: Setup\n    icon: gear\n');

  it('is a warning at its line and column, saying it is kept but has no effect', () => {
    const { warnings } = parsed(withUnknownFields);
    expect(
      warnings.map((warning) => [warning.code, warning.severity, warning.path, warning.line, warning.column]),
    ).toEqual(
      [
        ['configPages[0].icon', 'icon: gear'],
        ['flows[0].toolApproval', 'toolApproval:'],
        ['flows[0].steps[1].inputs.message.tracing', 'tracing:'],
        ['flows[0].steps[1].retryPolicyHint', 'retryPolicyHint:'],
        ['marketplaceListing', 'marketplaceListing:'],
        ['requiredConfigVars[1].visibleWhen', 'visibleWhen:'],
      ]
        .map(([path, token]) => {
          const { line, column } = positionOf(withUnknownFields, token as string);
          return ['FIELD_UNKNOWN', 'warning', path, line, column] as const;
        })
        .sort((a, b) => a[3] - b[3] || a[4] - b[4]),
    );
    expect(formatProblem(warnings.find((warning) => warning.path === 'flows[0].toolApproval') as never)).toBe(
      `export.yml:${positionOf(withUnknownFields, 'toolApproval:').line}:5: warning: field 'toolApproval' in a flow is not one Weft knows; it is kept (export writes it back) but has no effect`,
    );
  });

  it('is kept on the model and written back in place on export', () => {
    const { integration } = parsed(withUnknownFields);
    expect(integration.extraFields).toEqual({ marketplaceListing: { featured: true } });
    expect(integration.configPages[0]?.extraFields).toEqual({ icon: 'gear' });
    expect(integration.configVars[1]?.extraFields).toEqual({ visibleWhen: { field: 'Base URL' } });
    const flow = integration.flows[0];
    expect(flow?.extraFields).toEqual({ toolApproval: { mode: 'always', reviewers: ['ops'] } });
    expect(flow?.isAgentFlow).toBe(false);
    expect(flow?.steps[0]?.extraFields).toEqual({ retryPolicyHint: { strategy: 'none' } });
    expect(flow?.steps[0]?.inputs.message?.extraFields).toEqual({ tracing: { sample: 0.5 } });

    const text = exportIntegrationYaml(integration);
    // In place: each field in the mapping it came from.
    expect(text).toMatch(/\n {4}toolApproval:\n {6}mode: always\n {6}reviewers:\n {8}- ops\n/);
    expect(text).toMatch(/\n {8}retryPolicyHint:\n {10}strategy: none\n/);
    expect(text).toMatch(/message:\n {12}type: value\n {12}value: hello\n {12}tracing:\n {14}sample: 0.5\n/);
    expect(text).toMatch(/\nmarketplaceListing:\n {2}featured: true\n/);
    const again = parsed(text);
    expect(again.integration).toEqual(integration);
    expect(again.warnings.map((warning) => warning.path).sort()).toEqual(
      parsed(withUnknownFields)
        .warnings.map((warning) => warning.path)
        .sort(),
    );
  });

  it('is kept inside nested settings too: schedule meta, errorConfig, triggerResolver, component references', () => {
    const text = `definitionVersion: 7
name: Nested
flows:
  - name: Poll
    triggerResolver: {batchSize: 200, concurrentBatchLimit: 1, enabled: true, strategy: cursor}
    steps:
      - name: Every Hour
        isTrigger: true
        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true, channel: beta}}
        schedule: {type: value, value: "0 * * * *", meta: {scheduleType: hour, timeZone: "", jitter: 5}}
      - name: Log It
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs: {message: {type: value, value: hi}}
        errorConfig: {errorHandlerType: ignore, notify: true}
`;
    const { integration, warnings } = parsed(text);
    expect(warnings.map((warning) => warning.path)).toEqual([
      'flows[0].triggerResolver.strategy',
      'flows[0].steps[0].action.component.channel',
      'flows[0].steps[0].schedule.meta.jitter',
      'flows[0].steps[1].errorConfig.notify',
    ]);
    const flow = integration.flows[0];
    expect(flow?.triggerResolver).toEqual({
      batchSize: 200,
      concurrentBatchLimit: 1,
      enabled: true,
      extraFields: { strategy: 'cursor' },
    });
    expect(flow?.trigger.action.component.extraFields).toEqual({ channel: 'beta' });
    expect(flow?.schedule?.metaExtraFields).toEqual({ jitter: 5 });
    expect(flow?.steps[0]?.errorConfig?.extraFields).toEqual({ notify: true });
    expect(parsed(exportIntegrationYaml(integration)).integration).toEqual(integration);
  });

  it('a near miss of a known field stays an error, with the known name', () => {
    const typo = exported(logStep('Log It', '            type: value\n            value: hi\n')).replace(
      '        description: ""\n        inputs:\n          level:',
      '        descripton: ""\n        inputs:\n          level:',
    );
    const problems = problemsOf(typo);
    expect(problems.map((problem) => [problem.code, problem.severity, problem.message])).toEqual([
      ['FIELD_UNKNOWN', 'error', "unknown field 'descripton' in a step — did you mean 'description'?"],
    ]);
    expect(parse(typo).ok).toBe(false);
  });

  it('renameAttributes, which is applied and not kept, ignores fields it does not know', () => {
    const text = exported('', {
      top: 'renameAttributes:\n  flows:\n    - {oldName: Old Main, newName: Main, reason: tidy}\n',
    });
    const { warnings } = parsed(text);
    expect(warnings.map((warning) => warning.message)).toEqual([
      "field 'reason' in a rename is not one Weft knows; it is ignored",
    ]);
  });
});

describe('flow fields of newer exports', () => {
  it('reads isAgentFlow, triggerResolver, organizationApiKeys and schemas, and checks their types', () => {
    const { integration } = parsed(
      readFileSync(join(corpusDir, 'batch-polling-agent-tools.yml'), 'utf8'),
      false,
    );
    const [polling, getIncidents, createIncident] = integration.flows;
    expect(polling?.isAgentFlow).toBe(false);
    expect(polling?.triggerResolver).toEqual({ batchSize: 200, concurrentBatchLimit: 1, enabled: true });
    expect(polling?.schedule).toEqual({ type: 'value', value: '', scheduleType: 'once', timeZone: '' });
    expect(flowSchema(getIncidents as never, 'invoke')).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      properties: {},
      title: 'GetIncidents',
      type: 'object',
    });
    expect(flowSchema(createIncident as never, 'invoke')?.required).toEqual(['title', 'priority']);
    expect(flowSchema(polling as never, 'invoke')).toBeUndefined();

    const bad = exported('', {
      flow: '    isAgentFlow: sometimes\n    organizationApiKeys: key-1\n    triggerResolver: {batchSize: 0}\n',
    });
    expect(problemsOf(bad).map((problem) => problem.message)).toEqual([
      "'isAgentFlow' must be true or false, not the text 'sometimes'",
      "'organizationApiKeys' must be a list, not the text 'key-1'",
      "'batchSize' must be a whole number of at least 1, not 0",
    ]);
  });

  it('keeps schemas of any shape as JSON', () => {
    for (const [yaml, value] of [
      ['    schemas:\n      - name: invoke\n        type: object\n', [{ name: 'invoke', type: 'object' }]],
      ['    schemas: none\n', 'none'],
      [
        '    schemas: {invoke: {type: object}, result: {type: array}}\n',
        { invoke: { type: 'object' }, result: { type: 'array' } },
      ],
    ] as const) {
      const { integration } = parsed(exported('', { flow: yaml }));
      expect(integration.flows[0]?.schemas).toEqual(value);
      expect(parsed(exportIntegrationYaml(integration)).integration).toEqual(integration);
    }
  });

  it('warns that organizationApiKeys have no effect unless the flow is secured by organization', () => {
    const text = exported('', { flow: '    organizationApiKeys: [key-1]\n' });
    expect(problemsOf(text).map((problem) => [problem.code, problem.severity, problem.message])).toEqual([
      [
        'FLOW_CONFIG_INVALID',
        'warning',
        "flow 'Main' lists organizationApiKeys, but its endpointSecurityType is 'customer_optional'; the keys are used only with endpointSecurityType 'organization'",
      ],
    ]);
    const secured = exported('', { flow: '    organizationApiKeys: [key-1]\n' }).replace(
      'endpointSecurityType: customer_optional',
      'endpointSecurityType: organization',
    );
    expect(parsed(secured).integration.flows[0]?.organizationApiKeys).toEqual(['key-1']);
    expect(parsed(secured).warnings).toEqual([]);
  });

  it('reads triggers that branch, OData-style input names, and references into them', () => {
    const trigger = `      - action:
          key: webhook
          component:
            isPublic: true
            key: acme-events
            version: 12
        branches:
          - name: Notification
            steps:
              - action:
                  key: listChanges
                  component:
                    isPublic: true
                    key: acme-events
                    version: 12
                description: ""
                inputs:
                  $expand:
                    type: value
                    value: fields
                  $top:
                    type: reference
                    value: acmeEventTrigger.results.body.data.value[0].top
                  connection:
                    type: configVar
                    value: ""
                name: List Changes
          - name: URL Verify
            steps: []
        description: ""
        inputs:
          signingSecret:
            type: value
            value: ""
        isTrigger: true
        name: Acme Event Trigger
`;
    const text = exported(
      logStep(
        'Log Change',
        '            type: template\n            value: "{{$listChanges.results.items[0].id}} {{$acmeEventTrigger.results.headers.X-Acme-Event}}"\n',
      ),
      { trigger },
    );
    const { integration, warnings } = parsed(text);
    expect(warnings).toEqual([]);
    const flow = integration.flows[0];
    expect(flow?.trigger.branches?.map((branch) => branch.name)).toEqual(['Notification', 'URL Verify']);
    expect(flow && [...walkSteps(flow)].map((step) => step.key)).toEqual([
      'acmeEventTrigger',
      'listChanges',
      'logChange',
    ]);
    expect(flow?.trigger.branches?.[0]?.steps[0]?.inputs.$expand).toEqual({ type: 'value', value: 'fields' });
    expect(parsed(exportIntegrationYaml(integration)).integration).toEqual(integration);

    // The trigger's branches are checked like any branch: names its trigger produces, references in scope.
    const wrongBranch = text.replace('- name: URL Verify', '- name: URL Verification');
    expect(problemsOf(wrongBranch).map((problem) => problem.message)).toEqual([
      "step 'Acme Event Trigger' has branch 'URL Verification', but its conditions only produce 'Notification', 'URL Verify'",
    ]);
    const webhookWithBranches = text.replace(
      '            key: acme-events\n            version: 12\n        branches:',
      '            key: webhook-triggers\n            version: LATEST\n        branches:',
    );
    expect(problemsOf(webhookWithBranches).map((problem) => problem.code)).toContain('VALUE_NOT_ALLOWED');
  });
});

describe('components the server does not have', () => {
  const slackStep = (name: string) => `      - action:
          key: postMessage
          component:
            isPublic: true
            key: slack
            version: 42
        description: ""
        inputs:
          connection:
            type: configVar
            value: Slack Connection
        name: ${name}
`;
  const slackConnection = `  - connection:
      key: oauth2
      component:
        isPublic: true
        key: slack
        version: LATEST
    dataType: connection
    description: ""
    key: Slack Connection
    orgOnly: false
`;

  it('are reported once each, with every user and the location of the first use', () => {
    const text = exported(`${slackStep('Post Alert')}${slackStep('Post Summary')}`, {
      configVars: slackConnection,
    }).replace('name: Export Test', `name: Export Test`);
    const problems = problemsOf(text);
    expect(problems.map((problem) => [problem.code, problem.line, problem.column])).toEqual([
      ['COMPONENT_UNKNOWN', positionOf(text, 'key: slack').line, positionOf(text, 'key: slack').column + 5],
    ]);
    expect(problems[0]?.message).toBe(
      "component 'slack' (versions 42, LATEST) is not on this server; it is used by step 'Post Alert' (flow 'Main'), step 'Post Summary' (flow 'Main') and config variable 'Slack Connection'. Publish it (`weft components:publish`), or, for a Prismatic open-source connector, build it from its source folder and publish it — see docs/components.md",
    );
  });

  it('a missing action of a component the server has is still reported per step', () => {
    const text = exported(
      `${logStep('Log One', '            type: value\n            value: a\n')}${logStep(
        'Log Two',
        '            type: value\n            value: b\n',
      )}`.replaceAll('key: writeLog', 'key: writeLogs'),
    );
    expect(problemsOf(text).map((problem) => [problem.code, problem.message])).toEqual([
      ['ACTION_UNKNOWN', "component 'log' has no action 'writeLogs' — did you mean 'writeLog'?"],
      ['ACTION_UNKNOWN', "component 'log' has no action 'writeLogs' — did you mean 'writeLog'?"],
    ]);
  });
});

describe('routing of shared and instance-specific endpoints', () => {
  /** An exported-style integration with one webhook flow per name, and the given integration-level fields. */
  function routed(endpointType: string, flowNames: string[], fields = ''): string {
    const flows = flowNames
      .map(
        (name) => `  - description: ""
    endpointSecurityType: unsecured
    isSynchronous: false
    name: ${name}
    steps:
${webhookTrigger(`${name} Trigger`)}`,
      )
      .join('');
    return `definitionVersion: 7
description: ""
endpointType: ${endpointType}
${fields}flows:
${flows}name: Routing Test
`;
  }
  const messages = (text: string) =>
    problemsOf(text).map((problem) => `${problem.severity}: ${problem.message}`);

  it('a shared endpoint needs to know the customer: externalCustomerIdField or a preprocess flow', () => {
    expect(messages(routed('shared_instance', ['Orders']))).toEqual([
      "error: endpointType 'shared_instance' gives every customer one URL, so the integration needs externalCustomerIdField (where the request carries the customer's external id, such as headers.x-customer-id) or preprocessFlowName (a flow that answers it)",
    ]);
    // Left empty, as an export leaves an unused field, it is not given either.
    const empty = 'externalCustomerIdField:\n  type: value\n  value: ""\n';
    expect(messages(routed('shared_instance', ['Orders'], empty))).toHaveLength(1);
  });

  it('a single-flow shared integration needs no flow name; several flows need flowNameField', () => {
    const customer = 'externalCustomerIdField:\n  type: value\n  value: headers.x-customer-id\n';
    expect(messages(routed('shared_instance', ['Orders'], customer))).toEqual([]);
    expect(messages(routed('shared_instance', ['Orders', 'Refunds'], customer))).toEqual([
      "error: endpointType 'shared_instance' routes each request to one of the flows 'Orders', 'Refunds', so the integration needs flowNameField (where the request names the flow, such as headers.x-flow) or preprocessFlowName (a flow that answers it)",
    ]);
    const flow = 'flowNameField:\n  type: value\n  value: headers.x-flow\n';
    expect(messages(routed('shared_instance', ['Orders', 'Refunds'], customer + flow))).toEqual([]);
  });

  it('an instance-specific endpoint without a flow name routes by path: a warning, not an error', () => {
    expect(messages(routed('instance_specific', ['Orders', 'Refunds']))).toEqual([
      "warning: endpointType 'instance_specific' with flows 'Orders', 'Refunds' and no flowNameField or preprocessFlowName: each request must name its flow in the first path segment after the token (/trigger/<token>/<Flow Name>)",
    ]);
    expect(messages(routed('instance_specific', ['Orders']))).toEqual([]);
  });

  it('a preprocess flow decides both; an empty preprocessFlowName means none', () => {
    expect(
      messages(routed('shared_instance', ['Router', 'Orders', 'Refunds'], 'preprocessFlowName: Router\n')),
    ).toEqual([]);
    const { integration } = parsed(
      routed(
        'instance_specific',
        ['Orders'],
        'flowNameField:\n  type: value\n  value: ""\npreprocessFlowName: ""\n',
      ),
    );
    expect(integration.preprocessFlowName).toBeUndefined();
  });
});
