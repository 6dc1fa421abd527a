import { useId, useState } from 'react';
import { type ApiSchema, messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { When } from '../../ui/when.js';
import {
  FieldError,
  FormError,
  fieldErrorsOf,
  formErrorOf,
  OnceSecret,
  type Role,
  roleHelp,
  useGrantableRoles,
} from './settings-common.js';

export type ApiToken = ApiSchema<'ApiToken'>;
type CreatedToken = { token: ApiToken; secret: string };

/**
 * A list of API tokens (few per organization: the API answers them whole, so a plain table). Revoked ones stay
 * listed, marked, when `includeRevoked` is on.
 */
export function TokenTable({
  query,
  label,
  showOwner,
  mayRevoke,
  onRevoke,
  empty,
}: {
  query: {
    isPending: boolean;
    isError: boolean;
    error: unknown;
    data?: { items: ApiToken[] };
    refetch(): unknown;
  };
  label: string;
  showOwner: boolean;
  mayRevoke(token: ApiToken): boolean;
  onRevoke(token: ApiToken): void;
  empty: string;
}) {
  if (query.isPending) return <Loading />;
  if (query.isError || !query.data) {
    return <ErrorNotice onRetry={() => void query.refetch()}>{messageOf(query.error)}</ErrorNotice>;
  }
  const tokens = query.data.items;
  if (tokens.length === 0) return <div className="empty">{empty}</div>;
  return (
    <div className="table-wrap">
      <table className="table settings-table" aria-label={label} data-testid="tokens-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            {showOwner && <th scope="col">Belongs to</th>}
            <th scope="col" className="settings-optional">
              Created
            </th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((token) => (
            <tr key={token.id} className={token.revokedAt ? 'settings-revoked' : undefined}>
              <td>
                <div>{token.name}</div>
                <div className="small muted mono">{token.prefix}</div>
              </td>
              <td>{token.role}</td>
              {showOwner && (
                <td>{token.owner ? token.owner.email : <span className="muted">the organization</span>}</td>
              )}
              <td className="settings-optional">
                <When value={token.createdAt} />
              </td>
              <td>
                {token.lastUsedAt ? <When value={token.lastUsedAt} /> : <span className="muted">never</span>}
              </td>
              <td className="settings-actions-cell">
                {token.revokedAt ? (
                  <Badge kind="cancelled">
                    revoked <When value={token.revokedAt} />
                  </Badge>
                ) : (
                  mayRevoke(token) && (
                    <button
                      type="button"
                      className="button small-button danger"
                      aria-label={`Revoke ${token.name}`}
                      data-testid="token-revoke"
                      onClick={() => onRevoke(token)}
                    >
                      Revoke
                    </button>
                  )
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Name, role (at most one's own), and for organization tokens whom it belongs to; then the secret, once. */
export function CreateTokenDialog({
  title,
  intro,
  create,
  ownerChoice,
  onClose,
}: {
  title: string;
  intro: string;
  create: {
    mutate(
      body: { name: string; role: Role; userId?: null; forMe?: boolean },
      options?: { onSuccess?: (created: CreatedToken) => void },
    ): void;
    isPending: boolean;
    error: unknown;
    data?: CreatedToken | undefined;
  };
  ownerChoice: boolean;
  onClose: () => void;
}) {
  const grantable = useGrantableRoles();
  const [name, setName] = useState('');
  // The least a token can do, unless its maker chooses more: tokens do not expire.
  const [role, setRole] = useState<Role>(grantable.at(-1) ?? 'viewer');
  const [owner, setOwner] = useState<'me' | 'organization'>('me');
  const ids = { name: useId(), role: useId(), owner: useId() };
  const errors = fieldErrorsOf(create.error);
  const created = create.data;
  if (created) {
    return (
      <Dialog
        title={`Token “${created.token.name}” created`}
        onClose={onClose}
        footer={
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        }
      >
        <OnceSecret
          label="Token"
          value={created.secret}
          testId="token-secret"
          warning={
            <>
              Copy the token now and keep it somewhere safe. <strong>You will not see it again</strong>: Weft
              keeps only its hash. Send it as <code>Authorization: Bearer &lt;token&gt;</code>.
            </>
          }
        />
      </Dialog>
    );
  }
  return (
    <Dialog
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="settings-token-form"
            className="button primary"
            disabled={create.isPending}
            data-testid="token-create-submit"
          >
            {create.isPending ? 'Creating…' : 'Create token'}
          </button>
        </>
      }
    >
      <form
        id="settings-token-form"
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({
            name: name.trim(),
            role,
            ...(ownerChoice ? (owner === 'organization' ? { userId: null } : { forMe: true }) : {}),
          });
        }}
      >
        <p className="muted small">{intro}</p>
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input
            id={ids.name}
            className="input"
            required
            maxLength={200}
            placeholder="CI deploys"
            value={name}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? `${ids.name}-error` : undefined}
            data-testid="token-name"
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
            aria-describedby={`${ids.role}-help${errors.role ? ` ${ids.role}-error` : ''}`}
            aria-invalid={errors.role ? true : undefined}
            data-testid="token-role"
            onChange={(event) => setRole(event.target.value as Role)}
          >
            {grantable.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
          <div id={`${ids.role}-help`} className="help small muted">
            {roleHelp[role]}. Give a token the least it needs.
          </div>
          <FieldError id={`${ids.role}-error`} message={errors.role} />
        </div>
        {ownerChoice && (
          <fieldset className="field settings-fieldset">
            <legend className="label">Belongs to</legend>
            <label className="row settings-radio">
              <input type="radio" name={ids.owner} checked={owner === 'me'} onChange={() => setOwner('me')} />
              <span>Me: acts as me, never with more than my role, and is deleted if I am removed</span>
            </label>
            <label className="row settings-radio">
              <input
                type="radio"
                name={ids.owner}
                checked={owner === 'organization'}
                data-testid="token-owner-organization"
                onChange={() => setOwner('organization')}
              />
              <span>The organization: for automation that must outlive any one person</span>
            </label>
          </fieldset>
        )}
        <p className="small muted">Tokens do not expire: revoke one when it is no longer needed.</p>
        <FormError message={formErrorOf(create.error, ['name', 'role'])} />
      </form>
    </Dialog>
  );
}

export function RevokeTokenDialog({
  token,
  revoke,
  onClose,
}: {
  token: ApiToken;
  revoke: {
    mutate(id: string, options?: { onSuccess?: () => void }): void;
    isPending: boolean;
    error: unknown;
  };
  onClose: () => void;
}) {
  return (
    <ConfirmDialog
      title={`Revoke “${token.name}”?`}
      confirmLabel="Revoke token"
      busy={revoke.isPending}
      error={revoke.error ? messageOf(revoke.error) : undefined}
      onClose={onClose}
      onConfirm={() => revoke.mutate(token.id, { onSuccess: onClose })}
    >
      <p>
        Anything using this token ({token.prefix}) is refused from now on. This cannot be undone: create a new
        token instead.
      </p>
    </ConfirmDialog>
  );
}
