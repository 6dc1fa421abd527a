import { createWeftClient, type WeftClient } from '@weft/client';
import { useState } from 'react';
import { answerOf, messageOf } from '../../shared/api.js';
import { PublicPage } from './public-page.js';

/** The owner token from the link `npm start` printed (`/setup#token=…`): a fragment never reaches any server log. */
function tokenFromLink(): string {
  const token = new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';
  if (token) window.history.replaceState(null, '', window.location.pathname);
  return token;
}

/**
 * The first console account: whoever holds the owner API token (printed once by the first `npm start`, or
 * WEFT_ADMIN_TOKEN) makes themselves an owner user with a password, and is signed in. Later users are invited from
 * Settings → Users.
 */
export function SetupScreen({
  api,
  onSignedIn,
}: {
  api: WeftClient;
  onSignedIn: (returnTo: string) => Promise<void>;
}) {
  const [token, setToken] = useState(tokenFromLink);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const owner = createWeftClient({ url: window.location.origin, token: token.trim() });
      await answerOf(owner.POST('/api/users', { body: { email, name, role: 'owner', password } }));
      await answerOf(api.POST('/api/auth/sign-in', { body: { email, password } }));
      await onSignedIn('/');
    } catch (caught) {
      setError(messageOf(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <PublicPage title="Create your account">
      <p className="muted">
        You become an owner of this Weft: you can then invite your team from Settings → Users.
      </p>
      <form className="stack" onSubmit={submit} noValidate>
        <label className="field">
          <span className="label">Owner API token</span>
          <input
            className="input mono"
            type="password"
            autoComplete="off"
            value={token}
            onChange={(event) => setToken(event.target.value)}
            data-testid="setup-token"
          />
          <span className="help">
            Filled in when you open the link <code>npm start</code> printed; else paste the owner token (or
            WEFT_ADMIN_TOKEN). Lost it? Run <code>npx weft tokens:recover</code>.
          </span>
        </label>
        <label className="field">
          <span className="label">Your name</span>
          <input
            className="input"
            autoComplete="name"
            value={name}
            onChange={(event) => setName(event.target.value)}
            data-testid="setup-name"
          />
        </label>
        <label className="field">
          <span className="label">Email</span>
          <input
            className="input"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            data-testid="setup-email"
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
            data-testid="setup-password"
          />
          <span className="help">At least 12 characters.</span>
        </label>
        {error && (
          <div className="notice error" role="alert">
            {error}
          </div>
        )}
        <button
          type="submit"
          className="button primary"
          disabled={busy || !token || !email || !name || !password}
          data-testid="setup-submit"
        >
          {busy ? 'Creating…' : 'Create account and sign in'}
        </button>
      </form>
    </PublicPage>
  );
}
