import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';

/**
 * `weft run`: runs one flow of a definition in memory, without a server — for developing and debugging
 * integrations. Built-in components only; state lives in memory for the run (cross-flow calls share it).
 */
interface RunFlags {
  definition: string;
  flow: string;
  payload?: string;
  contentType?: string;
  config: string[];
  json?: boolean;
}

function collectConfig(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `Name=value`: the value as JSON when it parses (numbers, booleans, objects), else as text. */
function configValues(pairs: string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new CliError(`--config expects "Var Name=value", got '${pair}'`, 2);
    const raw = pair.slice(at + 1);
    try {
      values[pair.slice(0, at)] = JSON.parse(raw);
    } catch {
      values[pair.slice(0, at)] = raw;
    }
  }
  return values;
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description(
      'Run a flow of a YAML definition in memory (built-in components), printing each step as it runs',
    )
    .requiredOption('--definition <file>', 'the YAML definition')
    .requiredOption('--flow <name>', 'the flow to run')
    .option('--payload <file>', 'the trigger body (JSON files are parsed)')
    .option(
      '--content-type <type>',
      'content type of the payload (default: application/json for .json files)',
    )
    .option('--config <Name=value>', 'a config variable value; repeatable', collectConfig, [])
    .option('--json', 'print one JSON document with status, steps, logs and response')
    .action(async (flags: RunFlags, command: Command) => {
      const json = flags.json ?? command.optsWithGlobals().json;
      const [
        { createComponentCatalog, formatProblem, parseIntegrationYaml },
        { builtinCatalog, builtinComponent },
        engine,
      ] = await Promise.all([import('@weft/definition'), import('@weft/components'), import('@weft/engine')]);
      const parsed = parseIntegrationYaml(readText(flags.definition, 'definition'), {
        fileName: flags.definition,
        catalog: createComponentCatalog(builtinCatalog),
      });
      if (!parsed.ok) {
        for (const problem of parsed.problems) process.stderr.write(`${formatProblem(problem)}\n`);
        throw new CliError(`${flags.definition} is not a valid definition; nothing was run`);
      }
      const integration = parsed.integration;
      let trigger: { body: { data: unknown; contentType?: string } } | undefined;
      if (flags.payload) {
        const text = readText(flags.payload, 'payload');
        const contentType =
          flags.contentType ?? (flags.payload.endsWith('.json') ? 'application/json' : 'text/plain');
        let data: unknown = text;
        if (contentType.includes('json')) {
          try {
            data = JSON.parse(text);
          } catch (error) {
            throw new CliError(`the payload ${flags.payload} is not JSON: ${(error as Error).message}`);
          }
        }
        trigger = { body: { data, contentType } };
      }
      const state = new engine.MemoryState();
      const ports: import('@weft/engine').EnginePorts = {
        components: { load: async (ref) => builtinComponent(ref.key) },
        state,
        onStep: json
          ? undefined
          : (event) => {
              if (event.type === 'finished') {
                process.stdout.write(
                  `${event.status === 'failed' ? '✗' : '✓'} ${event.stepName} (${event.durationMs} ms) ${shortJson(event.result)}\n`,
                );
              }
            },
        log: json ? undefined : (entry) => process.stdout.write(`  [${entry.level}] ${entry.message}\n`),
      };
      const config = configValues(flags.config);
      ports.flows = {
        invoke: async (flowName, data, { depth }) => {
          const inner = await engine.runFlow({
            integration,
            flowName,
            trigger: { body: { data, contentType: 'application/json' } },
            configVars: config,
            ports,
            crossFlowDepth: depth,
          });
          if (inner.status !== 'succeeded')
            throw new Error(`flow '${flowName}' failed: ${inner.error?.message}`);
          return {
            status: inner.response?.statusCode ?? 200,
            headers: inner.response?.headers ?? {},
            data: inner.response?.body ?? null,
          };
        },
      };
      const result = await engine.runFlow({
        integration,
        flowName: flags.flow,
        trigger,
        configVars: config,
        ports,
      });
      if (json) {
        process.stdout.write(
          `${JSON.stringify({
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
            ? `Flow '${flags.flow}' succeeded in ${result.durationMs} ms.\n`
            : `Flow '${flags.flow}' ${result.status}: [${result.error?.code}] ${result.error?.message}\n`,
        );
      }
      process.exitCode = result.status === 'succeeded' ? 0 : 1;
    });
}
