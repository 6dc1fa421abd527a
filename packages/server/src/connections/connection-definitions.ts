import type { CatalogConnection, CatalogInput } from '@weft/definition';
import { WeftError } from '../errors.js';
import { componentCatalog, type ExtraComponents } from '../integrations/component-catalog.js';
import type { OAuth2Settings } from './oauth2-client.js';

/**
 * What a connection asks for, from its component's catalog entry (built-in, or a code-native integration's own
 * component): inputs, which of them are secret (type `password`), templated inputs, and for OAuth 2.0 the grant and
 * the well-known inputs Prismatic names (authorizeUrl, tokenUrl, refreshUrl, scopes, clientId, clientSecret).
 */
export interface ConnectionDefinition extends CatalogConnection {
  componentKey: string;
}

export function findConnectionDefinition(
  componentKey: string,
  connectionKey: string,
  generated?: ExtraComponents,
): ConnectionDefinition | undefined {
  const connection = componentCatalog(generated).get(componentKey)?.connections?.[connectionKey];
  return connection ? { ...connection, componentKey } : undefined;
}

/** The definition a stored connection row names; CONNECTION_DEFINITION_NOT_FOUND when no component has it. */
export function definitionOf(
  row: { component_key: string; connection_key: string },
  generated?: ExtraComponents,
): ConnectionDefinition {
  const definition = findConnectionDefinition(row.component_key, row.connection_key, generated);
  if (!definition) {
    throw new WeftError(
      'CONNECTION_DEFINITION_NOT_FOUND',
      `No component defines connection ${row.component_key}/${row.connection_key}.`,
      { available: availableConnections(generated) },
    );
  }
  return definition;
}

/**
 * Input values to store: the given ones over the stored ones (null removes one, so secrets need not be sent
 * again), template inputs left to be computed afresh.
 */
export function mergeInputs(
  definition: ConnectionDefinition,
  stored: Record<string, unknown>,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stored };
  for (const input of definition.inputs) if (input.type === 'template') delete merged[input.key];
  for (const [name, value] of Object.entries(given)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

/** Every connection the catalog offers, for error messages that say what exists. */
export function availableConnections(generated?: ExtraComponents): string[] {
  const catalog = componentCatalog(generated);
  const names: string[] = [];
  for (const key of catalog.keys()) {
    for (const connection of Object.keys(catalog.get(key)?.connections ?? {}))
      names.push(`${key}/${connection}`);
  }
  return names.sort();
}

export function isSecretInput(input: CatalogInput): boolean {
  return input.type === 'password';
}

export function secretInputKeys(definition: ConnectionDefinition): string[] {
  return definition.inputs.filter(isSecretInput).map((input) => input.key);
}

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

/** `{{#domain}}` in a template input's value: the value of the input `domain`. */
function fillTemplate(template: string, fields: Record<string, unknown>): string {
  return template.replace(/\{\{#\s*([^}]+?)\s*\}\}/g, (_whole, name: string) => {
    const value = fields[name];
    return value === undefined || value === null ? '' : String(value);
  });
}

/**
 * The input values a connection runs with: the given ones over the integration's (config variable `inputs`) over
 * the definition's defaults, template inputs computed. Answers the problems instead when an input is unknown, has
 * the wrong type, or a required one is blank.
 */
export function connectionFields(
  definition: ConnectionDefinition,
  given: Record<string, unknown>,
  integrationValues: Record<string, unknown> = {},
): { fields: Record<string, unknown>; problems: string[] } {
  const problems: string[] = [];
  const known = new Map(definition.inputs.map((input) => [input.key, input]));
  for (const name of Object.keys(given)) {
    const input = known.get(name);
    if (!input) {
      problems.push(
        `'${name}' is not an input of connection ${definition.componentKey}/${definition.key} (inputs: ${[...known.keys()].join(', ') || 'none'})`,
      );
    } else if (input.type === 'template') {
      problems.push(
        `'${name}' is computed from the other inputs (${input.templateValue ?? ''}); do not set it`,
      );
    }
  }
  const fields: Record<string, unknown> = {};
  for (const input of definition.inputs) {
    if (input.type === 'template') continue;
    const value = !isBlank(given[input.key])
      ? given[input.key]
      : !isBlank(integrationValues[input.key])
        ? integrationValues[input.key]
        : input.default;
    if (
      value !== undefined &&
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'boolean' &&
      typeof value !== 'number'
    ) {
      problems.push(`'${input.key}' must be text, got ${Array.isArray(value) ? 'a list' : typeof value}`);
      continue;
    }
    if (isBlank(value)) {
      if (input.required) problems.push(`'${input.key}' (${input.label ?? input.key}) is required`);
      continue;
    }
    fields[input.key] = input.type === 'boolean' ? value === true || value === 'true' : value;
  }
  for (const input of definition.inputs) {
    if (input.type === 'template') fields[input.key] = fillTemplate(input.templateValue ?? '', fields);
  }
  return { fields, problems };
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;

/** The OAuth 2.0 settings of an OAuth connection's fields; undefined for other connections. */
export function oauth2SettingsOf(
  definition: ConnectionDefinition,
  fields: Record<string, unknown>,
): OAuth2Settings | undefined {
  if (!definition.oauth2Type) return undefined;
  const config = definition.oauth2Config ?? {};
  const pkce = definition.oauth2PkceMethod;
  return {
    grantType: definition.oauth2Type,
    tokenUrl: text(fields.tokenUrl) ?? '',
    clientId: text(fields.clientId) ?? '',
    ...(text(fields.authorizeUrl) ? { authorizeUrl: text(fields.authorizeUrl) } : {}),
    ...(text(fields.refreshUrl) ? { refreshUrl: text(fields.refreshUrl) } : {}),
    ...(typeof fields.clientSecret === 'string' && fields.clientSecret !== ''
      ? { clientSecret: fields.clientSecret }
      : {}),
    ...(text(fields.scopes) ? { scopes: text(fields.scopes) } : {}),
    ...(pkce ? { pkceMethod: pkce } : {}),
    ...(config.extraAuthParams ? { extraAuthParams: config.extraAuthParams } : {}),
    ...(config.extraTokenParams ? { extraTokenParams: config.extraTokenParams } : {}),
    ...(config.clientAuthentication ? { clientAuthentication: config.clientAuthentication } : {}),
  };
}

/** Whether a failure means the access token expired early (default: the API answered 401). */
export function meansExpiredToken(
  definition: ConnectionDefinition,
  failure: { message: string; status?: number },
): boolean {
  const refreshOn = definition.oauth2Config?.refreshOn;
  const statuses = refreshOn?.statuses ?? [401];
  if (failure.status !== undefined && statuses.includes(failure.status)) return true;
  if (
    failure.status === undefined &&
    statuses.some((status) => new RegExp(`\\b${status}\\b`).test(failure.message))
  )
    return true;
  return (refreshOn?.bodyIncludes ?? []).some((fragment) => failure.message.includes(fragment));
}
