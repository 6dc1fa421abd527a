import { type Kysely, sql } from 'kysely';

/**
 * Connections and encryption at rest.
 *
 * - `encryption_keys`: data keys, each stored wrapped (AES-256-GCM) under the master key (`WEFT_ENCRYPTION_KEY`);
 *   one is active (new values are encrypted under it), the others only decrypt until a rotation moved everything off
 *   them. Every encrypted value names the data key it was sealed with.
 * - `scoped_connections`: integration-agnostic connections of an organization, referenced from definitions by
 *   stable key (`useScopedConfigVar`): org-activated global, org-activated per customer, customer-activated.
 * - `connections`: the credentials themselves (input values and OAuth 2.0 token, encrypted), held by an instance's
 *   connection config variable, by an org-activated global connection, or by a customer for a scoped connection.
 *   Status and refresh bookkeeping are plain so the API and alerting can watch them.
 * - `oauth_authorizations`: pending authorization code flows: the state (stored hashed: it is a bearer secret until
 *   used), its PKCE verifier (encrypted), single use and short-lived.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table encryption_keys (
      id text primary key,
      wrapped_key text not null,
      master_key_id text not null,
      state text not null check (state in ('active', 'decrypt_only')),
      created_at timestamptz(3) not null default now()
    );
    create unique index encryption_keys_one_active on encryption_keys ((true)) where state = 'active';

    create table scoped_connections (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      stable_key text not null,
      kind text not null check (kind in ('org_global', 'org_customer', 'customer_activated')),
      name text not null,
      description text not null default '',
      component_key text not null,
      connection_key text not null,
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now(),
      unique (org_id, stable_key)
    );

    create table connections (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      scoped_connection_id uuid references scoped_connections (id) on delete cascade,
      customer_id uuid references customers (id) on delete cascade,
      instance_id uuid references instances (id) on delete cascade,
      config_var_stable_key text,
      component_key text not null,
      connection_key text not null,
      fields_secret text not null,
      token_secret text,
      token_expires_at timestamptz(3),
      status text not null default 'configured'
        check (status in ('configured', 'pending_authorization', 'connected', 'error')),
      status_message text,
      status_changed_at timestamptz(3) not null default now(),
      refresh_failures integer not null default 0,
      refreshed_at timestamptz(3),
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now(),
      -- Exactly one holder: an instance's config variable, or a scoped connection (global, or one customer's).
      check ((instance_id is not null and config_var_stable_key is not null and scoped_connection_id is null)
          or (instance_id is null and config_var_stable_key is null and scoped_connection_id is not null))
    );
    create unique index connections_instance_var_key on connections (instance_id, config_var_stable_key)
      where instance_id is not null;
    create unique index connections_scoped_customer_key on connections (scoped_connection_id, customer_id)
      nulls not distinct where scoped_connection_id is not null;
    create index connections_customer_idx on connections (customer_id) where customer_id is not null;
    create index connections_status_idx on connections (org_id, status);

    create table oauth_authorizations (
      state_hash bytea primary key,
      connection_id uuid not null references connections (id) on delete cascade,
      org_id uuid not null references organizations (id) on delete cascade,
      code_verifier_secret text,
      redirect_uri text not null,
      return_to text,
      expires_at timestamptz(3) not null,
      used_at timestamptz(3),
      created_at timestamptz(3) not null default now()
    );
    create index oauth_authorizations_expiry_idx on oauth_authorizations (expires_at);
  `.execute(db);
}
