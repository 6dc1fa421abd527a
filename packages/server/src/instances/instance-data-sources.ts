import type { ConfigVar, Input } from '@weft/definition';
import { convertInput, Redactor, resolveInput } from '@weft/engine';
import type { ComponentInput } from '@weft/sdk';
import { ConnectionUnavailableError } from '../connections/connection-tokens.js';
import { instanceNotFound, WeftError } from '../errors.js';
import { checkConfigValues, configVarsOf } from './instance-config.js';
import { type InstanceRuntimeDeps, loadInstanceRuntime } from './instance-runtime.js';
import type { DataSourceAnswer } from './instance-schemas.js';

/**
 * Runs a config variable's data source for one instance, as a config wizard asks for it (the channels of the
 * customer's Slack workspace, the lists of their CRM account): with the instance's current config values and its
 * connections, in the same sandbox as the component's steps. Secrets the connections hold are masked in what it
 * answers.
 */

export type DataSourceDeps = InstanceRuntimeDeps;

export interface DataSourceOptions {
  /**
   * Values a config wizard has not saved yet, by variable name (null clears one), laid over the saved ones: a
   * data source on a later page may depend on a choice made on an earlier one. Checked like saved values;
   * connections are used as saved.
   */
  unsaved?: Record<string, unknown>;
}

/** Saved values (by name) with a wizard's unsaved ones laid over them, checked; INSTANCE_CONFIG_INVALID when one is wrong. */
function withUnsaved(
  integration: unknown,
  saved: Record<string, unknown>,
  unsaved: Record<string, unknown>,
): Record<string, unknown> {
  const { set, unset, problems } = checkConfigValues(integration, unsaved);
  const configVars = configVarsOf(integration);
  for (const configVar of configVars) {
    if (configVar.dataType === 'connection' && Object.hasOwn(unsaved, configVar.key)) {
      problems.push({
        configVar: configVar.key,
        message: `Connection '${configVar.key}' is used as saved: save its page before running a data source that uses it`,
      });
    }
  }
  if (problems.length > 0) {
    throw new WeftError(
      'INSTANCE_CONFIG_INVALID',
      problems.length === 1
        ? `${problems[0]?.message}.`
        : `${problems.length} unsaved config values are invalid: ${problems.map((p) => p.configVar).join(', ')}.`,
      { problems },
    );
  }
  const values = { ...saved };
  for (const configVar of configVars) {
    if (Object.hasOwn(set, configVar.stableKey)) values[configVar.key] = set[configVar.stableKey];
    else if (unset.includes(configVar.stableKey)) delete values[configVar.key];
  }
  return values;
}

/** How long a data source may take: a person is waiting in a wizard. */
const dataSourceTimeoutMs = 30_000;

export async function runInstanceDataSource(
  deps: DataSourceDeps,
  orgId: string,
  instanceId: string,
  configVarName: string,
  options: DataSourceOptions = {},
): Promise<DataSourceAnswer> {
  const runtime = await loadInstanceRuntime(deps, orgId, instanceId, 'configured');
  if (!runtime) throw instanceNotFound(instanceId);
  const configVars = configVarsOf(runtime.integration);
  const configVar = configVars.find((v) => v.key === configVarName || v.stableKey === configVarName);
  if (!configVar?.dataSource) {
    const withSources = configVars.filter((v) => v.dataSource).map((v) => v.key);
    throw new WeftError(
      'DATA_SOURCE_NOT_AVAILABLE',
      configVar
        ? `Config variable '${configVar.key}' has no data source.`
        : `The instance has no config variable '${configVarName}'.`,
      { configVarsWithDataSources: withSources },
    );
  }
  const ref = configVar.dataSource;
  const component = await runtime.components.load(ref.component);
  const dataSource = component?.dataSources[ref.key];
  if (!component || !dataSource) {
    throw failed(configVar, `its data source ${ref.component.key}/${ref.key} is not available`);
  }

  let values: Record<string, unknown>;
  let secrets: string[];
  try {
    ({ values, secrets } = await runtime.configValues());
  } catch (error) {
    if (error instanceof ConnectionUnavailableError) throw failed(configVar, error.message);
    throw error;
  }
  if (options.unsaved) values = withUnsaved(runtime.integration, values, options.unsaved);
  const redactor = new Redactor(secrets);

  let params: Record<string, unknown>;
  try {
    params = resolveParams(dataSource.inputs, configVar.inputs, values, configVar.key);
  } catch (error) {
    throw failed(configVar, redactor.text((error as Error).message));
  }

  const logs: DataSourceAnswer['logs'] = [];
  const write =
    (level: string) =>
    (...args: unknown[]) =>
      logs.push({
        level,
        message: redactor.text(
          args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '),
        ),
      });
  const context = {
    logger: {
      metric: write('metric'),
      trace: write('trace'),
      debug: write('debug'),
      info: write('info'),
      log: write('info'),
      warn: write('warn'),
      error: write('error'),
    },
    configVars: values,
    ...runtime.identity,
    instanceState: {},
    crossFlowState: {},
    executionState: {},
    integrationState: {},
    signal: AbortSignal.timeout(dataSourceTimeoutMs),
  };
  let outcome: { result?: unknown; supplementalData?: unknown } | undefined;
  try {
    outcome = (await dataSource.perform(context as never, params)) as typeof outcome;
  } catch (error) {
    const reason =
      error instanceof DOMException && error.name === 'TimeoutError'
        ? `it did not answer within ${dataSourceTimeoutMs / 1000} s`
        : (error as Error).message;
    throw failed(configVar, redactor.text(reason ?? String(error)));
  }
  return {
    configVar: configVar.key,
    dataSourceType: dataSource.dataSourceType,
    result: redactor.value(outcome?.result ?? null),
    ...(outcome?.supplementalData !== undefined
      ? { supplementalData: redactor.value(outcome.supplementalData) }
      : {}),
    logs,
  };
}

function failed(configVar: ConfigVar, reason: string): WeftError {
  return new WeftError('DATA_SOURCE_FAILED', `The data source of '${configVar.key}' failed: ${reason}.`, {
    configVar: configVar.key,
  });
}

/** An operation's inputs as given (values, config variable references) resolved against config values and converted. */
export function resolveParams(
  inputs: ComponentInput[],
  given: Record<string, Input> | undefined,
  configVars: Record<string, unknown>,
  label: string,
): Record<string, unknown> {
  const scope = { stepResults: new Map(), loops: new Map(), configVars };
  const params: Record<string, unknown> = {};
  for (const input of inputs) {
    const ref = given?.[input.key];
    const raw = ref ? resolveInput(ref, scope) : undefined;
    params[input.key] = convertInput(raw === undefined || raw === '' ? input.default : raw, input, label);
  }
  return params;
}
