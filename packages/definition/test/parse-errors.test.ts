import { describe, expect, it } from 'vitest';
import {
  type DefinitionProblemCode,
  definitionProblemCodes,
  formatProblem,
  parseIntegrationYaml,
} from '../src/index.js';
import { testCatalog } from './support/test-catalog.js';

const trigger = `      - name: Trigger
        isTrigger: true
        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}
`;

/** A one-flow definition whose steps (indented six spaces) follow a webhook trigger. */
function definition(steps: string, { top = '', flow = '', configVars = '' } = {}): string {
  return `definitionVersion: 7
name: Test Integration
${top}requiredConfigVars:
  - key: Base URL
    dataType: string
  - key: Every Hour
    dataType: schedule
    defaultValue: "0 * * * *"
${configVars}flows:
  - name: Main
${flow}    steps:
${trigger}${steps}`;
}

const getData = `      - name: Get Data
        action: {key: httpGet, component: {key: http, version: LATEST, isPublic: true}}
        inputs:
          url: {type: value, value: "https://example.test"}
`;

/** 1-based line and column of the first occurrence of `token` (or of its `occurrence`-th one). */
function positionOf(text: string, token: string, occurrence = 1): { line: number; column: number } {
  let index = -1;
  for (let seen = 0; seen < occurrence; seen += 1) {
    index = text.indexOf(token, index + 1);
    if (index < 0) throw new Error(`token ${token} not in the test document`);
  }
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}

interface Case {
  title: string;
  yaml: string;
  code: DefinitionProblemCode;
  at: string;
  occurrence?: number;
  message: RegExp;
}

const cases: Case[] = [
  {
    title: 'broken YAML indentation',
    yaml: 'definitionVersion: 7\nname: [Broken\nflows: []\n',
    code: 'YAML_SYNTAX',
    at: 'flows',
    message: /Flow sequence/,
  },
  {
    title: 'a key given twice',
    yaml: 'definitionVersion: 7\nname: A\nname: B\nflows: []\n',
    code: 'YAML_SYNTAX',
    at: 'name: B',
    message: /unique/,
  },
  {
    title: 'an old definition version',
    yaml: definition(getData).replace('definitionVersion: 7', 'definitionVersion: 6'),
    code: 'DEFINITION_VERSION_UNSUPPORTED',
    at: '6',
    message: /definitionVersion 6 is not supported; Weft reads definitionVersion: 7/,
  },
  {
    title: 'a misspelled flow field',
    yaml: definition(getData, { flow: '    isSyncronous: true\n' }),
    code: 'FIELD_UNKNOWN',
    at: 'isSyncronous',
    message: /unknown field 'isSyncronous' in a flow — did you mean 'isSynchronous'\?/,
  },
  {
    title: 'a step without an action',
    yaml: definition('      - name: Lonely\n        inputs: {}\n'),
    code: 'FIELD_REQUIRED',
    at: 'name: Lonely',
    message: /a step is missing 'action'/,
  },
  {
    title: 'labels that are not a list',
    yaml: definition(getData, { top: 'labels: storage\n' }),
    code: 'FIELD_TYPE',
    at: 'storage',
    message: /'labels' must be a list, not the text 'storage'/,
  },
  {
    title: 'a boolean that is not one',
    yaml: definition(getData, { flow: '    isSynchronous: maybe\n' }),
    code: 'FIELD_TYPE',
    at: 'maybe',
    message: /'isSynchronous' must be true or false/,
  },
  {
    title: 'a misspelled endpoint security type',
    yaml: definition(getData, { flow: '    endpointSecurityType: customer_requird\n' }),
    code: 'VALUE_NOT_ALLOWED',
    at: 'customer_requird',
    message: /'endpointSecurityType' cannot be 'customer_requird' — did you mean 'customer_required'\?/,
  },
  {
    title: 'an unknown input type',
    yaml: definition(getData.replace('{type: value, value: "https', '{type: literal, value: "https')),
    code: 'VALUE_NOT_ALLOWED',
    at: 'literal',
    message: /'type' cannot be 'literal'/,
  },
  {
    title: 'two steps with the same camelCase key',
    yaml: definition(getData + getData.replace('Get Data', 'get-data')),
    code: 'NAME_DUPLICATE',
    at: 'get-data',
    message: /'get-data' has the same key 'getData' as 'Get Data'/,
  },
  {
    title: 'two flows with the same name',
    yaml: definition(getData).replace(
      'flows:\n',
      `flows:\n  - name: Main\n    steps:\n${trigger.replace('Trigger', 'Other Trigger')}`,
    ),
    code: 'NAME_DUPLICATE',
    at: 'Main',
    occurrence: 2,
    message: /flow 'Main' is defined twice/,
  },
  {
    title: 'a first step that is an action',
    yaml: definition(getData).replace(trigger, ''),
    code: 'FLOW_TRIGGER_MISSING',
    at: 'httpGet',
    message: /first step, so it must be a trigger, but 'http.httpGet' is an action/,
  },
  {
    title: 'a trigger after the first step',
    yaml: definition(`${getData}        isTrigger: true\n`),
    code: 'FLOW_TRIGGER_MISSING',
    at: 'true',
    occurrence: 4,
    message: /step 'Get Data' is marked isTrigger but is not its flow's first step/,
  },
  {
    title: 'a flow without steps',
    yaml: 'definitionVersion: 7\nname: X\nflows:\n  - name: Empty\n    steps: []\n',
    code: 'FLOW_TRIGGER_MISSING',
    at: '[]',
    message: /flow 'Empty' has no steps/,
  },
  {
    title: 'an unknown component',
    yaml: definition(getData.replace('key: http,', 'key: htpp,')),
    code: 'COMPONENT_UNKNOWN',
    at: 'htpp',
    message:
      /component 'htpp' \(version LATEST\) is not on this server — did you mean 'http'\? It is used by step 'Get Data' \(flow 'Main'\)/,
  },
  {
    title: 'a component version that does not exist',
    yaml: definition(getData.replace('key: http, version: LATEST', 'key: http, version: 7')),
    code: 'COMPONENT_UNKNOWN',
    at: '7,',
    message: /version 7 of component 'http', which does not exist \(versions: 1, 2, or LATEST\)/,
  },
  {
    title: 'an unknown action',
    yaml: definition(getData.replace('key: httpGet', 'key: httpGett')),
    code: 'ACTION_UNKNOWN',
    at: 'httpGett',
    message: /component 'http' has no action 'httpGett' — did you mean 'httpGet'\?/,
  },
  {
    title: 'a trigger used as a step',
    yaml: definition(
      '      - name: Again\n        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}\n',
    ),
    code: 'ACTION_UNKNOWN',
    at: 'webhook',
    occurrence: 3,
    message: /'webhook-triggers.webhook' is a trigger; it can only be a flow's first step/,
  },
  {
    title: 'an unknown input',
    yaml: definition(`${getData}          urll: {type: value, value: x}\n`),
    code: 'INPUT_UNKNOWN',
    at: 'urll',
    message: /step 'Get Data' gives input 'urll', which http.httpGet does not take — did you mean 'url'\?/,
  },
  {
    title: 'a required input left out',
    yaml: definition(
      getData.replace(
        '          url: {type: value, value: "https://example.test"}\n',
        '          timeout: {type: value, value: "5"}\n',
      ),
    ),
    code: 'INPUT_REQUIRED',
    at: 'Get Data',
    message: /step 'Get Data' \(http.httpGet\) needs input 'url' \(URL\)/,
  },
  {
    title: 'a required input left empty',
    yaml: definition(getData.replace('value: "https://example.test"', 'value: ""')),
    code: 'INPUT_REQUIRED',
    at: 'url:',
    message: /needs input 'url'/,
  },
  {
    title: 'a number input given words',
    yaml: definition(`${getData}          timeout: {type: value, value: ten}\n`),
    code: 'INPUT_VALUE_INVALID',
    at: 'ten',
    message: /input 'timeout' of step 'Get Data' expects a number, got "ten"/,
  },
  {
    title: 'a picklist input outside its choices',
    yaml: definition(`${getData}          responseType: {type: value, value: jsno}\n`),
    code: 'INPUT_VALUE_INVALID',
    at: 'jsno',
    message: /input 'responseType' of step 'Get Data' cannot be 'jsno' — did you mean 'json'\?/,
  },
  {
    title: 'a misspelled step in a reference',
    yaml: definition(
      `${getData.replace('Get Data', 'List Files')}      - name: Log
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          message: {type: reference, value: listFile.results}
`,
    ),
    code: 'REFERENCE_UNKNOWN_STEP',
    at: 'listFile.results',
    message: /^unknown step 'listFile' in reference 'listFile.results' — did you mean 'listFiles'\?$/,
  },
  {
    title: 'a reference without .results',
    yaml: definition(
      `${getData}      - name: Log
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          message: {type: reference, value: getData.result.body}
`,
    ),
    code: 'REFERENCE_INVALID',
    at: 'getData.result.body',
    message: /must continue with '.results'/,
  },
  {
    title: 'a reference to a later step',
    yaml: definition(
      `      - name: Log
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          message: {type: reference, value: getData.results}
${getData}`,
    ),
    code: 'REFERENCE_NOT_YET_RUN',
    at: 'getData.results',
    message: /'Get Data' runs later/,
  },
  {
    title: 'a reference into a loop from after it',
    yaml: definition(
      `      - name: Each
        action: {key: loopOverItems, component: {key: loop, version: LATEST, isPublic: true}}
        inputs:
          items: {type: reference, value: trigger.results.body.data}
        steps:
${getData.replace(/^ {6}/gm, '          ')}      - name: Log
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          message: {type: reference, value: getData.results}
`,
    ),
    code: 'REFERENCE_OUT_OF_SCOPE',
    at: 'getData.results',
    message: /'Get Data' runs inside loop 'Each'.*refer to 'each.results' instead/,
  },
  {
    title: 'a loop item used outside its loop',
    yaml: definition(
      `      - name: Each
        action: {key: loopOverItems, component: {key: loop, version: LATEST, isPublic: true}}
        inputs:
          items: {type: reference, value: trigger.results.body.data}
        steps: []
      - name: Log
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          message: {type: reference, value: each.currentItem}
`,
    ),
    code: 'REFERENCE_OUT_OF_SCOPE',
    at: 'each.currentItem',
    message: /currentItem exists only for steps inside loop 'Each'/,
  },
  {
    title: 'an unknown config variable',
    yaml: definition(
      getData.replace('{type: value, value: "https://example.test"}', '{type: configVar, value: Base Url}'),
    ),
    code: 'CONFIG_VAR_UNKNOWN',
    at: 'Base Url',
    message:
      /names config variable 'Base Url', which the integration does not declare — did you mean 'Base URL'\?/,
  },
  {
    title: 'a template config variable that does not exist',
    yaml: definition(
      getData.replace(
        '{type: value, value: "https://example.test"}',
        '{type: template, value: "{{#Base}}/x"}',
      ),
    ),
    code: 'CONFIG_VAR_UNKNOWN',
    at: '"{{#Base}}',
    message: /config variable 'Base'/,
  },
  {
    title: 'an unclosed template placeholder',
    yaml: definition(
      getData.replace(
        '{type: value, value: "https://example.test"}',
        '{type: template, value: "{{#Base URL/x"}',
      ),
    ),
    code: 'TEMPLATE_INVALID',
    at: '"{{#Base',
    message: /opens '\{\{' without closing it/,
  },
  {
    title: 'a schedule that uses a string config variable',
    yaml: definition(getData).replace(
      '        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}\n',
      '        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true}}\n        schedule: {type: configVar, value: Base URL}\n',
    ),
    code: 'CONFIG_VAR_WRONG_TYPE',
    at: 'Base URL}',
    message: /uses config variable 'Base URL', which is a string, not a schedule/,
  },
  {
    title: 'an invalid cron expression',
    yaml: definition(getData).replace(
      '        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}\n',
      '        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true}}\n        schedule: {type: value, value: "61 * * * *"}\n',
    ),
    code: 'CRON_INVALID',
    at: '"61',
    message: /the schedule of flow 'Main' is invalid: .*minute/,
  },
  {
    title: 'an unknown time zone',
    yaml: definition(getData).replace(
      '        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}\n',
      '        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true}}\n        schedule: {type: value, value: "0 9 * * 1", meta: {timeZone: Europe/Pariss}}\n',
    ),
    code: 'TIMEZONE_INVALID',
    at: 'Europe/Pariss',
    message: /'Europe\/Pariss', which is not an IANA time zone name — did you mean 'Europe\/Paris'\?/,
  },
  {
    title: 'an unknown condition operator',
    yaml: definition(
      `      - name: Check
        action: {key: branchOnExpression, component: {key: branch, version: LATEST, isPublic: true}}
        inputs:
          conditions:
            type: complex
            value:
              - name: Big
                type: complex
                value: [and, [greaterThen, {type: reference, value: trigger.results.body.data.size}, {type: value, value: "10"}]]
        branches:
          - name: Big
            steps: []
          - name: Else
            steps: []
`,
    ),
    code: 'CONDITION_INVALID',
    at: 'greaterThen',
    message: /unknown condition operator 'greaterThen' — did you mean 'greaterThan'\?/,
  },
  {
    title: 'a comparison with one operand',
    yaml: definition(
      `      - name: Check
        action: {key: branchOnExpression, component: {key: branch, version: LATEST, isPublic: true}}
        inputs:
          conditions:
            type: complex
            value:
              - name: Big
                type: complex
                value: [and, [equal, {type: value, value: "10"}]]
        branches:
          - name: Big
            steps: []
`,
    ),
    code: 'CONDITION_INVALID',
    at: 'equal',
    message: /'equal' in step 'Check' compares two values, but is given 1 operand/,
  },
  {
    title: 'a branch no condition produces',
    yaml: definition(
      `      - name: Check
        action: {key: branchOnExpression, component: {key: branch, version: LATEST, isPublic: true}}
        inputs:
          conditions:
            type: complex
            value:
              - name: Big
                type: complex
                value: [and, [isTrue, {type: value, value: "true"}]]
        branches:
          - name: Bigg
            steps: []
`,
    ),
    code: 'BRANCH_INVALID',
    at: 'Bigg',
    message: /has branch 'Bigg', but its conditions only produce 'Else', 'Big' — did you mean 'Big'\?/,
  },
  {
    title: 'a rename to a name the definition does not have',
    yaml: definition(getData, {
      top: 'renameAttributes:\n  flows:\n    - oldName: Old Main\n      newName: Mian\n',
    }),
    code: 'RENAME_INVALID',
    at: 'Mian',
    message: /renames to flow 'Mian', which this definition does not have/,
  },
  {
    title: 'a FIFO queue on a scheduled flow',
    yaml: definition(getData, { flow: '    queueConfig: {usesFifoQueue: true}\n' }).replace(
      '        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}\n',
      '        action: {key: schedule, component: {key: schedule-triggers, version: LATEST, isPublic: true}}\n        schedule: {type: value, value: "0 * * * *"}\n',
    ),
    code: 'FLOW_CONFIG_INVALID',
    at: '{usesFifoQueue',
    message: /has a schedule and usesFifoQueue/,
  },
  {
    title: "a synchronous flow whose trigger declares synchronousResponseSupport 'invalid'",
    yaml: definition(getData, { flow: '    isSynchronous: true\n' }).replace(
      '        action: {key: webhook, component: {key: webhook-triggers, version: LATEST, isPublic: true}}\n',
      '        action: {key: eventWebhook, component: {key: repo-events, version: LATEST, isPublic: false}}\n',
    ),
    code: 'TRIGGER_NOT_SYNCHRONOUS',
    at: '{key: eventWebhook',
    message:
      /flow 'Main' is synchronous \(isSynchronous: true\), but its trigger 'repo-events.eventWebhook' declares synchronousResponseSupport 'invalid'/,
  },
  {
    title: 'a retry config beyond its limits',
    yaml: definition(getData, { flow: '    retryConfig: {maxAttempts: 50, delayMinutes: 1}\n' }),
    code: 'VALUE_NOT_ALLOWED',
    at: '50',
    message: /'maxAttempts' must be a whole number from 0 to 10, not 50/,
  },
  {
    title: 'a connection input fed a string config variable',
    yaml: definition(`${getData}          connection: {type: configVar, value: Base URL}\n`),
    code: 'CONFIG_VAR_WRONG_TYPE',
    at: 'connection:',
    message: /needs a connection, but config variable 'Base URL' is a string/,
  },
  {
    title: 'a picklist config variable defaulting outside its choices',
    yaml: definition(getData, {
      configVars:
        '  - key: Mode\n    dataType: picklist\n    pickList: [fast, safe]\n    defaultValue: slow\n',
    }),
    code: 'VALUE_NOT_ALLOWED',
    at: 'slow',
    message: /config variable 'Mode' defaults to 'slow', which is not in its pickList \(fast, safe\)/,
  },
  {
    title: 'a config page naming a missing variable',
    yaml: definition(getData, {
      top: 'configPages:\n  - name: Setup\n    elements:\n      - {type: configVar, value: API Key}\n',
    }),
    code: 'CONFIG_VAR_UNKNOWN',
    at: 'API Key',
    message: /config page 'Setup' names config variable 'API Key'/,
  },
];

/** Problems that are warnings: the definition is accepted, and the warning points at the right place. */
const warningCases: Case[] = [
  {
    title: 'a reference to a step by the key Weft derived before',
    yaml: definition(
      `${getData.replace('Get Data', 'Get GitHub Data')}      - name: Log It
        action: {key: writeLog, component: {key: log, version: LATEST, isPublic: true}}
        inputs:
          message: {type: reference, value: getGitHubData.results.title}
`,
    ),
    code: 'REFERENCE_LEGACY_STEP_KEY',
    at: 'getGitHubData.results.title',
    message:
      /reference 'getGitHubData.results.title' names step 'Get GitHub Data' by its old key 'getGitHubData'; step keys now follow Prismatic's rule, which makes it 'getGithubData', so the reference is read as 'getGithubData.results.title' — write that instead/,
  },
  {
    title: 'a field of a newer export',
    yaml: definition(getData, { flow: '    isHighPriorityFlow: true\n' }),
    code: 'FIELD_UNKNOWN',
    at: 'isHighPriorityFlow',
    message:
      /field 'isHighPriorityFlow' in a flow is not one Weft knows; it is kept \(export writes it back\) but has no effect/,
  },
];

describe('warnings point at the right line and column, and the definition is accepted', () => {
  it.each(warningCases)('$title → $code', ({ yaml, code, at, occurrence, message }) => {
    const result = parseIntegrationYaml(yaml, { fileName: 'integration.yaml', catalog: testCatalog });
    expect(result.ok, result.ok ? '' : result.problems.map((p) => formatProblem(p)).join('\n')).toBe(true);
    const warnings = result.ok ? result.warnings : [];
    const warning = warnings.find((candidate) => candidate.code === code);
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toMatch(message);
    expect({ line: warning?.line, column: warning?.column }).toEqual(positionOf(yaml, at, occurrence));
  });
});

describe('every kind of mistake gets its own error at the right line and column', () => {
  it.each(cases)('$title → $code', ({ yaml, code, at, occurrence, message }) => {
    const result = parseIntegrationYaml(yaml, { fileName: 'integration.yaml', catalog: testCatalog });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    const problem = problems.find((candidate) => candidate.code === code);
    expect(
      problem,
      `problems were:\n${problems.map((p) => `${formatProblem(p)} [${p.code}]`).join('\n')}`,
    ).toBeDefined();
    expect(problem?.message).toMatch(message);
    expect({ line: problem?.line, column: problem?.column }).toEqual(positionOf(yaml, at, occurrence));
    expect(problem?.file).toBe('integration.yaml');
  });

  it('covers every problem code the package defines', () => {
    const covered = new Set([...cases, ...warningCases].map((entry) => entry.code));
    const untested = Object.keys(definitionProblemCodes).filter(
      (code) => !covered.has(code as DefinitionProblemCode) && code !== 'DOCUMENT_TOO_LARGE',
    );
    expect(untested).toEqual([]);
  });

  it('tolerates, with a warning, an input the action does not take when it is no near miss of one it does', () => {
    const yaml = definition(`${getData}          followRedirectsEverywhere: {type: value, value: "true"}\n`);
    const result = parseIntegrationYaml(yaml, { fileName: 'integration.yaml', catalog: testCatalog });
    expect(result.ok).toBe(true);
    const warnings = result.ok ? result.warnings : [];
    expect(warnings.map((warning) => [warning.code, warning.severity, warning.line])).toEqual([
      ['INPUT_UNKNOWN', 'warning', positionOf(yaml, 'followRedirectsEverywhere').line],
    ]);
    expect(formatProblem(warnings[0] as never)).toMatch(
      /: warning: step 'Get Data' gives input 'followRedirectsEverywhere', which http.httpGet does not take; it is ignored/,
    );
  });

  it('refuses a definition larger than the limit before reading it', () => {
    const result = parseIntegrationYaml(definition(getData), { maxBytes: 100 });
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.code)).toEqual(['DOCUMENT_TOO_LARGE']);
  });

  it('formats problems as FILE:LINE:COL: message', () => {
    const yaml = definition(getData.replace('key: httpGet', 'key: httpGett'));
    const result = parseIntegrationYaml(yaml, { fileName: 'sync.yaml', catalog: testCatalog });
    const lines = result.ok ? [] : result.problems.map((problem) => formatProblem(problem));
    const { line, column } = positionOf(yaml, 'httpGett');
    expect(lines).toEqual([
      `sync.yaml:${line}:${column}: component 'http' has no action 'httpGett' — did you mean 'httpGet'?`,
    ]);
  });
});
