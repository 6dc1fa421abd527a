import { useQuery } from '@tanstack/react-query';
import type { WeftClient } from '@weft/client';
import { useState } from 'react';
import { answerOf, messageOf, WeftApiError } from '../../shared/api.js';
import { PublicPage } from './public-page.js';

/** Why single sign-on sent the browser back (`/sign-in?error=CODE`): the console's words, never the link's. */
const singleSignOnProblems: Record<string, string> = {
  SSO_NOT_CONFIGURED:
    'Single sign-on is not set up for this organization, or it is turned off. Sign in with your password.',
  AUTH_OIDC_FAILED:
    'Your identity provider did not complete the sign-in. Try again, or ask an administrator to check the single sign-on settings.',
  AUTH_OIDC_STATE_INVALID:
    'That sign-in link expired or was opened in another browser. Start again from here.',
  AUTH_SSO_USER_NOT_ALLOWED:
    'Your account is not allowed to sign in here. Ask an administrator to invite you.',
  AUTH_SSO_EMAIL_NOT_VERIFIED:
    'Your identity provider did not confirm your email address, so it cannot be linked to an account here.',
};

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface OrganizationChoice {
  id: string;
  name: string;
}

/**
 * Email and password (the server sets the HTTP-only session cookie), or single sign-on when the organization has it
 * (a full-page redirect through the OpenID provider and back). The same email in several organizations asks which.
 */
export function SignInScreen({
  api,
  onSignedIn,
  expired,
}: {
  api: WeftClient;
  onSignedIn: (returnTo: string) => Promise<void>;
  expired: boolean;
}) {
  const query = new URLSearchParams(window.location.search);
  const returnTo = query.get('returnTo') ?? '/';
  const ssoCode = query.get('error');
  const ssoProblem = ssoCode
    ? (singleSignOnProblems[ssoCode] ??
      'Single sign-on did not complete. Try again, or sign in with your password.')
    : undefined;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [organizations, setOrganizations] = useState<OrganizationChoice[]>([]);
  const [organization, setOrganization] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // On a server with several organizations, single sign-on is the chosen organization's (or the one typed in).
  const [typedOrganization, setTypedOrganization] = useState('');
  const ssoOrganization =
    organization || (uuidPattern.test(typedOrganization.trim()) ? typedOrganization.trim() : '');
  const options = useQuery({
    queryKey: ['sign-in-options', ssoOrganization],
    queryFn: () =>
      answerOf(
        api.GET('/api/auth/sign-in-options', {
          params: { query: ssoOrganization ? { organization: ssoOrganization } : {} },
        }),
      ),
    staleTime: 60_000,
  });

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await answerOf(
        api.POST('/api/auth/sign-in', {
          body: { email, password, ...(organization ? { organization } : {}) },
        }),
      );
      await onSignedIn(returnTo);
    } catch (caught) {
      if (caught instanceof WeftApiError && caught.code === 'AUTH_SIGN_IN_ORGANIZATION_REQUIRED') {
        const choices = (caught.details.organizations ?? []) as OrganizationChoice[];
        setOrganizations(choices);
        setOrganization(choices[0]?.id ?? '');
        setError('This email signs in to several organizations: choose one.');
      } else {
        setError(messageOf(caught));
      }
    } finally {
      setBusy(false);
    }
  }

  const ssoHref = `/api/auth/oidc/start?returnTo=${encodeURIComponent(returnTo)}${
    ssoOrganization ? `&organization=${encodeURIComponent(ssoOrganization)}` : ''
  }`;
  return (
    <PublicPage title="Sign in">
      {expired && (
        <div className="notice info" role="status">
          Your session ended. Sign in again to go on where you were.
        </div>
      )}
      {ssoProblem && (
        <div className="notice error" role="alert" data-testid="sign-in-sso-problem">
          {ssoProblem}
        </div>
      )}
      <form className="stack" onSubmit={submit} noValidate>
        <label className="field">
          <span className="label">Email</span>
          <input
            className="input"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            data-testid="sign-in-email"
          />
        </label>
        <label className="field">
          <span className="label">Password</span>
          <input
            className="input"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
            data-testid="sign-in-password"
          />
        </label>
        {organizations.length > 0 && (
          <label className="field">
            <span className="label">Organization</span>
            <select
              className="select"
              value={organization}
              onChange={(event) => setOrganization(event.target.value)}
            >
              {organizations.map((choice) => (
                <option key={choice.id} value={choice.id}>
                  {choice.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {error && (
          <div className="notice error" role="alert" data-testid="sign-in-error">
            {error}
          </div>
        )}
        <button
          type="submit"
          className="button primary"
          disabled={busy || !email || !password}
          data-testid="sign-in-submit"
        >
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {options.data?.organizationRequired && organizations.length === 0 && (
        <details className="small">
          <summary>Single sign-on to a given organization</summary>
          <label className="field">
            <span className="label">Organization id</span>
            <input
              className="input mono"
              value={typedOrganization}
              onChange={(event) => setTypedOrganization(event.target.value)}
            />
            <span className="help">
              This server hosts several organizations; your administrator has the id.
            </span>
          </label>
        </details>
      )}
      {options.data?.sso && (
        <>
          <div className="divider small muted">or</div>
          <a className="button" href={ssoHref} data-testid="sign-in-sso">
            Sign in with single sign-on
          </a>
        </>
      )}
      <p className="small muted">
        First time here? Open the account link <code>npm start</code> printed when Weft first started, or ask
        an administrator to invite you.
      </p>
    </PublicPage>
  );
}
