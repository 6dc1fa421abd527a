import type { ConfigVar, JsonValue } from '@weft/definition';
import type { Caller } from '../auth/caller.js';
import { type ConnectionDefinition, isSecretInput } from '../connections/connection-definitions.js';
import { setCustomerCredentials } from '../connections/connection-operations.js';
import {
  type ConnectionRow,
  connectionView,
  maskedValue,
  scopedCredentialsRowOf,
} from '../connections/connection-store.js';
import { type AuthorizationDeps, startAuthorization } from '../connections/oauth-authorization.js';
import { integrationInputValues } from '../instances/instance-connections.js';
import type { Keyring } from '../secrets/keyring.js';
import type { WizardConnection } from './marketplace-schemas.js';

/**
 * What a wizard shows of a connection: its state, and its inputs as this caller may see and set them. Input
 * visibility follows the same rules as config variables (seed 003): an input the integration marks `orgOnly` is
 * left out for customer users (its value too), one not visible to customer deployers is hidden but settable (the
 * organization's app sets it), one the connection marks `shown: false` is the integration's to set. Password
 * inputs are masked; template inputs are computed and set by nobody.
 */

export type InputField = WizardConnection['inputs'][number];
export type ConnectionState = Pick<
  WizardConnection,
  'status' | 'statusMessage' | 'tokenExpiresAt' | 'inputs' | 'oauth2'
>;

function metaOf(configVar: ConfigVar | undefined, inputKey: string): { [key: string]: JsonValue } {
  const meta = configVar?.inputs?.[inputKey]?.meta;
  return meta && typeof meta === 'object' && !Array.isArray(meta) ? meta : {};
}

function masked(value: unknown): unknown {
  return value === undefined || value === null || value === '' ? (value ?? null) : maskedValue;
}

/** The inputs of a connection, for `caller`: which to show, which the caller may set, defaults and stored values. */
export function inputFields(
  definition: ConnectionDefinition | undefined,
  configVar: ConfigVar | undefined,
  stored: Record<string, unknown>,
  caller: Caller,
): InputField[] {
  if (!definition) return [];
  const customer = caller.kind === 'customer';
  const given = configVar ? integrationInputValues(configVar) : {};
  const fields: InputField[] = [];
  for (const input of definition.inputs) {
    const meta = metaOf(configVar, input.key);
    if (customer && meta.orgOnly === true) continue;
    const template = input.type === 'template';
    const hiddenFromCustomers =
      meta.visibleToCustomerDeployer === false || meta.isVisibleToCustomerDeployer === false;
    const shown = input.shown !== false;
    const visible =
      !template && shown && (customer ? !hiddenFromCustomers : meta.visibleToOrgDeployer !== false);
    const editable = !template && (!customer || shown);
    const secret = isSecretInput(input);
    const fallback = given[input.key] ?? input.default ?? null;
    const withheld = customer && hiddenFromCustomers;
    fields.push({
      key: input.key,
      label: input.label ?? input.key,
      type: input.type,
      required: input.required === true,
      visible,
      editable,
      default: withheld ? null : secret ? masked(fallback) : fallback,
      value: withheld || !Object.hasOwn(stored, input.key) ? null : stored[input.key],
    });
  }
  return fields;
}

/** The input keys of `given` this caller may not set (unknown ones are left to the connection's own check). */
export function inputsNotEditable(
  fields: InputField[],
  given: Record<string, unknown>,
  all: string[],
): string[] {
  const editable = new Map(fields.map((field) => [field.key, field.editable]));
  return Object.keys(given).filter((key) => (editable.has(key) ? !editable.get(key) : all.includes(key)));
}

/** A connection's state and inputs as the wizard shows them; `row` is its credentials, when there are any. */
export async function connectionState(
  keyring: Keyring,
  definition: ConnectionDefinition | undefined,
  row: ConnectionRow | undefined,
  configVar: ConfigVar | undefined,
  caller: Caller,
): Promise<ConnectionState> {
  const view = row ? await connectionView(keyring, row, definition) : undefined;
  return {
    oauth2: definition?.oauth2Type ?? null,
    status: view ? view.status : 'not_configured',
    statusMessage: view?.statusMessage ?? null,
    tokenExpiresAt: view?.token.expiresAt ?? null,
    inputs: inputFields(definition, configVar, view?.fields ?? {}, caller),
  };
}

/** Where an OAuth 2.0 authorization started from a wizard goes: the provider's callback, then the browser's landing. */
export interface AuthorizationUrls {
  callbackUrl: string;
  returnTo: string;
}

/**
 * The customer's credentials of an organization connection, to authorize: the stored ones or, when nothing is
 * entered yet, new ones from the connection's defaults (they may be all an OAuth connection needs).
 */
export async function credentialsToAuthorize(
  deps: AuthorizationDeps,
  orgId: string,
  scopedId: string,
  customerId: string,
): Promise<ConnectionRow | undefined> {
  const stored = await scopedCredentialsRowOf(deps.db, scopedId, customerId);
  if (stored) return stored;
  await setCustomerCredentials(deps.db, deps.keyring, orgId, scopedId, { id: customerId }, {});
  return scopedCredentialsRowOf(deps.db, scopedId, customerId);
}

/** Starts (or restarts: re-authorize) the OAuth 2.0 authorization of a connection's credentials. */
export async function authorizeCredentials(
  deps: AuthorizationDeps,
  orgId: string,
  connectionId: string,
  urls: AuthorizationUrls,
): Promise<{ authorizeUrl: string; expiresAt: string; returnTo: string }> {
  const started = await startAuthorization(deps, {
    orgId,
    connectionId,
    redirectUri: urls.callbackUrl,
    returnTo: urls.returnTo,
  });
  return { ...started, returnTo: urls.returnTo };
}
