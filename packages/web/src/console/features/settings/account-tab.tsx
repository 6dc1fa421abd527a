import { useId, useState } from 'react';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { ConfirmDialog } from '../../ui/dialog.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { useChangePassword, useCreateMyToken, useRevokeMyToken, useSignOutEverywhere } from './mutations.js';
import { useMe, useMyTokens } from './queries.js';
import { FieldError, FormError, fieldErrorsOf, formErrorOf } from './settings-common.js';
import { type ApiToken, CreateTokenDialog, RevokeTokenDialog, TokenTable } from './token-parts.js';

const minimumPassword = 12;

/** The signed-in person: who they are, their password, their own API tokens, their sessions. */
export default function AccountTab() {
  const me = useMe();
  return (
    <>
      <PageHeader title="My account" description="Your sign-in, your own API tokens and your sessions." />
      {me.isPending ? (
        <Loading />
      ) : me.isError ? (
        <ErrorNotice onRetry={() => void me.refetch()}>{messageOf(me.error)}</ErrorNotice>
      ) : (
        <>
          <Section title="You" id="account-you">
            <dl className="settings-facts">
              <div className="settings-fact">
                <dt>Name</dt>
                <dd data-testid="account-name">{me.data.name}</dd>
              </div>
              <div className="settings-fact">
                <dt>Email</dt>
                <dd data-testid="account-email">{me.data.email}</dd>
              </div>
              <div className="settings-fact">
                <dt>Role</dt>
                <dd>{me.data.role}</dd>
              </div>
              <div className="settings-fact">
                <dt>Signs in with</dt>
                <dd>
                  {[me.data.hasPassword ? 'a password' : '', me.data.singleSignOn ? 'single sign-on' : '']
                    .filter(Boolean)
                    .join(' or ') || 'nothing yet'}
                </dd>
              </div>
              <div className="settings-fact">
                <dt>Last sign-in</dt>
                <dd>{me.data.lastSignInAt ? <When value={me.data.lastSignInAt} /> : 'never'}</dd>
              </div>
            </dl>
            <p className="small muted">
              Your name and role are changed by an owner or admin in Users and roles.
            </p>
          </Section>
          <PasswordForm hasPassword={me.data.hasPassword} />
          <MyTokens />
          <Sessions />
        </>
      )}
    </>
  );
}

function PasswordForm({ hasPassword }: { hasPassword: boolean }) {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const ids = { current: useId(), next: useId(), repeat: useId() };
  const errors = fieldErrorsOf(change.error);
  const tooShort = next.length > 0 && next.length < minimumPassword;
  const nextError = errors.newPassword ?? (tooShort ? `At least ${minimumPassword} characters.` : undefined);
  const repeatError = mismatch && repeat !== next ? 'The two new passwords differ.' : undefined;
  return (
    <Section title={hasPassword ? 'Change password' : 'Set a password'} id="account-password">
      <form
        className="stack settings-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (next !== repeat) {
            setMismatch(true);
            return;
          }
          change.mutate(
            { ...(hasPassword ? { currentPassword: current } : {}), newPassword: next },
            {
              onSuccess: () => {
                setCurrent('');
                setNext('');
                setRepeat('');
                setMismatch(false);
              },
            },
          );
        }}
      >
        {!hasPassword && (
          <p className="small muted">
            You sign in with single sign-on; a password lets you sign in without it too.
          </p>
        )}
        {hasPassword && (
          <div className="field">
            <label htmlFor={ids.current}>Current password</label>
            <input
              id={ids.current}
              className="input"
              type="password"
              autoComplete="current-password"
              required
              value={current}
              aria-invalid={errors.currentPassword ? true : undefined}
              aria-describedby={errors.currentPassword ? `${ids.current}-error` : undefined}
              data-testid="account-current-password"
              onChange={(event) => setCurrent(event.target.value)}
            />
            <FieldError id={`${ids.current}-error`} message={errors.currentPassword} />
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.next}>New password</label>
          <input
            id={ids.next}
            className="input"
            type="password"
            autoComplete="new-password"
            required
            minLength={minimumPassword}
            maxLength={256}
            value={next}
            aria-invalid={nextError ? true : undefined}
            aria-describedby={`${ids.next}-help${nextError ? ` ${ids.next}-error` : ''}`}
            data-testid="account-new-password"
            onChange={(event) => setNext(event.target.value)}
          />
          <div id={`${ids.next}-help`} className="help small muted">
            12 to 256 characters. A few unrelated words make a good one.
          </div>
          <FieldError id={`${ids.next}-error`} message={nextError} />
        </div>
        <div className="field">
          <label htmlFor={ids.repeat}>New password again</label>
          <input
            id={ids.repeat}
            className="input"
            type="password"
            autoComplete="new-password"
            required
            value={repeat}
            aria-invalid={repeatError ? true : undefined}
            aria-describedby={repeatError ? `${ids.repeat}-error` : undefined}
            data-testid="account-repeat-password"
            onChange={(event) => setRepeat(event.target.value)}
          />
          <FieldError id={`${ids.repeat}-error`} message={repeatError} />
        </div>
        <p className="small muted">
          Changing it signs you out of your other sessions; your API tokens keep working.
        </p>
        <FormError message={formErrorOf(change.error, ['currentPassword', 'newPassword'])} />
        <div className="row">
          <button
            type="submit"
            className="button primary"
            disabled={change.isPending || tooShort}
            data-testid="account-password-save"
          >
            {change.isPending ? 'Saving…' : hasPassword ? 'Change password' : 'Set password'}
          </button>
        </div>
      </form>
    </Section>
  );
}

function MyTokens() {
  const [includeRevoked, setIncludeRevoked] = useState(false);
  const tokens = useMyTokens(includeRevoked);
  const create = useCreateMyToken();
  const revoke = useRevokeMyToken();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiToken>();
  return (
    <Section
      title="My API tokens"
      id="account-tokens"
      actions={
        <button
          type="button"
          className="button"
          data-testid="account-tokens-create"
          onClick={() => {
            create.reset();
            setCreating(true);
          }}
        >
          Create token
        </button>
      }
    >
      <p className="small muted">
        Tokens that act as you, for the CLI (<code>weft login</code> makes one) and your scripts. They never
        do more than your role allows, and are deleted if you are removed.
      </p>
      <label className="row settings-checkbox small">
        <input
          type="checkbox"
          checked={includeRevoked}
          onChange={(event) => setIncludeRevoked(event.target.checked)}
        />
        Show revoked tokens
      </label>
      <TokenTable
        query={tokens}
        label="My API tokens"
        showOwner={false}
        mayRevoke={() => true}
        onRevoke={(token) => {
          revoke.reset();
          setRevoking(token);
        }}
        empty="You have no API tokens."
      />
      {creating && (
        <CreateTokenDialog
          title="Create a token of my own"
          intro="It acts as you. The token is shown once, when it is created."
          create={create}
          ownerChoice={false}
          onClose={() => setCreating(false)}
        />
      )}
      {revoking && (
        <RevokeTokenDialog token={revoking} revoke={revoke} onClose={() => setRevoking(undefined)} />
      )}
    </Section>
  );
}

function Sessions() {
  const { signOut } = useConsole();
  const everywhere = useSignOutEverywhere();
  const [confirming, setConfirming] = useState(false);
  return (
    <Section title="Sessions" id="account-sessions">
      <p>
        Lost a laptop, or signed in on a shared computer? Sign out everywhere ends every session of yours, on
        every device, this one included. Your API tokens keep working: revoke those above.
      </p>
      <div className="row">
        <button
          type="button"
          className="button danger"
          data-testid="account-sign-out-everywhere"
          onClick={() => {
            everywhere.reset();
            setConfirming(true);
          }}
        >
          Sign out everywhere
        </button>
      </div>
      {confirming && (
        <ConfirmDialog
          title="Sign out everywhere?"
          confirmLabel="Sign out everywhere"
          busy={everywhere.isPending}
          error={everywhere.error ? messageOf(everywhere.error) : undefined}
          onClose={() => setConfirming(false)}
          onConfirm={() => everywhere.mutate(undefined, { onSuccess: () => void signOut() })}
        >
          <p>Every session of yours ends now, this one included: you will sign in again.</p>
        </ConfirmDialog>
      )}
    </Section>
  );
}
