import { type Kysely, sql } from 'kysely';

/**
 * People (issue 16): the organization's users and their sessions, single sign-on settings, sign-in attempts for
 * rate limiting, customer users, the signing keys that verify embedded sign-in JWTs, the audit log, and API tokens
 * that belong to a user.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table users (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      email text not null,
      name text not null,
      role text not null check (role in ('owner', 'admin', 'integrator', 'support', 'viewer')),
      -- scrypt hash in PHC-like text form; null until the user sets a password (invited, or SSO only).
      password_hash text,
      -- SHA-256 of the invitation secret; the link carries the secret, the database only its hash.
      invitation_hash bytea unique,
      invitation_expires_at timestamptz(3),
      oidc_issuer text,
      oidc_subject text,
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now(),
      last_sign_in_at timestamptz(3),
      -- Sessions created before this instant are no longer valid ("sign out everywhere", password change, removal).
      sessions_valid_after timestamptz(3) not null default now() - interval '1 second'
    );
    create unique index users_email_key on users (org_id, lower(email));
    create unique index users_oidc_key on users (org_id, oidc_issuer, oidc_subject);
    create index users_page_idx on users (org_id, created_at, id);

    create table user_sessions (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references users (id) on delete cascade,
      -- SHA-256 of the session secret carried by the cookie.
      token_hash bytea not null unique,
      created_at timestamptz(3) not null default now(),
      expires_at timestamptz(3) not null,
      last_seen_at timestamptz(3) not null default now(),
      -- The idle window the session was signed in with (WEFT_SESSION_IDLE_MINUTES then): it ends once last_seen_at
      -- is this many seconds old. last_seen_at is written at most once a minute.
      idle_timeout_seconds integer not null,
      user_agent text,
      ip text
    );
    create index user_sessions_user_idx on user_sessions (user_id);
    create index user_sessions_expiry_idx on user_sessions (expires_at);

    -- Failed sign-ins per key (an email, an IP): the window's count and, past the limit, until when sign-in is refused.
    create table sign_in_attempts (
      key text primary key,
      failures integer not null default 0,
      window_started_at timestamptz(3) not null default now(),
      locked_until timestamptz(3)
    );
    create index sign_in_attempts_window_idx on sign_in_attempts (window_started_at);

    create table organization_sso (
      org_id uuid primary key references organizations (id) on delete cascade,
      issuer text not null,
      client_id text not null,
      -- Sealed with the keyring, like connection secrets (secrets/secret-columns.ts); null for a public client.
      client_secret_sealed text,
      default_role text not null default 'viewer'
        check (default_role in ('owner', 'admin', 'integrator', 'support', 'viewer')),
      -- Email domains whose users are created on first SSO sign-in; empty: only invited users may sign in.
      allowed_domains text[] not null default '{}',
      enabled boolean not null default true,
      updated_at timestamptz(3) not null default now()
    );

    alter table api_tokens add column user_id uuid references users (id) on delete cascade;

    create table customer_users (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      customer_id uuid not null references customers (id) on delete cascade,
      -- The user's id in the organization's own app (the JWT's sub/external_id); null for users created by hand
      -- without one.
      external_id text,
      email text,
      name text not null default '',
      role text not null
        check (role in ('admin', 'member', 'marketplace-admin', 'marketplace-user')),
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now(),
      last_sign_in_at timestamptz(3)
    );
    create unique index customer_users_external_id_key on customer_users (customer_id, external_id);
    create unique index customer_users_email_key on customer_users (customer_id, lower(email));
    create index customer_users_page_idx on customer_users (org_id, customer_id, created_at, id);

    create table signing_keys (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      public_key_pem text not null,
      -- SHA-256 of the public key (SPKI DER), hex: tells keys apart and refuses importing one twice.
      fingerprint text not null,
      -- The last 8 characters of a generated private key's PEM body, so people can match the key they hold; null
      -- for imported keys, whose private half Weft never saw.
      private_key_last8 text,
      source text not null check (source in ('generated', 'imported')),
      created_at timestamptz(3) not null default now(),
      deactivated_at timestamptz(3)
    );
    create unique index signing_keys_fingerprint_key on signing_keys (org_id, fingerprint);

    -- Who changed what. Rows outlive what they name (no foreign keys to actors, targets or customers), and go only
    -- when they pass WEFT_AUDIT_RETENTION_DAYS. Details are picked field by field, never secrets (audit/audit-actions.ts).
    create table audit_events (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      at timestamptz(3) not null default now(),
      -- Who: 'user' (org user, by session or their token), 'token' (a token of nobody), 'customer-user', 'system'.
      actor_kind text not null check (actor_kind in ('user', 'token', 'customer-user', 'system')),
      -- The user, customer user or token (for 'token'); null for 'system'.
      actor_id uuid,
      -- The API token the request came with, also when it belongs to a user.
      actor_token_id uuid,
      actor_name text not null,
      -- What: '<target type>.<verb>', e.g. 'integration.publish', 'instance.deploy', 'user.invite'.
      action text not null,
      target_type text not null,
      target_id text,
      customer_id uuid,
      details jsonb not null default '{}',
      request_id text
    );
    create index audit_events_page_idx on audit_events (org_id, at desc, id desc);
    create index audit_events_target_idx on audit_events (org_id, target_type, target_id);
    create index audit_events_actor_idx on audit_events (org_id, actor_id, at desc);
    -- Retention deletes the oldest rows across organizations.
    create index audit_events_at_idx on audit_events (at);

    alter table integrations
      add column marketplace_listed boolean not null default false,
      add column marketplace_overview text not null default '',
      add column customer_deployable boolean not null default true,
      add column allow_multiple_instances boolean not null default false,
      -- The version customers get when they activate; null: the latest available version.
      add column marketplace_version integer;

    alter table instances add column created_by_customer_user_id uuid references customer_users (id) on delete set null;
  `.execute(db);
}
