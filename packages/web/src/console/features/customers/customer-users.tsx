import { useDeferredValue, useId, useMemo, useState } from 'react';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { formErrorOf } from '../../ui/field-errors.js';
import { Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { useAddCustomerUser, useChangeCustomerUserRole, useRemoveCustomerUser } from './mutations.js';
import { type CustomerRole, type CustomerUser, useCustomerUsers } from './queries.js';

const roles: CustomerRole[] = ['admin', 'member', 'marketplace-admin', 'marketplace-user'];
const roleHelp: Record<CustomerRole, string> = {
  admin: 'manages the customer’s users and instances',
  member: 'reads the customer’s users and instances',
  'marketplace-admin': 'activates and configures integrations in the embedded marketplace',
  'marketplace-user': 'user-level configuration only',
};

const who = (user: CustomerUser) => user.name || user.email || user.externalId || user.id;

/** A customer's people: most arrive through embedded sign-in; the team can add one, change a role, remove one. */
export function CustomerUsers({ customerId, customerName }: { customerId: string; customerName: string }) {
  const { can } = useConsole();
  const mayWrite = can('customer-users:write');
  const [search, setSearch] = useState('');
  const [role, setRole] = useState('');
  const deferredSearch = useDeferredValue(search);
  const users = useCustomerUsers(customerId, { search: deferredSearch, role });
  const rows = useMemo(() => users.data?.pages.flatMap((page) => page.items) ?? [], [users.data]);
  const changeRole = useChangeCustomerUserRole(customerId);
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<CustomerUser>();
  const filterId = useId();

  return (
    <Section
      id="customer-users"
      title="Users"
      actions={
        mayWrite && (
          <button
            type="button"
            className="button"
            data-testid="customer-user-add"
            onClick={() => setAdding(true)}
          >
            Add user
          </button>
        )
      }
    >
      <div data-testid="customer-users" className="stack">
        <p className="small muted">
          Embedded sign-in creates users on their first sign-in; add one by hand to give a role before then.
        </p>
        <search className="toolbar customers-toolbar">
          <label className="field grow" htmlFor={`${filterId}-search`}>
            <span className="label">Search users</span>
            <input
              id={`${filterId}-search`}
              className="input"
              type="search"
              placeholder="Name, email or external id"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
          </label>
          <label className="field" htmlFor={`${filterId}-role`}>
            <span className="label">Role</span>
            <select
              id={`${filterId}-role`}
              className="select"
              value={role}
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
        {changeRole.isError && (
          <div className="notice error row" role="alert">
            <span className="spacer">
              Could not change the role of {changeRole.variables && who(changeRole.variables.user)}:{' '}
              {messageOf(changeRole.error)}
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
        ) : rows.length === 0 ? (
          <div className="empty">
            {search || role ? 'No user matches these filters.' : `${customerName} has no users yet.`}
          </div>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col" className="customers-optional">
                    Last sign-in
                  </th>
                  {mayWrite && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {rows.map((user) => (
                  <tr key={user.id}>
                    <td>
                      <div>{user.name || <span className="muted">(no name)</span>}</div>
                      <div className="small muted">
                        {[user.email, user.externalId && `external id ${user.externalId}`]
                          .filter(Boolean)
                          .join(' · ')}
                      </div>
                    </td>
                    <td>
                      {mayWrite ? (
                        <select
                          className="select"
                          aria-label={`Role of ${who(user)}`}
                          value={user.role}
                          disabled={changeRole.isPending && changeRole.variables?.user.id === user.id}
                          data-testid="customer-user-role"
                          onChange={(event) =>
                            changeRole.mutate({ user, role: event.target.value as CustomerRole })
                          }
                        >
                          {roles.map((candidate) => (
                            <option key={candidate} value={candidate}>
                              {candidate}
                            </option>
                          ))}
                        </select>
                      ) : (
                        <span className="chip">{user.role}</span>
                      )}
                    </td>
                    <td className="small muted customers-optional">
                      {user.lastSignInAt ? <When value={user.lastSignInAt} /> : 'never'}
                    </td>
                    {mayWrite && (
                      <td className="customers-cell-end">
                        <button
                          type="button"
                          className="button link danger-link"
                          aria-label={`Remove ${who(user)}`}
                          onClick={() => setRemoving(user)}
                        >
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {users.hasNextPage && (
          <button
            type="button"
            className="button"
            disabled={users.isFetchingNextPage}
            onClick={() => void users.fetchNextPage()}
          >
            {users.isFetchingNextPage ? 'Loading…' : 'Show more users'}
          </button>
        )}
        <details className="small">
          <summary>What each role may do</summary>
          <dl className="facts customers-roles">
            {roles.map((candidate) => (
              <div key={candidate}>
                <dt>{candidate}</dt>
                <dd>{roleHelp[candidate]}</dd>
              </div>
            ))}
          </dl>
        </details>
      </div>
      {adding && <AddUserDialog customerId={customerId} onClose={() => setAdding(false)} />}
      {removing && (
        <RemoveUserDialog customerId={customerId} user={removing} onClose={() => setRemoving(undefined)} />
      )}
    </Section>
  );
}

const userFields = ['name', 'email', 'externalId', 'role'] as const;

function AddUserDialog({ customerId, onClose }: { customerId: string; onClose: () => void }) {
  const add = useAddCustomerUser(customerId);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [externalId, setExternalId] = useState('');
  const [role, setRole] = useState<CustomerRole>('marketplace-admin');
  const id = useId();
  const problem = formErrorOf(add.error, userFields);
  const at = (field: (typeof userFields)[number]) => (problem?.field === field ? problem.message : undefined);
  const described = (field: (typeof userFields)[number], help?: boolean) =>
    [help ? `${id}-${field}-help` : '', at(field) ? `${id}-${field}-error` : ''].filter(Boolean).join(' ') ||
    undefined;
  const error = (field: (typeof userFields)[number]) =>
    at(field) && (
      <span className="error" id={`${id}-${field}-error`} role="alert">
        {at(field)}
      </span>
    );

  return (
    <Dialog
      title="Add a customer user"
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
            disabled={
              add.isPending || name.trim() === '' || (email.trim() === '' && externalId.trim() === '')
            }
            data-testid="customer-user-submit"
          >
            {add.isPending ? 'Adding…' : 'Add user'}
          </button>
        </>
      }
    >
      <form
        id={`${id}-form`}
        className="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          add.mutate(
            {
              name: name.trim(),
              role,
              ...(email.trim() ? { email: email.trim() } : {}),
              ...(externalId.trim() ? { externalId: externalId.trim() } : {}),
            },
            { onSuccess: onClose },
          );
        }}
      >
        <div className="field">
          <label className="label" htmlFor={`${id}-name`}>
            Name
          </label>
          <input
            id={`${id}-name`}
            className="input"
            value={name}
            required
            autoComplete="off"
            data-testid="customer-user-name-input"
            aria-invalid={at('name') ? true : undefined}
            aria-describedby={described('name')}
            onChange={(event) => setName(event.target.value)}
          />
          {error('name')}
        </div>
        <div className="field">
          <label className="label" htmlFor={`${id}-email`}>
            Email
          </label>
          <input
            id={`${id}-email`}
            className="input"
            type="email"
            value={email}
            autoComplete="off"
            data-testid="customer-user-email-input"
            aria-invalid={at('email') ? true : undefined}
            aria-describedby={described('email', true)}
            onChange={(event) => setEmail(event.target.value)}
          />
          <span className="help" id={`${id}-email-help`}>
            An email or an external id (or both); each is unique within the customer.
          </span>
          {error('email')}
        </div>
        <div className="field">
          <label className="label" htmlFor={`${id}-externalId`}>
            External id
          </label>
          <input
            id={`${id}-externalId`}
            className="input mono"
            value={externalId}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={at('externalId') ? true : undefined}
            aria-describedby={described('externalId', true)}
            onChange={(event) => setExternalId(event.target.value)}
          />
          <span className="help" id={`${id}-externalId-help`}>
            The id their embedded sign-in JWT carries (external_id or sub), so they get this role on first
            sign-in.
          </span>
          {error('externalId')}
        </div>
        <div className="field">
          <label className="label" htmlFor={`${id}-role`}>
            Role
          </label>
          <select
            id={`${id}-role`}
            className="select"
            value={role}
            data-testid="customer-user-role-input"
            aria-describedby={`${id}-role-help`}
            onChange={(event) => setRole(event.target.value as CustomerRole)}
          >
            {roles.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
          <span className="help" id={`${id}-role-help`}>
            {roleHelp[role]}
          </span>
          {error('role')}
        </div>
        {problem && !problem.field && (
          <div className="notice error" role="alert">
            {problem.message}
          </div>
        )}
      </form>
    </Dialog>
  );
}

function RemoveUserDialog({
  customerId,
  user,
  onClose,
}: {
  customerId: string;
  user: CustomerUser;
  onClose: () => void;
}) {
  const remove = useRemoveCustomerUser(customerId);
  return (
    <ConfirmDialog
      title={`Remove ${who(user)}?`}
      confirmLabel="Remove user"
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(user, { onSuccess: onClose })}
    >
      <p>They lose access to the customer's marketplace and instances.</p>
      <p className="small muted">
        A user of embedded sign-in is created again, with the default role, the next time they sign in.
      </p>
    </ConfirmDialog>
  );
}
