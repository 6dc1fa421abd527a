import type { TriggerPayload } from '@weft/sdk';
import { componentManifest, invokeAction, invokeDataSource, invokeTrigger } from '@weft/sdk';
import { describe, expect, it } from 'vitest';
import { codeComponent } from '../src/components/code.js';
import { codeComponent as catalogEntry } from './fixtures/catalog/code.js';

const withoutLabels = (value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value, (key, inner) => (key === 'label' || key === 'description' ? undefined : inner)),
  );

describe('code component', () => {
  it('matches its catalog entry', () => {
    const manifest = componentManifest(codeComponent);
    expect(manifest.connections).toEqual({});
    // The JSON Forms data source Prismatic's exports use for `dataType: jsonForm` config variables.
    expect(Object.keys(manifest.dataSources ?? {})).toEqual(['runCodeJsonForm']);
    expect(manifest.dataSources?.runCodeJsonForm?.dataSourceType).toBe('jsonForm');
    expect(manifest.dataSources?.runCodeJsonForm?.inputs.map((input) => input.key)).toEqual([
      'code',
      'connection',
      'contextValue',
    ]);
    const { connections: _c, dataSources: _d, ...rest } = manifest;
    expect(withoutLabels(rest)).toEqual(withoutLabels(catalogEntry));
    expect(manifest.actions.runCode?.inputs[0]?.default).toBe(
      'module.exports = async ({ logger, configVars }, stepResults) => {\n  return { data: null };\n};',
    );
    expect(codeComponent.actions.runCode?.inputs[0]).toMatchObject({ type: 'code', language: 'javascript' });
  });

  it('runs the default template', async () => {
    const { result } = await invokeAction(codeComponent, 'runCode', {});
    expect(result).toEqual({ data: null });
  });

  it('uses configVars and stepResults, and logs reach the logger', async () => {
    const code = `module.exports = async ({ logger, configVars, customer }, stepResults) => {
  const users = stepResults.fetchUsers.results;
  logger.info(\`\${users.length} users for \${customer.name}\`);
  logger.warn('careful', { n: 1 });
  console.log('from console');
  const base = configVars['Acme ERP Base URL'];
  return { data: users.map((user) => ({ email: user.email, url: \`\${base}/users/\${user.id}\` })) };
};`;
    const { result, logs } = await invokeAction(codeComponent, 'runCode', { code }, {
      configVars: { 'Acme ERP Base URL': 'https://erp.example.test' },
      stepResults: {
        fetchUsers: {
          results: [
            { id: 1, email: 'a@example.test' },
            { id: 2, email: 'b@example.test' },
          ],
        },
      },
    } as never);
    expect(result).toEqual({
      data: [
        { email: 'a@example.test', url: 'https://erp.example.test/users/1' },
        { email: 'b@example.test', url: 'https://erp.example.test/users/2' },
      ],
    });
    expect(logs).toEqual([
      { level: 'info', message: '2 users for Test Customer' },
      { level: 'warn', message: 'careful {"n":1}' },
      { level: 'log', message: 'from console' },
    ]);
  });

  it('async/await, state and data come back intact', async () => {
    const data = {
      text: 'Grüße — 你好 — 🚀',
      numbers: [1, -2.5, 0, 1e-7, 2 ** 53 - 1],
      nested: { list: [{ a: [true, false, null] }], empty: {} },
    };
    const code = `const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
module.exports = async ({ executionState }, stepResults) => {
  await wait(5);
  const input = await Promise.resolve(stepResults.trigger.results.body.data);
  return { data: input, executionState: { ...executionState, seen: true }, statusCode: 201 };
};`;
    const { result } = await invokeAction(codeComponent, 'runCode', { code }, {
      executionState: { before: 1 },
      stepResults: { trigger: { results: { body: { data } } } },
    } as never);
    expect(result).toEqual({ data, executionState: { before: 1, seen: true }, statusCode: 201 });
  });

  it('wraps a value that is not a result object as data', async () => {
    const run = async (code: string) => (await invokeAction(codeComponent, 'runCode', { code })).result;
    expect(await run('module.exports = async () => "Did a thing";')).toEqual({ data: 'Did a thing' });
    expect(await run('module.exports = async () => 42;')).toEqual({ data: 42 });
    expect(await run('module.exports = async () => [1, 2];')).toEqual({ data: [1, 2] });
    expect(await run('module.exports = async () => ({ id: 7 });')).toEqual({ data: { id: 7 } });
    expect(await run('module.exports = async ({ logger }) => { logger.info("no return"); };')).toEqual({
      data: null,
    });
  });

  it('binary data comes back as a Buffer with its content type', async () => {
    const { result } = await invokeAction(codeComponent, 'runCode', {
      code: 'module.exports = async () => ({ data: new Uint8Array([37, 80, 68, 70]), contentType: "application/pdf" });',
    });
    expect(Buffer.isBuffer(result?.data)).toBe(true);
    expect(String(result?.data)).toBe('%PDF');
    expect(result?.contentType).toBe('application/pdf');
  });

  it('debug and invokeFlow are bridged to the real context', async () => {
    const marks: string[] = [];
    const calls: unknown[] = [];
    const { result } = await invokeAction(
      codeComponent,
      'runCode',
      {
        code: `module.exports = async (context) => {
  context.debug.timeElapsed.mark(context, 'start');
  const response = await context.invokeFlow('Other Flow', { n: 1 });
  return { data: { enabled: context.debug.enabled, response: response.data, executionId: context.executionId } };
};`,
      },
      {
        debug: {
          enabled: true,
          timeElapsed: { mark: (_context, label) => marks.push(label), measure: () => {} },
          memoryUsage: () => {},
          results: { timeElapsed: { marks: {}, measurements: {} }, allowedMemory: 0, memoryUsage: [] },
        },
        invokeFlow: async (flowName, data) => {
          calls.push([flowName, data]);
          return { status: 200, headers: {}, data: { ok: true } };
        },
      },
    );
    expect(result).toEqual({
      data: { enabled: true, response: { ok: true }, executionId: 'test-execution' },
    });
    expect(marks).toEqual(['start']);
    expect(calls).toEqual([['Other Flow', { n: 1 }]]);
  });

  it('errors are step errors with code and line; the signal cancels', async () => {
    const error = await invokeAction(codeComponent, 'runCode', {
      code: 'module.exports = async (context, stepResults) => {\n  return stepResults.missing.results;\n};',
    }).catch((e: Error & { code?: string }) => e);
    expect((error as { code?: string }).code).toBe('CODE_THREW');
    expect((error as Error).message).toMatch(/TypeError: .*\(line 2\)/);
    const noRequire = await invokeAction(codeComponent, 'runCode', {
      code: 'const _ = require("lodash");\nmodule.exports = async () => ({ data: 1 });',
    }).catch((e: Error) => e);
    expect((noRequire as Error).message).toContain("require('lodash') is not available in code steps");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const cancelled = await invokeAction(
      codeComponent,
      'runCode',
      { code: 'module.exports = () => new Promise((r) => setTimeout(r, 20_000));' },
      { signal: controller.signal } as never,
    ).catch((e: Error & { code?: string }) => e);
    expect((cancelled as { code?: string }).code).toBe('CODE_CANCELLED');
  });

  it('the trigger runs code with the payload', async () => {
    const payload = { body: { data: { hello: 'world' } }, headers: {} } as unknown as TriggerPayload;
    const template = await invokeTrigger(codeComponent, 'runCodeTrigger', payload, {
      code: codeComponent.triggers.runCodeTrigger?.inputs[0]?.default,
    });
    expect(template.result).toEqual({ payload });
    const changed = await invokeTrigger(codeComponent, 'runCodeTrigger', payload, {
      code: 'module.exports = async (context, payload) => ({ payload: { ...payload, body: { data: payload.body.data.hello.toUpperCase() } } });',
    });
    expect(changed.result?.payload.body.data).toBe('WORLD');
  });

  it('builds a JSON Forms config variable from code that sees the connection, the context value and configVars', async () => {
    const code = `module.exports = async ({ configVars, logger }, { connection, contextValue }) => {
  logger.info('building the form for ' + contextValue);
  const sheets = connection.fields.sheets.split(',');
  return {
    schema: { type: 'object', properties: { sheet: { type: 'string', oneOf: sheets.map((s) => ({ const: s, title: s.toUpperCase() })) } } },
    uiSchema: { type: 'VerticalLayout', elements: [{ type: 'Control', scope: '#/properties/sheet' }] },
    data: { sheet: configVars['Default Sheet'] },
  };
};`;
    const { result, logs } = await invokeDataSource(
      codeComponent,
      'runCodeJsonForm',
      {
        code,
        connection: { key: 'basic', configVarKey: 'Sheets', fields: { sheets: 'clean,raw' } },
        contextValue: 'folder-7',
      },
      { configVars: { 'Default Sheet': 'raw' } },
    );
    expect(result.result).toEqual({
      schema: {
        type: 'object',
        properties: {
          sheet: {
            type: 'string',
            oneOf: [
              { const: 'clean', title: 'CLEAN' },
              { const: 'raw', title: 'RAW' },
            ],
          },
        },
      },
      uiSchema: { type: 'VerticalLayout', elements: [{ type: 'Control', scope: '#/properties/sheet' }] },
      data: { sheet: 'raw' },
    });
    expect(logs).toEqual([{ level: 'info', message: 'building the form for folder-7' }]);
  });

  it('says what a JSON Forms code must return when it returns something else', async () => {
    await expect(
      invokeDataSource(codeComponent, 'runCodeJsonForm', { code: 'module.exports = async () => [1, 2];' }),
    ).rejects.toThrow(
      'the JSON Forms code must return { schema, uiSchema, data } (schema and uiSchema objects); it returned [1,2]',
    );
  });
});
