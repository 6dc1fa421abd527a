import type { Component } from '@weft/sdk';
import type { Command } from 'commander';
import { CliError } from '../../cli-error.js';
import { collect } from '../../options.js';
import { configValues, payloadBody, readText } from './inputs.js';
import { localComponents } from './local-components.js';

/**
 * `weft run`: runs one flow of a definition in memory, without a server — for developing and debugging
 * integrations. Built-in components, plus custom components given with `--component` (a built bundle, or a
 * component project folder built first as `components:publish` builds it), whose code runs in sandbox processes as
 * on the server. State lives in memory for the run (cross-flow calls share it).
 */
interface RunFlags {
  definition?: string;
  flow?: string;
  payload?: string;
  contentType?: string;
  config: string[];
  component: string[];
  json?: boolean;
}

/** A step result's JSON on one line, cut at 300 characters. */
function shortJson(json: string | undefined): string {
  const text = json ?? 'undefined';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run [definition]')
    .description(
      'Run a flow of a YAML definition in memory (built-in components, and custom ones with --component), printing each step as it runs',
    )
    .option('--definition <file>', 'the YAML definition (or give it as the first argument)')
    .option('--flow <name>', 'the flow to run (may be left out when the definition has one flow)')
    .option('--payload <file>', 'the trigger body (JSON files are parsed)')
    .option(
      '--content-type <type>',
      'content type of the payload (default: application/json for .json files)',
    )
    .option('--config <Name=value>', 'a config variable value; repeatable', collect, [])
    .option(
      '--component <path>',
      'a custom component the flow uses: a built bundle (.cjs, .js) or a component project folder (built first); repeatable',
      collect,
      [],
    )
    .option('--json', 'print one JSON document with status, steps, logs and response')
    .action(async (definitionArgument: string | undefined, flags: RunFlags, command: Command) => {
      const json = flags.json ?? command.optsWithGlobals().json;
      if (definitionArgument && flags.definition && definitionArgument !== flags.definition) {
        throw new CliError(
          `two definitions given ('${definitionArgument}' and --definition '${flags.definition}'): give one`,
          2,
        );
      }
      const definitionFile = definitionArgument ?? flags.definition;
      if (!definitionFile) {
        throw new CliError('give the YAML definition to run: weft run FILE (or --definition FILE)', 2);
      }
      const [
        { createComponentCatalog, formatProblem, parseIntegrationYaml },
        { builtinCatalog, builtinComponent },
        engine,
      ] = await Promise.all([import('@weft/definition'), import('@weft/components'), import('@weft/engine')]);
      const definitionText = readText(definitionFile, 'definition');
      const custom = flags.component.length > 0 ? await localComponents(flags.component) : undefined;
      try {
        const parsed = parseIntegrationYaml(definitionText, {
          fileName: definitionFile,
          catalog: createComponentCatalog(builtinCatalog, custom?.manifests ?? []),
        });
        if (!parsed.ok) {
          for (const problem of parsed.problems) process.stderr.write(`${formatProblem(problem)}\n`);
          if (parsed.problems.some((problem) => problem.code === 'COMPONENT_UNKNOWN')) {
            process.stderr.write(
              'A custom component is run from its code: give its project folder or built bundle with --component PATH.\n',
            );
          }
          throw new CliError(`${definitionFile} is not a valid definition; nothing was run`);
        }
        await runParsed(parsed.integration, {
          flags,
          json: Boolean(json),
          engine,
          load: async (key) => builtinComponent(key) ?? custom?.byKey.get(key),
        });
      } finally {
        await custom?.close();
      }
    });
}

type Engine = typeof import('@weft/engine');
type Integration = Parameters<Engine['runFlow']>[0]['integration'];

/** The flow `--flow` names, or the definition's only flow. */
function flowToRun(integration: Integration, flow: string | undefined): string {
  if (flow !== undefined) return flow;
  const names = integration.flows.map((candidate) => candidate.name);
  if (names.length === 1 && names[0] !== undefined) return names[0];
  throw new CliError(
    `the definition has ${names.length} flows: name the one to run with --flow (${names.map((name) => `'${name}'`).join(', ')})`,
    2,
  );
}

async function runParsed(
  integration: Integration,
  options: {
    flags: RunFlags;
    json: boolean;
    engine: Engine;
    load: (key: string) => Promise<Component | undefined>;
  },
): Promise<void> {
  const { flags, json, engine } = options;
  const flowName = flowToRun(integration, flags.flow);
  let trigger: { body: { data: unknown; contentType?: string } } | undefined;
  if (flags.payload) trigger = { body: payloadBody(flags.payload, flags.contentType) };
  const state = new engine.MemoryState();
  const ports: import('@weft/engine').EnginePorts = {
    components: { load: (ref) => options.load(ref.key) },
    state,
    onStep: json
      ? undefined
      : (event) => {
          if (event.type === 'finished') {
            process.stdout.write(
              `${event.status === 'failed' ? '✗' : '✓'} ${event.stepName} (${event.durationMs} ms) ${shortJson(engine.binaryJson(event.result))}\n`,
            );
          }
        },
    log: json ? undefined : (entry) => process.stdout.write(`  [${entry.level}] ${entry.message}\n`),
  };
  const config = configValues(flags.config);
  ports.flows = {
    invoke: async (invoked, data, { depth }) => {
      const inner = await engine.runFlow({
        integration,
        flowName: invoked,
        trigger: { body: { data, contentType: 'application/json' } },
        configVars: config,
        ports,
        crossFlowDepth: depth,
      });
      if (inner.status !== 'succeeded') throw new Error(`flow '${invoked}' failed: ${inner.error?.message}`);
      return {
        status: inner.response?.statusCode ?? 200,
        headers: inner.response?.headers ?? {},
        data: inner.response?.body ?? null,
      };
    },
  };
  const result = await engine.runFlow({
    integration,
    flowName,
    trigger,
    configVars: config,
    ports,
  });
  if (json) {
    process.stdout.write(
      `${engine.binaryJson({
        status: result.status,
        ...(result.error ? { error: result.error } : {}),
        steps: result.steps,
        logs: result.logs,
        ...(result.response ? { response: result.response } : {}),
      })}\n`,
    );
  } else {
    process.stdout.write(
      result.status === 'succeeded'
        ? `Flow '${flowName}' succeeded in ${result.durationMs} ms.\n`
        : `Flow '${flowName}' ${result.status}: [${result.error?.code}] ${result.error?.message}\n`,
    );
  }
  process.exitCode = result.status === 'succeeded' ? 0 : 1;
}
