import type { WeftClient } from '@weft/client';
import { useState } from 'react';
import { answerOf, messageOf } from '../../shared/api.js';
import { PublicPage } from './public-page.js';

/** Where an invitation link lands (`/invitations/<secret>`): the person chooses a password and is signed in. */
export function InvitationScreen({
  api,
  secret,
  onSignedIn,
}: {
  api: WeftClient;
  secret: string;
  onSignedIn: (returnTo: string) => Promise<void>;
}) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const mismatch = confirm.length > 0 && confirm !== password;

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(undefined);
    try {
      await answerOf(
        api.POST('/api/auth/invitations/accept', {
          body: { secret, password, ...(name.trim() ? { name: name.trim() } : {}) },
        }),
      );
      await onSignedIn('/');
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <PublicPage title="Join your team on Weft">
      <p className="muted">Choose a password to finish your account. The link works once.</p>
      <form className="stack" onSubmit={submit} noValidate>
        <label className="field">
          <span className="label">Your name (optional)</span>
          <input
            className="input"
            autoComplete="name"
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <label className="field">
          <span className="label">Password</span>
          <input
            className="input"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            data-testid="invitation-password"
          />
          <span className="help">At least 12 characters.</span>
        </label>
        <label className={`field${mismatch ? ' invalid' : ''}`}>
          <span className="label">Password again</span>
          <input
            className="input"
            type="password"
            autoComplete="new-password"
            aria-invalid={mismatch}
            value={confirm}
            onChange={(event) => setConfirm(event.target.value)}
            data-testid="invitation-confirm"
          />
          {mismatch && <span className="error">The two passwords differ.</span>}
        </label>
        {error && (
          <div className="notice error" role="alert">
            {error}
          </div>
        )}
        <button
          type="submit"
          className="button primary"
          disabled={busy || !password || mismatch}
          data-testid="invitation-submit"
        >
          {busy ? 'Saving…' : 'Set password and sign in'}
        </button>
      </form>
    </PublicPage>
  );
}
