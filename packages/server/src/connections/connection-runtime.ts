import type { Integration } from '@weft/definition';
import { type ConnectionPort, connectionSecrets } from '@weft/engine';
import type { Connection } from '@weft/sdk';
import { sql } from 'kysely';
import type { ExtraComponents } from '../integrations/component-catalog.js';
import {
  type ConnectionDefinition,
  findConnectionDefinition,
  meansExpiredToken,
  secretInputKeys,
} from './connection-definitions.js';
import { type ConnectionRow, markConnectionFailed, openFields, openToken } from './connection-store.js';
import { ConnectionUnavailableError, freshToken, needsRenewal, type TokenDeps } from './connection-tokens.js';
import type { TokenSet } from './oauth2-client.js';

/**
 * The connections an execution runs with: every connection config variable of its integration version resolved
 * to Spectral's `Connection` shape (`{key, configVarKey, fields, token}`), from the instance's own connection or
 * the integration-agnostic one it references (`useScopedConfigVar`: the organization's global one, or the
 * instance's customer's). OAuth 2.0 tokens are renewed first when they are about to expire. Also answers the
 * secret values to mask in what the run writes, and the engine's port for renewals after a refused call.
 */
export interface ResolvedConnections {
  values: Record<string, Connection>;
  secrets: string[];
  port: ConnectionPort;
}

interface Resolved {
  row: ConnectionRow;
  definition: ConnectionDefinition;
  fields: Record<string, unknown>;
  label: string;
}

export async function resolveConnections(
  deps: TokenDeps,
  execution: { orgId: string; instanceId: string; customerId: string },
  integration: Integration,
  generated: ExtraComponents,
): Promise<ResolvedConnections | undefined> {
  const configVars = integration.configVars.filter((configVar) => configVar.dataType === 'connection');
  if (configVars.length === 0) return undefined;
  const scopedKeys = configVars.flatMap((configVar) =>
    configVar.useScopedConfigVar ? [configVar.useScopedConfigVar] : [],
  );
  const { rows } = await sql<ConnectionRow & { stable_key: string | null; kind: string | null }>`
    select c.*, s.stable_key, s.kind from connections c
    left join scoped_connections s on s.id = c.scoped_connection_id
    where c.org_id = ${execution.orgId}
      and (c.instance_id = ${execution.instanceId}
        or (s.stable_key = any(${scopedKeys}::text[])
          and (c.customer_id = ${execution.customerId} or (s.kind = 'org_global' and c.customer_id is null))))`.execute(
    deps.db,
  );

  const values: Record<string, Connection> = {};
  const secrets: string[] = [];
  const byName = new Map<string, Resolved>();
  for (const configVar of configVars) {
    const label = `'${configVar.key}'`;
    const row = configVar.useScopedConfigVar
      ? rows.find((candidate) => candidate.stable_key === configVar.useScopedConfigVar)
      : rows.find(
          (candidate) =>
            candidate.instance_id !== null && candidate.config_var_stable_key === configVar.stableKey,
        );
    if (!row) {
      throw new ConnectionUnavailableError(
        configVar.useScopedConfigVar
          ? `connection ${label} uses the organization connection '${configVar.useScopedConfigVar}', which has no credentials for this instance's customer: set them (weft connections:set-customer)`
          : `connection ${label} has no credentials on this instance: set them (weft instances:configure)`,
      );
    }
    const definition = findConnectionDefinition(row.component_key, row.connection_key, generated);
    if (!definition) {
      throw new ConnectionUnavailableError(
        `connection ${label} uses ${row.component_key}/${row.connection_key}, which no component defines any more`,
      );
    }
    const fields = await openFields(deps.keyring, row).catch((error: Error) => {
      throw new ConnectionUnavailableError(`connection ${label}: ${error.message}`);
    });
    const resolved = { row, definition, fields, label };
    byName.set(configVar.key, resolved);
    const token = await currentToken(deps, resolved);
    const connection: Connection = {
      key: definition.key,
      configVarKey: configVar.key,
      fields,
      ...(token ? { token } : {}),
    };
    values[configVar.key] = connection;
    secrets.push(...connectionSecrets(connection, secretInputKeys(definition)));
  }

  const port: ConnectionPort = {
    async refreshAfterFailure(configVarKey, failure) {
      const resolved = byName.get(configVarKey);
      const previous = values[configVarKey];
      if (!resolved?.definition.oauth2Type || !meansExpiredToken(resolved.definition, failure))
        return undefined;
      const rejected =
        typeof previous?.token?.access_token === 'string' ? previous.token.access_token : undefined;
      const token = await freshToken(
        deps,
        { id: resolved.row.id, label: resolved.label },
        resolved.definition,
        resolved.fields,
        {
          ...(rejected ? { rejected } : {}),
        },
      );
      const connection: Connection = { ...(previous as Connection), token };
      values[configVarKey] = connection;
      return { connection, secrets: connectionSecrets(connection, secretInputKeys(resolved.definition)) };
    },
    async reportFailure(configVarKey, message) {
      const resolved = byName.get(configVarKey);
      if (resolved)
        await markConnectionFailed(deps.db, resolved.row.id, `connection ${resolved.label}: ${message}`);
    },
  };
  return { values, secrets, port };
}

async function currentToken(deps: TokenDeps, resolved: Resolved): Promise<TokenSet | undefined> {
  const { row, definition, fields, label } = resolved;
  if (!definition.oauth2Type) return undefined;
  const stored = await openToken(deps.keyring, row).catch((error: Error) => {
    throw new ConnectionUnavailableError(`connection ${label}: ${error.message}`);
  });
  if (definition.oauth2Type === 'authorization_code' && !stored) {
    throw new ConnectionUnavailableError(
      `connection ${label} has not been authorized yet: authorize it (weft instances:authorize or weft connections:authorize)`,
    );
  }
  if (stored && !needsRenewal(row)) return stored;
  return freshToken(deps, { id: row.id, label }, definition, fields);
}
