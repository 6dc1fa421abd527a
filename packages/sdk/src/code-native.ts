/**
 * The code-native authoring functions, named and shaped as Spectral's: write flows and config pages in
 * TypeScript, and `integration()` compiles them to a component plus the integration's YAML definition.
 */
import type { CodeNativeIntegration } from './component.js';
import type {
  ConfigPage,
  ConnectionConfigVar,
  DataSourceConfigVar,
  StandardConfigVar,
} from './config-vars.js';
import type { TriggerPayload } from './context.js';
import { convertIntegration } from './convert-integration.js';
import type { Flow, IntegrationDefinition } from './integration-definition.js';

/**
 * Compiles a code-native integration. The result is the component the platform runs (key `cni-<name slug>`, one
 * action per flow's `onExecution`, one trigger per flow with its own `onTrigger`/`onInstanceDeploy`/
 * `onInstanceDelete`, the integration's data sources and connections) with the integration's YAML definition in
 * `codeNativeIntegrationYAML`. Export it as the project's default export.
 *
 * Throws when the definition cannot be compiled (duplicate names or stable keys, a schedule naming a missing
 * variable, ...), with a message that says what to change.
 */
export function integration<T extends IntegrationDefinition = IntegrationDefinition>(
  definition: T,
): CodeNativeIntegration {
  return convertIntegration(definition);
}

/** Declares a flow; `context.configVars` in its functions is typed from the project's config pages. */
export function flow<
  TTriggerPayload extends TriggerPayload = TriggerPayload,
  T extends Flow<TTriggerPayload> = Flow<TTriggerPayload>,
>(definition: T): T {
  return definition;
}

/** Declares a config wizard page: its elements (config variables and HTML) in order. */
export function configPage<T extends ConfigPage = ConfigPage>(definition: T): T {
  return definition;
}

/** Declares a config variable of a plain data type (string, boolean, number, picklist, schedule, ...). */
export function configVar<T extends StandardConfigVar>(definition: T): T {
  return definition;
}

/** Declares a connection config variable: the fields a deployer fills in to connect to another app. */
export function connectionConfigVar<T extends ConnectionConfigVar = ConnectionConfigVar>(definition: T): T {
  return definition;
}

/** Declares a config variable whose choices a data source lists while the instance is configured. */
export function dataSourceConfigVar<T extends DataSourceConfigVar>(definition: T): T {
  return definition;
}
