import { type Kysely, sql } from 'kysely';

/**
 * Monitoring (issue 19): the outbox every consumer reads, alert monitors with their groups, webhooks and events,
 * event webhooks, log streams, and the deliveries they make.
 *
 * **The outbox** (`monitoring_events`) is written in the same transaction as the change it describes: by triggers
 * on the tables the event catalog speaks of (so no route, CLI command or internal job can change an instance without
 * its event, and no event exists for a change that rolled back), and by the execution statements themselves for
 * `execution.started` / `execution.finished`, only when a monitor or log stream is there to read them. Each row is
 * dispatched once (alert monitors, event webhook subscriptions, log stream backlogs) and kept a week as the event log.
 *
 * Trigger events carry a snapshot of safe columns only: never sealed credentials, config values or API keys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table monitoring_events (
      id bigserial primary key,
      org_id uuid not null references organizations (id) on delete cascade,
      type text not null,
      subject_id uuid,
      data jsonb not null default '{}',
      tx_id xid8 not null default pg_current_xact_id(),
      occurred_at timestamptz(3) not null default now(),
      dispatched_at timestamptz(3)
    );
    create index monitoring_events_pending_idx on monitoring_events (id) where dispatched_at is null;
    create index monitoring_events_org_idx on monitoring_events (org_id, id desc);

    create function weft_record_event(org uuid, event_type text, subject uuid, payload jsonb) returns void
    language sql as $$
      insert into monitoring_events (org_id, type, subject_id, data) values (org, event_type, subject, payload)
    $$;

    -- instances: created, updated, deployed, enabled, disabled, deleted
    create function weft_instance_events() returns trigger language plpgsql as $$
    declare
      row_data jsonb;
    begin
      if tg_op = 'DELETE' then
        perform weft_record_event(old.org_id, 'instance.deleted', old.id, jsonb_build_object(
          'id', old.id, 'name', old.name, 'description', old.description, 'labels', to_jsonb(old.labels),
          'customer_id', old.customer_id, 'integration_id', old.integration_id, 'enabled', old.enabled,
          'integration_version_id', old.deployed_version_id));
        return old;
      end if;
      row_data := jsonb_build_object(
        'id', new.id, 'name', new.name, 'description', new.description, 'labels', to_jsonb(new.labels),
        'customer_id', new.customer_id, 'integration_id', new.integration_id, 'enabled', new.enabled,
        'integration_version_id', new.deployed_version_id, 'deployed_at', new.deployed_at);
      if tg_op = 'INSERT' then
        perform weft_record_event(new.org_id, 'instance.created', new.id, row_data);
        return new;
      end if;
      if new.deployed_at is distinct from old.deployed_at and new.deployed_at is not null then
        perform weft_record_event(new.org_id, 'instance.deployed', new.id, row_data);
      elsif new.name is distinct from old.name or new.description is distinct from old.description
          or new.labels is distinct from old.labels or new.config_values is distinct from old.config_values
          or new.integration_version_id is distinct from old.integration_version_id
          or new.api_keys is distinct from old.api_keys then
        perform weft_record_event(new.org_id, 'instance.updated', new.id, row_data);
      end if;
      if new.enabled is distinct from old.enabled then
        perform weft_record_event(new.org_id,
          case when new.enabled then 'instance.enabled' else 'instance.disabled' end, new.id, row_data);
      end if;
      return new;
    end $$;
    create trigger instances_events after insert or update or delete on instances
      for each row execute function weft_instance_events();

    -- customers: created, updated, deleted
    create function weft_customer_events() returns trigger language plpgsql as $$
    declare
      c customers;
    begin
      c := case when tg_op = 'DELETE' then old else new end;
      if tg_op = 'UPDATE' and new.name is not distinct from old.name
          and new.external_id is not distinct from old.external_id
          and new.description is not distinct from old.description and new.labels is not distinct from old.labels then
        return new;
      end if;
      perform weft_record_event(c.org_id, 'customer.' || case tg_op when 'INSERT' then 'created' when 'UPDATE' then 'updated' else 'deleted' end, c.id, jsonb_build_object(
        'id', c.id, 'name', c.name, 'external_id', c.external_id, 'description', c.description,
        'labels', to_jsonb(c.labels)));
      return c;
    end $$;
    create trigger customers_events after insert or update or delete on customers
      for each row execute function weft_customer_events();

    -- integrations: created, updated, deleted; a new version: published
    create function weft_integration_events() returns trigger language plpgsql as $$
    declare
      i integrations;
    begin
      i := case when tg_op = 'DELETE' then old else new end;
      if tg_op = 'UPDATE' and new.name is not distinct from old.name
          and new.description is not distinct from old.description
          and new.category is not distinct from old.category and new.labels is not distinct from old.labels
          and new.definition is not distinct from old.definition
          and new.documentation is not distinct from old.documentation then
        return new;
      end if;
      perform weft_record_event(i.org_id, 'integration.' || case tg_op when 'INSERT' then 'created' when 'UPDATE' then 'updated' else 'deleted' end, i.id, jsonb_build_object(
        'id', i.id, 'name', i.name, 'description', i.description, 'category', i.category,
        'labels', to_jsonb(i.labels)));
      return i;
    end $$;
    create trigger integrations_events after insert or update or delete on integrations
      for each row execute function weft_integration_events();

    create function weft_integration_version_events() returns trigger language plpgsql as $$
    begin
      perform weft_record_event(new.org_id, 'integration.published', new.integration_id, jsonb_build_object(
        'id', new.integration_id, 'version_id', new.id, 'version_number', new.version_number,
        'comment', new.comment));
      return new;
    end $$;
    create trigger integration_versions_events after insert on integration_versions
      for each row execute function weft_integration_version_events();

    -- components: published (a new version), deleted (its last version removed)
    create function weft_component_events() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        perform weft_record_event(new.org_id, 'component.published', new.id, jsonb_build_object(
          'key', new.key, 'version_number', new.version, 'label', new.label, 'description', new.description));
        return new;
      end if;
      if not exists (select 1 from component_versions where org_id = old.org_id and key = old.key)
          and not exists (select 1 from monitoring_events where tx_id = pg_current_xact_id()
            and org_id = old.org_id and type = 'component.deleted' and data ->> 'key' = old.key) then
        perform weft_record_event(old.org_id, 'component.deleted', null, jsonb_build_object(
          'key', old.key, 'label', old.label));
      end if;
      return old;
    end $$;
    create trigger component_versions_events after insert or delete on component_versions
      for each row execute function weft_component_events();

    -- connections: updated (fields or state), deleted; OAuth 2.0 milestones; the failure alert monitors watch
    create function weft_connection_events() returns trigger language plpgsql as $$
    declare
      c connections;
      row_data jsonb;
    begin
      c := case when tg_op = 'DELETE' then old else new end;
      row_data := jsonb_build_object(
        'id', c.id, 'component_key', c.component_key, 'connection_key', c.connection_key,
        'instance_id', c.instance_id, 'customer_id', c.customer_id, 'scoped_connection_id', c.scoped_connection_id,
        'config_var_key', c.config_var_stable_key, 'status', c.status, 'status_message', c.status_message);
      if tg_op = 'DELETE' then
        perform weft_record_event(c.org_id, 'connection.deleted', c.id, row_data);
        return old;
      end if;
      if new.fields_secret is distinct from old.fields_secret then
        perform weft_record_event(c.org_id, 'connection.updated', c.id, row_data);
      end if;
      if new.status is distinct from old.status then
        if new.status = 'error' then
          perform weft_record_event(c.org_id, 'connection.failed', c.id, row_data);
          if old.status = 'pending_authorization' then
            perform weft_record_event(c.org_id, 'oauth2.authorization_failed', c.id, row_data);
          end if;
        elsif new.status = 'connected' and old.status = 'pending_authorization' then
          perform weft_record_event(c.org_id, 'oauth2.authorization_completed', c.id, row_data);
        end if;
        if old.status = 'error' then
          perform weft_record_event(c.org_id, 'connection.recovered', c.id, row_data);
        end if;
      elsif new.refresh_failures > old.refresh_failures then
        perform weft_record_event(c.org_id, 'oauth2.token_refresh_failed', c.id, row_data);
      elsif new.refreshed_at is distinct from old.refreshed_at and new.refreshed_at is not null
          and new.token_secret is distinct from old.token_secret then
        perform weft_record_event(c.org_id, 'oauth2.token_refreshed', c.id, row_data);
      end if;
      return new;
    end $$;
    create trigger connections_events after update or delete on connections
      for each row execute function weft_connection_events();

    -- users: the organization's team and customer users
    create function weft_user_events() returns trigger language plpgsql as $$
    declare
      u users;
    begin
      u := case when tg_op = 'DELETE' then old else new end;
      if tg_op = 'UPDATE' and new.name is not distinct from old.name and new.email is not distinct from old.email
          and new.role is not distinct from old.role then
        return new;
      end if;
      perform weft_record_event(u.org_id, 'user.' || case tg_op when 'INSERT' then 'created' when 'UPDATE' then 'updated' else 'deleted' end, u.id, jsonb_build_object(
        'id', u.id, 'email', u.email, 'name', u.name, 'role', u.role, 'customer_id', null));
      return u;
    end $$;
    create trigger users_events after insert or update or delete on users
      for each row execute function weft_user_events();

    create function weft_customer_user_events() returns trigger language plpgsql as $$
    declare
      u customer_users;
    begin
      u := case when tg_op = 'DELETE' then old else new end;
      if tg_op = 'UPDATE' and new.name is not distinct from old.name and new.email is not distinct from old.email
          and new.role is not distinct from old.role then
        return new;
      end if;
      perform weft_record_event(u.org_id, 'user.' || case tg_op when 'INSERT' then 'created' when 'UPDATE' then 'updated' else 'deleted' end, u.id, jsonb_build_object(
        'id', u.id, 'email', u.email, 'name', u.name, 'role', u.role, 'customer_id', u.customer_id,
        'external_id', u.external_id));
      return u;
    end $$;
    create trigger customer_users_events after insert or update or delete on customer_users
      for each row execute function weft_customer_user_events();

    -- Alerting ------------------------------------------------------------------------------------------------

    create table alert_webhooks (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null,
      url text not null,
      preset text not null default 'custom' check (preset in ('custom', 'slack', 'pagerduty')),
      payload_template text not null,
      -- Sealed JSON object of header names to values (they often hold tokens).
      headers_secret text,
      -- Sealed HMAC-SHA256 key: each request carries its signature.
      signing_secret text,
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now()
    );
    create unique index alert_webhooks_name_idx on alert_webhooks (org_id, lower(name));

    create table alert_groups (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null,
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now()
    );
    create unique index alert_groups_name_idx on alert_groups (org_id, lower(name));

    create table alert_group_users (
      group_id uuid not null references alert_groups (id) on delete cascade,
      user_id uuid references users (id) on delete cascade,
      customer_user_id uuid references customer_users (id) on delete cascade,
      check (num_nonnulls(user_id, customer_user_id) = 1)
    );
    create unique index alert_group_users_idx
      on alert_group_users (group_id, coalesce(user_id, customer_user_id));

    create table alert_group_webhooks (
      group_id uuid not null references alert_groups (id) on delete cascade,
      webhook_id uuid not null references alert_webhooks (id) on delete cascade,
      primary key (group_id, webhook_id)
    );

    create table alert_monitors (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null,
      -- What it watches: one instance, or (as a default) every instance of an integration and/or a customer;
      -- none of the three: every instance of the organization.
      instance_id uuid references instances (id) on delete cascade,
      integration_id uuid references integrations (id) on delete cascade,
      customer_id uuid references customers (id) on delete cascade,
      -- Only this flow's executions (by name); null: every flow.
      flow_name text,
      triggers text[] not null check (cardinality(triggers) > 0),
      duration_threshold_ms integer check (duration_threshold_ms > 0),
      overdue_interval_seconds integer check (overdue_interval_seconds >= 60),
      log_level text check (log_level in ('debug', 'info', 'warn', 'error')),
      enabled boolean not null default true,
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now()
    );
    create index alert_monitors_org_idx on alert_monitors (org_id);
    create index alert_monitors_instance_idx on alert_monitors (instance_id) where instance_id is not null;

    create table alert_monitor_groups (
      monitor_id uuid not null references alert_monitors (id) on delete cascade,
      group_id uuid not null references alert_groups (id) on delete cascade,
      primary key (monitor_id, group_id)
    );

    -- A monitor firing: what fired it, and when its condition ended (cleared).
    create table alert_events (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      monitor_id uuid not null references alert_monitors (id) on delete cascade,
      trigger text not null,
      message text not null,
      -- Not foreign keys: an event outlives the execution pruned after retention and the instance removed.
      instance_id uuid,
      instance_name text,
      customer_id uuid,
      flow_name text,
      execution_id uuid,
      step_name text,
      connection_id uuid,
      log_level text,
      log_message text,
      created_at timestamptz(3) not null default now(),
      cleared_at timestamptz(3),
      cleared_reason text
    );
    create index alert_events_monitor_idx on alert_events (monitor_id, created_at desc, id desc);
    create index alert_events_open_idx on alert_events (monitor_id, instance_id) where cleared_at is null;

    -- Event webhooks ------------------------------------------------------------------------------------------

    create table event_webhooks (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null,
      url text not null,
      description text not null default '',
      enabled boolean not null default true,
      event_types text[] not null,
      -- Sealed HMAC-SHA256 key: requests carry x-webhook-signature: sha256=<hex>.
      signing_secret text,
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now()
    );
    create unique index event_webhooks_name_idx on event_webhooks (org_id, lower(name));

    -- Deliveries: alert webhooks and emails, event webhooks. Pending ones are due at next_attempt_at.
    create table notification_deliveries (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      channel text not null check (channel in ('alert-webhook', 'alert-email', 'event-webhook')),
      alert_webhook_id uuid references alert_webhooks (id) on delete cascade,
      event_webhook_id uuid references event_webhooks (id) on delete cascade,
      recipient text,
      alert_event_id uuid references alert_events (id) on delete cascade,
      event_id bigint,
      event_type text,
      body text not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      next_attempt_at timestamptz(3) not null default now(),
      last_status_code integer,
      last_error text,
      created_at timestamptz(3) not null default now(),
      delivered_at timestamptz(3),
      updated_at timestamptz(3) not null default now()
    );
    create index notification_deliveries_due_idx on notification_deliveries (next_attempt_at)
      where status = 'pending';
    create index notification_deliveries_alert_webhook_idx
      on notification_deliveries (alert_webhook_id, created_at desc) where alert_webhook_id is not null;
    create index notification_deliveries_event_webhook_idx
      on notification_deliveries (event_webhook_id, created_at desc) where event_webhook_id is not null;
    create index notification_deliveries_alert_event_idx
      on notification_deliveries (alert_event_id) where alert_event_id is not null;

    -- Log streams ---------------------------------------------------------------------------------------------

    create table log_streams (
      id uuid primary key default gen_random_uuid(),
      org_id uuid not null references organizations (id) on delete cascade,
      name text not null,
      url text not null,
      preset text not null default 'custom' check (preset in ('custom', 'datadog', 'new-relic')),
      payload_template text not null,
      headers_secret text,
      enabled boolean not null default true,
      -- Executions whose lines wait; beyond this many the oldest are dropped and counted.
      backlog_limit integer not null default 10000 check (backlog_limit > 0),
      dropped_executions bigint not null default 0,
      delivered_lines bigint not null default 0,
      last_delivered_at timestamptz(3),
      last_error text,
      last_error_at timestamptz(3),
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now()
    );
    create unique index log_streams_name_idx on log_streams (org_id, lower(name));

    create table log_stream_backlog (
      stream_id uuid not null references log_streams (id) on delete cascade,
      execution_id uuid not null,
      queued_at timestamptz(3) not null default now(),
      attempts integer not null default 0,
      next_attempt_at timestamptz(3) not null default now(),
      primary key (stream_id, execution_id)
    );
    create index log_stream_backlog_due_idx on log_stream_backlog (next_attempt_at);

    -- Changes to monitoring itself are events too.
    create function weft_monitoring_config_events() returns trigger language plpgsql as $$
    declare
      r record;
      kind text;
    begin
      if tg_op = 'DELETE' then r := old; else r := new; end if;
      kind := case tg_table_name when 'alert_monitors' then 'alert_monitor'
        when 'alert_groups' then 'alert_group' else 'log_stream' end;
      perform weft_record_event(r.org_id, kind || '.' || case tg_op when 'INSERT' then 'created' when 'UPDATE' then 'updated' else 'deleted' end, r.id,
        jsonb_build_object('id', r.id, 'name', r.name));
      if tg_op = 'DELETE' then return old; end if;
      return new;
    end $$;
    create trigger alert_monitors_events after insert or update or delete on alert_monitors
      for each row execute function weft_monitoring_config_events();
    create trigger alert_groups_events after insert or update or delete on alert_groups
      for each row execute function weft_monitoring_config_events();
    create trigger log_streams_events after insert or delete on log_streams
      for each row execute function weft_monitoring_config_events();
    create trigger log_streams_update_events after update on log_streams
      for each row when (old.name is distinct from new.name or old.url is distinct from new.url
        or old.payload_template is distinct from new.payload_template or old.enabled is distinct from new.enabled
        or old.headers_secret is distinct from new.headers_secret)
      execute function weft_monitoring_config_events();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    drop trigger instances_events on instances;
    drop trigger customers_events on customers;
    drop trigger integrations_events on integrations;
    drop trigger integration_versions_events on integration_versions;
    drop trigger component_versions_events on component_versions;
    drop trigger connections_events on connections;
    drop trigger users_events on users;
    drop trigger customer_users_events on customer_users;
    drop table log_stream_backlog, log_streams, notification_deliveries, event_webhooks, alert_events,
      alert_monitor_groups, alert_monitors, alert_group_webhooks, alert_group_users, alert_groups, alert_webhooks,
      monitoring_events;
    drop function weft_instance_events, weft_customer_events, weft_integration_events,
      weft_integration_version_events, weft_component_events, weft_connection_events, weft_user_events,
      weft_customer_user_events, weft_monitoring_config_events, weft_record_event;
  `.execute(db);
}
