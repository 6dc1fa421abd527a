import { useDeferredValue, useId, useMemo, useState } from 'react';
import { type ApiSchema, messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import { useChangeUserRole, useInviteUser, useRemoveUser, useResendInvitation } from './mutations.js';
import { useUsers } from './queries.js';
import {
  canGrant,
  FieldError,
  FormError,
  fieldErrorsOf,
  formErrorOf,
  OnceSecret,
  type Role,
  roleHelp,
  roles,
  useGrantableRoles,
} from './settings-common.js';

type User = ApiSchema<'User'>;

/** The organization's team: search, invite, change roles, send new links, remove. */
export default function UsersTab() {
  const { can, session } = useConsole();
  const [search, setSearch] = useState('');
  const [role, setRole] = useState('');
  const deferredSearch = useDeferredValue(search);
  const users = useUsers({ search: deferredSearch, role });
  const [inviting, setInviting] = useState(false);
  const [removing, setRemoving] = useState<User>();
  const [linkFor, setLinkFor] = useState<User>();
  const changeRole = useChangeUserRole();
  // A role changes only once confirmed: arrowing through a closed select fires a change at every step.
  const [roleChange, setRoleChange] = useState<{ user: User; role: Role }>();
  const rows = useMemo(() => users.data?.pages.flatMap((page) => page.items) ?? [], [users.data]);
  const mayWrite = can('users:write');
  const myRole = session.role;
  const me = session.user?.id;
  // What the server allows: nothing of a user above you; a new link (a password reset) not for a peer but by owners.
  const mayChange = (user: User) => mayWrite && canGrant(myRole, user.role);
  const mayResend = (user: User) =>
    mayChange(user) && (myRole === 'owner' || user.role !== myRole || user.id === me);

  const columns: Array<Column<User>> = [
    {
      key: 'person',
      header: 'Person',
      width: 'minmax(9rem, 2fr)',
      render: (user) => (
        <div className="settings-person">
          <div className="truncate">
            {user.name}
            {user.id === me && <span className="muted small"> (you)</span>}
          </div>
          <div className="small muted truncate">{user.email}</div>
        </div>
      ),
    },
    {
      key: 'role',
      header: 'Role',
      width: '8.5rem',
      render: (user) =>
        mayChange(user) ? (
          <select
            className="select settings-role-select"
            aria-label={`Role of ${user.email}`}
            value={user.role}
            disabled={changeRole.isPending && changeRole.variables?.id === user.id}
            data-testid="user-role"
            onChange={(event) => setRoleChange({ user, role: event.target.value as Role })}
          >
            {roles
              .filter((candidate) => canGrant(myRole, candidate))
              .map((candidate) => (
                <option key={candidate} value={candidate}>
                  {candidate}
                </option>
              ))}
          </select>
        ) : (
          <span>{user.role}</span>
        ),
    },
    {
      key: 'status',
      header: 'Status',
      width: 'minmax(9rem, 1fr)',
      render: (user) => (
        <span className="stack-tight settings-status">
          <span className="row settings-status">
            {user.status === 'invited' ? (
              <Badge kind="queued">invited</Badge>
            ) : (
              <Badge kind="active">active</Badge>
            )}
            {user.singleSignOn && <span className="chip small">SSO</span>}
          </span>
          <span className="small muted truncate">
            {user.status === 'invited' ? (
              user.invitationExpiresAt ? (
                <>
                  link expires <When value={user.invitationExpiresAt} />
                </>
              ) : (
                'no valid link: send a new one'
              )
            ) : user.lastSignInAt ? (
              <>
                signed in <When value={user.lastSignInAt} />
              </>
            ) : (
              'never signed in'
            )}
          </span>
        </span>
      ),
    },
  ];
  if (mayWrite) {
    columns.push({
      key: 'actions',
      header: <span className="visually-hidden">Actions</span>,
      width: '13rem',
      render: (user) => (
        <div className="row settings-row-actions">
          {mayResend(user) && (
            <button
              type="button"
              className="button small-button"
              data-testid="user-resend"
              aria-label={`${user.status === 'invited' ? 'Resend link to' : 'Reset link for'} ${user.email}`}
              title={
                user.status === 'invited'
                  ? 'A new invitation link (the old one stops working)'
                  : 'A new link where they choose a new password (a password reset)'
              }
              onClick={() => setLinkFor(user)}
            >
              {user.status === 'invited' ? 'Resend link' : 'Reset link'}
            </button>
          )}
          {mayChange(user) && user.id !== me && (
            <button
              type="button"
              className="button small-button danger"
              aria-label={`Remove ${user.email}`}
              data-testid="user-remove"
              onClick={() => setRemoving(user)}
            >
              Remove
            </button>
          )}
        </div>
      ),
    });
  }

  return (
    <>
      <PageHeader
        title="Users and roles"
        description="Your team: who can sign in to the console and what each role may do."
        actions={
          mayWrite && (
            <button
              type="button"
              className="button primary"
              data-testid="users-invite"
              onClick={() => setInviting(true)}
            >
              Invite user
            </button>
          )
        }
      />
      <search className="toolbar settings-toolbar">
        <label className="field grow">
          <span className="label">Search</span>
          <input
            className="input"
            type="search"
            placeholder="Name or email"
            value={search}
            data-testid="users-search"
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="label">Role</span>
          <select
            className="select"
            value={role}
            data-testid="users-role-filter"
            onChange={(event) => setRole(event.target.value)}
          >
            <option value="">Every role</option>
            {roles.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
        </label>
      </search>
      {roleChange && (
        <ConfirmDialog
          title={`Change the role of ${roleChange.user.name || roleChange.user.email}?`}
          confirmLabel={`Make ${roleChange.role}`}
          onClose={() => setRoleChange(undefined)}
          onConfirm={() => {
            changeRole.mutate({
              id: roleChange.user.id,
              role: roleChange.role,
              email: roleChange.user.email,
            });
            setRoleChange(undefined);
          }}
        >
          <p>
            From <strong>{roleChange.user.role}</strong> to <strong>{roleChange.role}</strong>
            {roleChange.user.id === me ? ': this is your own role, and takes effect at once.' : '.'} Their API
            tokens follow: a token never does more than its user may.
          </p>
        </ConfirmDialog>
      )}
      {changeRole.isError && (
        <div className="notice error row" role="alert">
          <span className="spacer">
            Could not change the role of {changeRole.variables?.email}: {messageOf(changeRole.error)}
          </span>
          <button type="button" className="button link" onClick={() => changeRole.reset()}>
            Dismiss
          </button>
        </div>
      )}
      {users.isPending ? (
        <Loading />
      ) : users.isError ? (
        <ErrorNotice onRetry={() => void users.refetch()}>{messageOf(users.error)}</ErrorNotice>
      ) : (
        <VirtualTable
          label="Users"
          testId="users-table"
          rows={rows}
          columns={columns}
          rowKey={(user) => user.id}
          rowHeight={60}
          hasMore={users.hasNextPage}
          loadingMore={users.isFetchingNextPage}
          onLoadMore={() => void users.fetchNextPage()}
          empty={search || role ? 'No user matches these filters.' : 'No users yet.'}
        />
      )}
      <RoleLegend />
      {inviting && <InviteDialog onClose={() => setInviting(false)} />}
      {linkFor && <NewLinkDialog user={linkFor} onClose={() => setLinkFor(undefined)} />}
      {removing && <RemoveDialog user={removing} onClose={() => setRemoving(undefined)} />}
    </>
  );
}

function RoleLegend() {
  return (
    <details className="card settings-legend">
      <summary>What each role may do</summary>
      <dl className="settings-facts">
        {roles.map((role) => (
          <div key={role} className="settings-fact">
            <dt>{role}</dt>
            <dd>{roleHelp[role]}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function InviteDialog({ onClose }: { onClose: () => void }) {
  const grantable = useGrantableRoles();
  const invite = useInviteUser();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(
    grantable.includes('integrator') ? 'integrator' : (grantable.at(-1) ?? 'viewer'),
  );
  const ids = { email: useId(), name: useId(), role: useId() };
  const errors = fieldErrorsOf(invite.error);
  const created = invite.data;
  if (created) {
    return (
      <Dialog
        title={`Invited ${created.user.email}`}
        onClose={onClose}
        footer={
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        }
      >
        {created.invitationUrl ? (
          <OnceSecret
            label="Invitation link"
            value={created.invitationUrl}
            testId="invitation-link"
            warning={
              <>
                Send this link to {created.user.name}. It works once and for 7 days.{' '}
                <strong>You will not see it again</strong>; if it is lost, send a new one from the list.
              </>
            }
          />
        ) : (
          <p>{created.user.email} can sign in now.</p>
        )}
      </Dialog>
    );
  }
  return (
    <Dialog
      title="Invite a user"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="settings-invite-form"
            className="button primary"
            disabled={invite.isPending}
            data-testid="invite-submit"
          >
            {invite.isPending ? 'Inviting…' : 'Invite'}
          </button>
        </>
      }
    >
      <form
        id="settings-invite-form"
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          invite.mutate({ email: email.trim(), name: name.trim(), role });
        }}
      >
        <p className="muted small">
          The answer is a one-time link where they choose their password. Single sign-on users can also just
          sign in with it.
        </p>
        <div className="field">
          <label htmlFor={ids.email}>Email</label>
          <input
            id={ids.email}
            className="input"
            type="email"
            required
            autoComplete="off"
            value={email}
            aria-invalid={errors.email ? true : undefined}
            aria-describedby={errors.email ? `${ids.email}-error` : undefined}
            data-testid="invite-email"
            onChange={(event) => setEmail(event.target.value)}
          />
          <FieldError id={`${ids.email}-error`} message={errors.email} />
        </div>
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input
            id={ids.name}
            className="input"
            required
            maxLength={200}
            value={name}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? `${ids.name}-error` : undefined}
            data-testid="invite-name"
            onChange={(event) => setName(event.target.value)}
          />
          <FieldError id={`${ids.name}-error`} message={errors.name} />
        </div>
        <div className="field">
          <label htmlFor={ids.role}>Role</label>
          <select
            id={ids.role}
            className="select"
            value={role}
            aria-invalid={errors.role ? true : undefined}
            aria-describedby={`${ids.role}-help${errors.role ? ` ${ids.role}-error` : ''}`}
            data-testid="invite-role"
            onChange={(event) => setRole(event.target.value as Role)}
          >
            {grantable.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
          <div id={`${ids.role}-help`} className="help small muted">
            {roleHelp[role]}. You can give roles up to your own.
          </div>
          <FieldError id={`${ids.role}-error`} message={errors.role} />
        </div>
        <FormError message={formErrorOf(invite.error, ['email', 'name', 'role'])} />
      </form>
    </Dialog>
  );
}

function NewLinkDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const resend = useResendInvitation();
  const link = resend.data?.invitationUrl;
  const reset = user.status !== 'invited';
  return (
    <Dialog
      title={reset ? `Reset link for ${user.email}` : `New invitation for ${user.email}`}
      onClose={onClose}
      footer={
        link ? (
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        ) : (
          <>
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button
              type="button"
              className="button primary"
              disabled={resend.isPending}
              data-testid="user-resend-confirm"
              onClick={() => resend.mutate(user.id)}
            >
              {resend.isPending ? 'Making a link…' : 'Make a new link'}
            </button>
          </>
        )
      }
    >
      {link ? (
        <OnceSecret
          label="Invitation link"
          value={link}
          testId="invitation-link"
          warning={
            <>
              Send this link to {user.name}. It works once and for 7 days.{' '}
              <strong>You will not see it again.</strong>
            </>
          }
        />
      ) : (
        <p>
          {reset
            ? `Opening the new link lets ${user.name} choose a new password and ends their other sessions. `
            : ''}
          Any earlier link for {user.email} stops working.
        </p>
      )}
      <FormError message={resend.error ? messageOf(resend.error) : undefined} />
    </Dialog>
  );
}

function RemoveDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const remove = useRemoveUser();
  return (
    <ConfirmDialog
      title={`Remove ${user.email}?`}
      confirmLabel="Remove user"
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(user.id, { onSuccess: onClose })}
    >
      <p>
        {user.name} can no longer sign in: their sessions end and the API tokens they own are deleted. This
        cannot be undone; invite them again to bring them back.
      </p>
    </ConfirmDialog>
  );
}
