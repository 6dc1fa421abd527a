/**
 * Writing a component's connections: `connection()`, `oauth2Connection()`, `templateConnectionInputs()` and
 * `ConnectionError`, named and shaped like Spectral's. An author declares a connection's inputs as a record;
 * `component()` turns the declaration into the `ComponentConnection` the platform reads (inputs as an array with
 * their keys).
 */
import { didYouMean } from '@weft/definition';
import type { ComponentConnection, ComponentInput, ConnectionOAuth2Config } from './component.js';
import type {
  Connection,
  ConnectionInput,
  ConnectionPicklistInputField,
  ConnectionTemplateInputField,
  OAuth2PkceMethod,
  OAuth2Type,
} from './inputs.js';

export interface ConnectionDisplayDefinition {
  label: string;
  description: string;
  icons?: { avatarPath?: string; oauth2ConnectionIconPath?: string };
}

/** A field of a connection: one a deployer fills in or picks, or one computed from the others (`template`). */
export type ConnectionDefinitionInput =
  | ConnectionInput
  | ConnectionPicklistInputField
  | ConnectionTemplateInputField;
export type ConnectionDefinitionInputs = Record<string, ConnectionDefinitionInput>;

interface BaseConnectionDefinition {
  key: string;
  display: ConnectionDisplayDefinition;
}

export interface DefaultConnectionDefinition extends BaseConnectionDefinition {
  oauth2Type?: undefined;
  inputs: ConnectionDefinitionInputs;
}

/** The fields the platform reads to run the authorization code grant. */
export interface OAuth2AuthorizationCodeInputs {
  /** Where users consent: `https://app.acme.com/oauth2/authorize`. */
  authorizeUrl: ConnectionDefinitionInput;
  /** Where codes and refresh tokens are exchanged for access tokens. */
  tokenUrl: ConnectionDefinitionInput;
  /** Space-separated. */
  scopes: ConnectionDefinitionInput;
  clientId: ConnectionDefinitionInput;
  clientSecret: ConnectionDefinitionInput;
}

/** The fields the platform reads to run the client credentials grant. */
export interface OAuth2ClientCredentialsInputs {
  tokenUrl: ConnectionDefinitionInput;
  /** Space-separated. */
  scopes: ConnectionDefinitionInput;
  clientId: ConnectionDefinitionInput;
  clientSecret: ConnectionDefinitionInput;
}

export interface OAuth2AuthorizationCodeConnectionDefinition extends BaseConnectionDefinition {
  oauth2Type: typeof OAuth2Type.AuthorizationCode;
  oauth2PkceMethod?: OAuth2PkceMethod;
  oauth2Config?: ConnectionOAuth2Config;
  /** Optional too: `refreshUrl` (default tokenUrl) and `revokeUrl`, which the platform also reads. */
  inputs: OAuth2AuthorizationCodeInputs & ConnectionDefinitionInputs;
}

export interface OAuth2ClientCredentialsConnectionDefinition extends BaseConnectionDefinition {
  oauth2Type: typeof OAuth2Type.ClientCredentials;
  /** PKCE protects the authorization code, which this grant does not have. */
  oauth2PkceMethod?: undefined;
  oauth2Config?: ConnectionOAuth2Config;
  inputs: OAuth2ClientCredentialsInputs & ConnectionDefinitionInputs;
}

export type OAuth2ConnectionDefinition =
  | OAuth2AuthorizationCodeConnectionDefinition
  | OAuth2ClientCredentialsConnectionDefinition;

export type ConnectionDefinition = DefaultConnectionDefinition | OAuth2ConnectionDefinition;

/** A connection whose fields the deployer fills in (API key, username and password, ...). */
export function connection<T extends DefaultConnectionDefinition>(definition: T): T {
  return definition;
}

/** An OAuth 2.0 connection: the platform runs the grant with its well-known fields and keeps the token fresh. */
export function oauth2Connection<T extends OAuth2ConnectionDefinition>(definition: T): T {
  return definition;
}

type MissingInputs<TRequired, TGiven> = {
  [K in Exclude<keyof TRequired, keyof TGiven>]: ConnectionTemplateInputField;
};

/** For an OAuth 2.0 grant, the well-known fields the plain inputs leave out must be template inputs. */
export type RequiredTemplateInputs<TType, TInputs> = TType extends typeof OAuth2Type.AuthorizationCode
  ? MissingInputs<OAuth2AuthorizationCodeInputs, TInputs>
  : TType extends typeof OAuth2Type.ClientCredentials
    ? MissingInputs<OAuth2ClientCredentialsInputs, TInputs>
    : unknown;

/**
 * A connection's inputs: the fields a deployer fills in, and fields computed from them (`templateValue:
 * 'https://{{#domain}}.acme.com/oauth/authorize'`). Given an OAuth 2.0 type, the type checker requires the grant's
 * well-known fields among the two. Throws when a template refers to no field or to one that is not a plain input.
 */
export function templateConnectionInputs<
  TInputs extends Record<string, ConnectionInput>,
  TTemplateInputs extends Record<string, ConnectionTemplateInputField>,
  TType extends OAuth2Type | undefined = undefined,
>(
  inputs: TInputs,
  templateInputs: TTemplateInputs & RequiredTemplateInputs<TType, TInputs>,
  _oauth2Type?: TType,
): TInputs & TTemplateInputs {
  for (const key of Object.keys(templateInputs)) {
    if (Object.hasOwn(inputs, key)) {
      throw new Error(`templateConnectionInputs: '${key}' is both an input and a template input; keep one.`);
    }
  }
  const all = { ...inputs, ...templateInputs } as TInputs & TTemplateInputs;
  checkTemplates('templateConnectionInputs', all);
  return all;
}

const templateSlot = /{{#\s*(\w+)\s*}}/g;

function isTemplate(input: ConnectionDefinitionInput): input is ConnectionTemplateInputField {
  return input.type === 'template';
}

/** Template values must refer to plain inputs of the same connection: the platform computes them from those. */
function checkTemplates(where: string, inputs: ConnectionDefinitionInputs): void {
  const plain = Object.keys(inputs).filter((key) => !isTemplate(inputs[key] as ConnectionDefinitionInput));
  for (const [key, input] of Object.entries(inputs)) {
    if (!isTemplate(input)) continue;
    if (typeof input.templateValue !== 'string') {
      throw new Error(
        `${where}: template input '${key}' needs a templateValue, such as 'https://{{#domain}}/'.`,
      );
    }
    const slots = [...input.templateValue.matchAll(templateSlot)].map((match) => match[1] as string);
    if (slots.length === 0) {
      throw new Error(
        `${where}: template input '${key}' has no slot in its templateValue '${input.templateValue}'; write the input to substitute as {{#inputKey}}.`,
      );
    }
    for (const slot of slots) {
      if (plain.includes(slot)) continue;
      const what = Object.hasOwn(inputs, slot) ? 'a template input itself' : 'not an input of the connection';
      throw new Error(
        `${where}: template input '${key}' refers to {{#${slot}}}, which is ${what} (plain inputs: ${plain.join(', ') || 'none'})${didYouMean(slot, plain) ?? ''}`,
      );
    }
  }
}

/** Spectral's `convertInput` for connection fields: the authoring-only settings dropped, the label as text. */
export function componentConnectionInput(
  key: string,
  input: ConnectionDefinitionInput,
): ComponentInput & { onPremControlled?: boolean } {
  const {
    label,
    permissionAndVisibilityType: _permission,
    visibleToOrgDeployer: _visible,
    writeOnly: _writeOnly,
    onPremControlled,
    ...rest
  } = input as ConnectionInput;
  const converted: ComponentInput = { ...rest, key, label: typeof label === 'string' ? label : label.value };
  if (input.type === 'template') converted.shown = input.shown ?? false;
  if (rest.collection === 'keyvaluelist' && typeof label === 'object') converted.keyLabel = label.key;
  if (onPremControlled) converted.onPremiseControlled = true;
  return converted;
}

const oauth2Types = new Set<string>(['authorization_code', 'client_credentials']);
const grantInputs: Record<string, string[]> = {
  authorization_code: ['authorizeUrl', 'tokenUrl', 'clientId'],
  client_credentials: ['tokenUrl', 'clientId', 'clientSecret'],
};

function isComponentConnection(
  value: ConnectionDefinition | ComponentConnection,
): value is ComponentConnection {
  return Array.isArray(value?.inputs);
}

/** The connection as the platform reads it; one that already is (a `ComponentConnection`) is kept as it is. */
export function toComponentConnection(
  componentKey: string,
  definition: ConnectionDefinition | ComponentConnection,
): ComponentConnection {
  if (isComponentConnection(definition)) return definition;
  const where = `component '${componentKey}', connection '${String(definition?.key)}'`;
  if (typeof definition?.key !== 'string' || definition.key.trim() === '') {
    throw new Error(
      `component '${componentKey}': every connection needs a key: connection({key, display, inputs}).`,
    );
  }
  if (!definition.display || typeof definition.display.label !== 'string') {
    throw new Error(`${where} needs display: {label, description}.`);
  }
  if (!definition.inputs || typeof definition.inputs !== 'object') {
    throw new Error(`${where} needs inputs: a record of input declarations.`);
  }
  const inputs = definition.inputs as ConnectionDefinitionInputs;
  const { oauth2Type } = definition;
  if (oauth2Type !== undefined) {
    if (!oauth2Types.has(oauth2Type)) {
      throw new Error(
        `${where}: oauth2Type must be authorization_code or client_credentials, got '${oauth2Type}'.`,
      );
    }
    const missing = (grantInputs[oauth2Type] ?? []).filter((key) => !Object.hasOwn(inputs, key));
    if (missing.length > 0) {
      throw new Error(
        `${where}: an OAuth 2.0 ${oauth2Type} connection needs the inputs ${missing.join(', ')}.`,
      );
    }
  }
  checkTemplates(where, inputs);
  const converted: ComponentConnection = {
    key: definition.key,
    label: definition.display.label,
    comments: definition.display.description,
    inputs: Object.entries(inputs).map(([key, input]) => componentConnectionInput(key, input)),
  };
  if (oauth2Type !== undefined) converted.oauth2Type = oauth2Type;
  if ('oauth2PkceMethod' in definition && definition.oauth2PkceMethod !== undefined) {
    converted.oauth2PkceMethod = definition.oauth2PkceMethod;
  }
  if ('oauth2Config' in definition && definition.oauth2Config !== undefined) {
    converted.oauth2Config = definition.oauth2Config;
  }
  const { icons } = definition.display;
  if (icons?.oauth2ConnectionIconPath) converted.iconPath = icons.oauth2ConnectionIconPath;
  if (icons?.avatarPath) converted.avatarIconPath = icons.avatarPath;
  return converted;
}

/**
 * Thrown by an action or trigger when the connection it was given does not work (revoked key, wrong password): the
 * platform marks that connection as failing, so that the deployer is asked to fix it.
 */
export class ConnectionError extends Error {
  // Declared, not initialized: the property is defined non-enumerable in the constructor.
  declare readonly connection: Connection;

  constructor(connection: Connection, message: string) {
    super(message);
    this.name = 'ConnectionError';
    // Non-enumerable: the connection holds secrets, and errors get serialized into logs and step results.
    Object.defineProperty(this, 'connection', { value: connection, enumerable: false });
  }
}

/** Also true for a ConnectionError of another copy of the SDK (a bundled integration brings its own). */
export function isConnectionError(value: unknown): value is ConnectionError {
  return (
    value instanceof ConnectionError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'ConnectionError' &&
      'connection' in value)
  );
}
