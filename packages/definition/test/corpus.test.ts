import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  exportIntegrationYaml,
  formatProblem,
  type Integration,
  parseIntegrationYaml,
  walkSteps,
} from '../src/index.js';

const validDir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'valid');
const corpus = readdirSync(validDir)
  .filter((name) => name.endsWith('.yaml'))
  .map((name) => ({ name, text: readFileSync(join(validDir, name), 'utf8') }));

function parsed(text: string, previous?: Integration): Integration {
  const result = parseIntegrationYaml(text, { fileName: 'fixture.yaml', previous });
  if (!result.ok) throw new Error(result.problems.map((problem) => formatProblem(problem)).join('\n'));
  return result.integration;
}

describe('the corpus of valid definitions', () => {
  it.each(corpus)('$name imports, exports and imports again to the same model', ({ text }) => {
    const first = parsed(text);
    const exported = exportIntegrationYaml(first);
    expect(parsed(exported)).toEqual(first);
    expect(exportIntegrationYaml(parsed(exported))).toBe(exported);
  });

  it('reads every part of a definition into the model', () => {
    const every = parsed(readFileSync(join(validDir, 'every-feature.yaml'), 'utf8'));
    expect(every.endpointType).toBe('instance_specific');
    expect(new Set(every.configVars.map((configVar) => configVar.dataType))).toEqual(
      new Set([
        'string',
        'boolean',
        'number',
        'code',
        'picklist',
        'date',
        'timestamp',
        'schedule',
        'credential',
        'connection',
        'objectSelection',
        'objectFieldMap',
        'jsonForm',
      ]),
    );
    expect(every.configPages.find((page) => page.name === 'My Notifications')?.userLevelConfigured).toBe(
      true,
    );
    const poll = every.flows.find((flow) => flow.name === 'Poll Orders');
    expect(poll?.schedule).toEqual({
      type: 'configVar',
      value: 'Poll Schedule',
      scheduleType: 'custom',
      timeZone: 'Europe/Paris',
    });
    expect(poll?.queueConfig).toEqual({ usesFifoQueue: false, singletonExecutions: true });
    const steps = poll ? [...walkSteps(poll)] : [];
    expect(steps.map((step) => step.key)).toEqual([
      'everyTwoHours',
      'fetchPages',
      'getOrders',
      'stopWhenEmpty',
      'break',
      'eachOrder',
      'rememberOrder',
      'transform',
      'postOrder',
      'summary',
    ]);
    const getOrders = steps.find((step) => step.key === 'getOrders');
    expect(getOrders?.errorConfig).toEqual({
      errorHandlerType: 'retry',
      maxAttempts: 3,
      delaySeconds: 5,
      usesExponentialBackoff: true,
    });
    expect(getOrders?.inputs.queryParams).toEqual({
      type: 'complex',
      value: [
        { name: 'page', type: 'reference', value: 'fetchPages.index' },
        { name: { type: 'value', value: 'size' }, type: 'configVar', value: 'Page Size' },
      ],
    });
    const transform = steps.find((step) => step.key === 'transform');
    expect(transform?.inputs.code?.value).toContain('stepResults.eachOrder.currentItem');
    const route = every.flows.find((flow) => flow.name === 'Route Request');
    expect(route?.steps[0]?.branches?.map((branch) => branch.name)).toEqual(['Order', 'Refund', 'Else']);
    expect(route?.isSynchronous).toBe(true);
  });
});

describe('stable keys', () => {
  const text = readFileSync(join(validDir, 'file-sync.yaml'), 'utf8');

  it('are made for flows and config variables that have none, and kept when the same definition is imported again', () => {
    const first = parsed(text);
    expect(first.flows.every((flow) => flow.stableKey.length > 0)).toBe(true);
    const again = parsed(text, first);
    expect(again.flows.map((flow) => flow.stableKey)).toEqual(first.flows.map((flow) => flow.stableKey));
    expect(again.configVars.map((configVar) => configVar.stableKey)).toEqual(
      first.configVars.map((configVar) => configVar.stableKey),
    );
  });

  it('follow a flow and a config variable through renameAttributes', () => {
    const first = parsed(text);
    const renamed = text
      .replaceAll('Sync Files', 'Copy Files')
      .replaceAll('Acme API Base URL', 'Acme Base URL')
      .replace(
        'flows:\n',
        'renameAttributes:\n  flows:\n    - {oldName: Sync Files, newName: Copy Files}\n  requiredConfigVars:\n    - {oldName: Acme API Base URL, newName: Acme Base URL}\nflows:\n',
      );
    const second = parsed(renamed, first);
    const key = (integration: Integration, name: string) =>
      integration.flows.find((flow) => flow.name === name)?.stableKey;
    expect(key(second, 'Copy Files')).toBe(key(first, 'Sync Files'));
    expect(second.configVars.find((configVar) => configVar.key === 'Acme Base URL')?.stableKey).toBe(
      first.configVars.find((configVar) => configVar.key === 'Acme API Base URL')?.stableKey,
    );
    // Without renameAttributes a renamed flow is a new flow with a new identity.
    const third = parsed(text.replaceAll('Sync Files', 'Copy Files'), first);
    expect(key(third, 'Copy Files')).not.toBe(key(first, 'Sync Files'));
  });
});
