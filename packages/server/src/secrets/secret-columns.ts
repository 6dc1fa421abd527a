/**
 * Every database column that holds sealed values, with the associated data each value is sealed with. A rotation
 * walks this list, so a new secret column must be added here (and sealed with `secretContext`).
 */
export interface SecretColumn {
  table:
    | 'connections'
    | 'oauth_authorizations'
    | 'instances'
    | 'instance_webhook_registrations'
    | 'organization_sso'
    | 'alert_webhooks'
    | 'event_webhooks'
    | 'log_streams';
  column: string;
  /** SQL giving the row's id as text (the id in the associated data). */
  idSql: string;
  /** A text[] of sealed values rather than one. */
  array?: boolean;
}

export const secretColumns: SecretColumn[] = [
  { table: 'connections', column: 'fields_secret', idSql: 'id::text' },
  { table: 'connections', column: 'token_secret', idSql: 'id::text' },
  { table: 'oauth_authorizations', column: 'code_verifier_secret', idSql: "encode(state_hash, 'hex')" },
  { table: 'instance_webhook_registrations', column: 'params_secret', idSql: 'id::text' },
  { table: 'organization_sso', column: 'client_secret_sealed', idSql: 'org_id::text' },
  { table: 'alert_webhooks', column: 'headers_secret', idSql: 'id::text' },
  { table: 'alert_webhooks', column: 'signing_secret', idSql: 'id::text' },
  { table: 'event_webhooks', column: 'signing_secret', idSql: 'id::text' },
  { table: 'log_streams', column: 'headers_secret', idSql: 'id::text' },
];

/** The associated data of a sealed value: where it is stored. */
export function secretContext(table: SecretColumn['table'], column: string, id: string): string {
  return `${table}.${column}:${id}`;
}
