import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Empty, ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed, useConsole } from '../../console-context.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { formErrorOf } from '../../ui/field-errors.js';
import { PageHeader } from '../../ui/page.js';
import { useDeleteGroup, useSaveGroup, useTestGroup } from './mutations.js';
import { describedBy, Field, focusFirstInvalid, MonitorTabs, TestOutcome } from './parts.js';
import { type AlertGroup, useGroupList, useOrgUsers, useWebhookChoices } from './queries.js';
import './monitors.css';

/** `/monitors/groups`: who hears an alert. People by email (organization or customer users), and webhooks. */
export default function GroupsTab() {
  const { can } = useConsole();
  const list = useGroupList();
  const [dialog, setDialog] = useState<
    { kind: 'new' } | { kind: 'edit' | 'delete' | 'test'; group: AlertGroup } | undefined
  >();
  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const mayWrite = can('alerts:write');

  return (
    <>
      <PageHeader
        title="Alert groups"
        description="The people and webhooks a monitor notifies. Attach your team's groups to every monitor, and a customer's own group to its instances' monitors."
        actions={
          <IfAllowed permission="alerts:write">
            <button
              type="button"
              className="button primary"
              data-testid="alert-groups-new"
              onClick={() => setDialog({ kind: 'new' })}
            >
              Add alert group
            </button>
          </IfAllowed>
        }
      />
      <MonitorTabs />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorNotice onRetry={() => void list.refetch()}>{messageOf(list.error)}</ErrorNotice>
      ) : rows.length === 0 ? (
        <Empty>
          No alert groups yet.{' '}
          {mayWrite
            ? 'Add one with the people to email (and the webhooks to call) when a monitor fires, then choose it on your monitors.'
            : 'Someone who may change alerting adds them.'}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table monitors-table" data-testid="alert-groups-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Users</th>
                <th scope="col" className="hide-narrow">
                  Webhooks
                </th>
                <th scope="col" className="hide-narrow">
                  Monitors
                </th>
                {mayWrite && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {rows.map((group) => (
                <tr key={group.id} data-testid="alert-group-row" data-name={group.name}>
                  <td>
                    <strong>{group.name}</strong>
                  </td>
                  <td className="monitors-break small">
                    {group.users.length === 0 ? (
                      <span className="muted">None</span>
                    ) : (
                      group.users.map((user, index) => (
                        <span key={user.id} title={user.email ?? undefined}>
                          {index > 0 ? ', ' : ''}
                          {user.name}
                          {user.kind === 'customer' && <span className="muted"> (customer)</span>}
                        </span>
                      ))
                    )}
                  </td>
                  <td className="monitors-break small hide-narrow">
                    {group.webhooks.length === 0 ? (
                      <span className="muted">None</span>
                    ) : (
                      group.webhooks.map((webhook) => webhook.name).join(', ')
                    )}
                  </td>
                  <td className="numeric hide-narrow">{group.monitorCount}</td>
                  {mayWrite && (
                    <td className="monitors-cell-end">
                      <span className="row wrap monitors-row-actions">
                        <button
                          type="button"
                          className="button small-button"
                          data-testid="alert-group-test"
                          onClick={() => setDialog({ kind: 'test', group })}
                        >
                          Send test alert
                        </button>
                        <button
                          type="button"
                          className="button small-button"
                          data-testid="alert-group-edit"
                          onClick={() => setDialog({ kind: 'edit', group })}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          className="button small-button danger"
                          data-testid="alert-group-delete"
                          onClick={() => setDialog({ kind: 'delete', group })}
                        >
                          Delete
                        </button>
                      </span>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
          {list.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                disabled={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                {list.isFetchingNextPage ? 'Loading…' : 'Show more'}
              </button>
            </div>
          )}
        </div>
      )}
      {dialog?.kind === 'new' && <GroupFormDialog onClose={() => setDialog(undefined)} />}
      {dialog?.kind === 'edit' && (
        <GroupFormDialog group={dialog.group} onClose={() => setDialog(undefined)} />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteGroupDialog group={dialog.group} onClose={() => setDialog(undefined)} />
      )}
      {dialog?.kind === 'test' && (
        <TestGroupDialog group={dialog.group} onClose={() => setDialog(undefined)} />
      )}
    </>
  );
}

const fields = ['name', 'users', 'webhooks'] as const;

function splitEmails(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((email) => email.trim())
    .filter(Boolean);
}

/** New alert group or change one: a name, organization users (ticked), customer users (by email), webhooks. */
function GroupFormDialog({ group, onClose }: { group?: AlertGroup; onClose: () => void }) {
  const id = useId();
  const save = useSaveGroup(group);
  const users = useOrgUsers();
  const webhooks = useWebhookChoices();
  const [name, setName] = useState(group?.name ?? '');
  const [userIds, setUserIds] = useState<string[]>(
    group?.users.filter((user) => user.kind === 'organization').map((user) => user.id) ?? [],
  );
  const [customerEmails, setCustomerEmails] = useState(
    group?.users
      .filter((user) => user.kind === 'customer')
      .map((user) => user.email ?? user.id)
      .join('\n') ?? '',
  );
  const [webhookIds, setWebhookIds] = useState<string[]>(group?.webhooks.map((webhook) => webhook.id) ?? []);
  const [userFilter, setUserFilter] = useState('');
  const [nameCheck, setNameCheck] = useState<string>();
  const problem = formErrorOf(save.error, fields);
  const at = (field: (typeof fields)[number]) => (problem?.field === field ? problem.message : undefined);

  const shownUsers = useMemo(() => {
    const wanted = userFilter.trim().toLowerCase();
    const all = users.data ?? [];
    return wanted
      ? all.filter(
          (user) => user.name.toLowerCase().includes(wanted) || user.email.toLowerCase().includes(wanted),
        )
      : all;
  }, [users.data, userFilter]);

  function submit(event: React.FormEvent) {
    event.preventDefault();
    if (name.trim() === '') {
      setNameCheck('Give the group a name.');
      focusFirstInvalid(`${id}-form`);
      return;
    }
    save.mutate(
      { name: name.trim(), users: [...userIds, ...splitEmails(customerEmails)], webhooks: webhookIds },
      { onSuccess: onClose, onError: () => focusFirstInvalid(`${id}-form`) },
    );
  }

  const toggle = (list: string[], value: string, on: boolean) =>
    on ? [...list, value] : list.filter((candidate) => candidate !== value);

  return (
    <Dialog
      wide
      title={group ? `Edit ${group.name}` : 'Add alert group'}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button primary"
            disabled={save.isPending}
            data-testid="alert-group-submit"
          >
            {save.isPending ? 'Saving…' : group ? 'Save' : 'Create group'}
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="stack monitors-form" onSubmit={submit} noValidate>
        <Field
          id={`${id}-name`}
          label="Name"
          error={nameCheck ?? at('name')}
          help="For example “DevOps” or “Customer – Acme”."
        >
          <input
            id={`${id}-name`}
            className="input"
            maxLength={200}
            value={name}
            autoComplete="off"
            data-testid="alert-group-name"
            aria-invalid={nameCheck || at('name') ? true : undefined}
            aria-describedby={describedBy(`${id}-name`, true, nameCheck ?? at('name'))}
            onChange={(event) => {
              setName(event.target.value);
              setNameCheck(undefined);
            }}
          />
        </Field>

        <fieldset className="monitors-fieldset stack-tight">
          <legend className="label">People of your organization</legend>
          <p className="small muted">They get an email for each alert.</p>
          {users.isPending ? (
            <Loading />
          ) : users.isError ? (
            <ErrorNotice onRetry={() => void users.refetch()}>{messageOf(users.error)}</ErrorNotice>
          ) : (
            <>
              {(users.data?.length ?? 0) > 8 && (
                <input
                  className="input"
                  type="search"
                  aria-label="Filter people"
                  placeholder="Filter by name or email"
                  value={userFilter}
                  onChange={(event) => setUserFilter(event.target.value)}
                />
              )}
              <div className="monitors-checklist scroll" data-testid="alert-group-users">
                {shownUsers.map((user) => (
                  <label key={user.id} className="checkbox monitors-choice">
                    <input
                      type="checkbox"
                      checked={userIds.includes(user.id)}
                      data-testid="alert-group-user-option"
                      data-email={user.email}
                      onChange={(event) =>
                        setUserIds((current) => toggle(current, user.id, event.target.checked))
                      }
                    />
                    <span>
                      {user.name} <span className="small muted">{user.email}</span>
                    </span>
                  </label>
                ))}
                {shownUsers.length === 0 && <p className="small muted">Nobody matches.</p>}
              </div>
            </>
          )}
        </fieldset>

        <Field
          id={`${id}-customers`}
          label="Customer users (optional)"
          error={at('users')}
          help="Emails of your customers' users, one per line or comma-separated: they get the alerts too. Use a separate group per customer."
        >
          <textarea
            id={`${id}-customers`}
            className="textarea"
            rows={3}
            value={customerEmails}
            spellCheck={false}
            placeholder="ops@customer.example"
            data-testid="alert-group-customer-emails"
            aria-invalid={at('users') ? true : undefined}
            aria-describedby={describedBy(`${id}-customers`, true, at('users'))}
            onChange={(event) => setCustomerEmails(event.target.value)}
          />
        </Field>

        <fieldset className="monitors-fieldset stack-tight">
          <legend className="label">Webhooks</legend>
          {webhooks.isPending ? (
            <Loading />
          ) : webhooks.isError ? (
            <ErrorNotice onRetry={() => void webhooks.refetch()}>{messageOf(webhooks.error)}</ErrorNotice>
          ) : webhooks.data.length === 0 ? (
            <p className="small muted">
              No alert webhooks yet. <Link href="/webhooks">Add one</Link> to send alerts to Slack, PagerDuty
              or your own endpoint.
            </p>
          ) : (
            <div className="monitors-checklist" data-testid="alert-group-webhooks">
              {webhooks.data.map((webhook) => (
                <label key={webhook.id} className="checkbox monitors-choice">
                  <input
                    type="checkbox"
                    checked={webhookIds.includes(webhook.id)}
                    data-testid="alert-group-webhook-option"
                    data-name={webhook.name}
                    onChange={(event) =>
                      setWebhookIds((current) => toggle(current, webhook.id, event.target.checked))
                    }
                  />
                  <span>
                    {webhook.name} <span className="small muted mono monitors-break">{webhook.url}</span>
                  </span>
                </label>
              ))}
            </div>
          )}
          {at('webhooks') && (
            <p className="error small" role="alert">
              {at('webhooks')}
            </p>
          )}
        </fieldset>

        {problem && !problem.field && (
          <div className="notice error" role="alert">
            {problem.message}
          </div>
        )}
      </form>
    </Dialog>
  );
}

function DeleteGroupDialog({ group, onClose }: { group: AlertGroup; onClose: () => void }) {
  const remove = useDeleteGroup();
  return (
    <ConfirmDialog
      title={`Delete ${group.name}?`}
      confirmLabel={remove.isPending ? 'Deleting…' : 'Delete alert group'}
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(group, { onSuccess: onClose })}
    >
      <p>
        {group.monitorCount > 0
          ? `${group.monitorCount} monitor${group.monitorCount === 1 ? '' : 's'} notify this group; they stop notifying its people and webhooks.`
          : 'No monitor notifies this group.'}
      </p>
      <p className="muted">This cannot be undone.</p>
    </ConfirmDialog>
  );
}

/** Sends a sample alert on opening, and shows each delivery's outcome. */
function TestGroupDialog({ group, onClose }: { group: AlertGroup; onClose: () => void }) {
  const test = useTestGroup();
  const { mutate } = test;
  // Once per opening (a development double effect would send two samples).
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    mutate(group.id);
  }, [mutate, group.id]);
  return (
    <Dialog
      wide
      title={`Test alert to ${group.name}`}
      onClose={onClose}
      footer={
        <>
          <button
            type="button"
            className="button"
            disabled={test.isPending}
            onClick={() => test.mutate(group.id)}
          >
            Send again
          </button>
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        </>
      }
    >
      <div aria-live="polite">
        {test.isPending ? (
          <Loading label="Sending a sample alert…" />
        ) : test.isError ? (
          <ErrorNotice>{messageOf(test.error)}</ErrorNotice>
        ) : test.data ? (
          <TestOutcome deliveries={test.data.deliveries} />
        ) : null}
      </div>
    </Dialog>
  );
}
