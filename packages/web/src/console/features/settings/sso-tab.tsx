import { useEffect, useId, useState } from 'react';
import { type ApiSchema, messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { ConfirmDialog } from '../../ui/dialog.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { useRemoveSso, useSaveSso } from './mutations.js';
import { useSsoSettings } from './queries.js';
import { FieldError, FormError, fieldErrorsOf, formErrorOf, type Role, roles } from './settings-common.js';

type SsoSettings = ApiSchema<'SsoSettings'>;

/** Single sign-on with the organization's OpenID Connect provider (owners set it up; everyone may read it). */
export default function SsoTab() {
  const { can } = useConsole();
  const sso = useSsoSettings();
  const [removing, setRemoving] = useState(false);
  const mayWrite = can('organization:write');
  const settings = sso.data ?? null;
  // Before the first save the server has not said it yet; it is always this path of the public URL.
  const redirectUri = settings?.redirectUri ?? `${window.location.origin}/api/auth/oidc/callback`;
  return (
    <>
      <PageHeader
        title="Single sign-on"
        description="Let your team sign in with your identity provider (OpenID Connect: Okta, Google Workspace, Auth0, Keycloak…)."
        actions={
          mayWrite &&
          settings && (
            <button
              type="button"
              className="button danger"
              data-testid="sso-remove"
              onClick={() => setRemoving(true)}
            >
              Remove single sign-on
            </button>
          )
        }
        meta={
          sso.isSuccess &&
          (settings ? (
            settings.enabled ? (
              <Badge kind="active">enabled</Badge>
            ) : (
              <Badge kind="paused">disabled</Badge>
            )
          ) : (
            <Badge kind="unconfigured">not set up</Badge>
          ))
        }
      />
      {sso.isPending ? (
        <Loading />
      ) : sso.isError ? (
        <ErrorNotice onRetry={() => void sso.refetch()}>{messageOf(sso.error)}</ErrorNotice>
      ) : (
        <>
          <Section title="At your provider" id="sso-provider">
            <p className="small muted">
              Create an OpenID Connect web application (authorization code flow) and register this redirect
              URI for it.
            </p>
            <dl className="settings-facts">
              <div className="settings-fact">
                <dt>Redirect URI</dt>
                <dd className="row wrap">
                  <code className="mono" data-testid="sso-redirect-uri">
                    {redirectUri}
                  </code>
                  <CopyButton value={redirectUri} label="Copy redirect URI" />
                </dd>
              </div>
              {settings && (
                <div className="settings-fact">
                  <dt>Sign-in link</dt>
                  <dd className="row wrap">
                    <code className="mono">{settings.signInUrl}</code>
                    <CopyButton value={settings.signInUrl} label="Copy sign-in link" />
                  </dd>
                </div>
              )}
            </dl>
          </Section>
          {mayWrite ? (
            <SsoForm settings={settings} />
          ) : settings ? (
            <SsoFacts settings={settings} />
          ) : (
            <div className="empty">Single sign-on is not set up. An owner can set it up here.</div>
          )}
        </>
      )}
      {removing && <RemoveSsoDialog onClose={() => setRemoving(false)} />}
    </>
  );
}

function SsoFacts({ settings }: { settings: SsoSettings }) {
  return (
    <Section title="Settings" id="sso-settings">
      <dl className="settings-facts">
        <div className="settings-fact">
          <dt>Issuer</dt>
          <dd className="mono">{settings.issuer}</dd>
        </div>
        <div className="settings-fact">
          <dt>Client id</dt>
          <dd className="mono">{settings.clientId}</dd>
        </div>
        <div className="settings-fact">
          <dt>Client secret</dt>
          <dd>{settings.clientSecretSet ? 'set' : 'none (public client)'}</dd>
        </div>
        <div className="settings-fact">
          <dt>Allowed domains</dt>
          <dd>
            {settings.allowedDomains.length ? settings.allowedDomains.join(', ') : 'none: invited users only'}
          </dd>
        </div>
        <div className="settings-fact">
          <dt>Role of new users</dt>
          <dd>{settings.defaultRole}</dd>
        </div>
        <div className="settings-fact">
          <dt>Last changed</dt>
          <dd>
            <When value={settings.updatedAt} />
          </dd>
        </div>
      </dl>
    </Section>
  );
}

function SsoForm({ settings }: { settings: SsoSettings | null }) {
  const save = useSaveSso();
  const [issuer, setIssuer] = useState('');
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [removeSecret, setRemoveSecret] = useState(false);
  const [domains, setDomains] = useState('');
  const [defaultRole, setDefaultRole] = useState<Role>('viewer');
  const [enabled, setEnabled] = useState(true);
  useEffect(() => {
    setIssuer(settings?.issuer ?? '');
    setClientId(settings?.clientId ?? '');
    setSecret('');
    setRemoveSecret(false);
    setDomains(settings?.allowedDomains.join(', ') ?? '');
    setDefaultRole(settings?.defaultRole ?? 'viewer');
    setEnabled(settings?.enabled ?? true);
  }, [settings]);
  const ids = {
    issuer: useId(),
    clientId: useId(),
    secret: useId(),
    domains: useId(),
    role: useId(),
    enabled: useId(),
  };
  const errors = fieldErrorsOf(save.error);
  const domainList = domains
    .split(/[\s,]+/)
    .map((domain) => domain.trim().toLowerCase())
    .filter(Boolean);
  const domainError =
    errors.allowedDomains ??
    Object.entries(errors).find(([field]) => field.startsWith('allowedDomains.'))?.[1];
  const shown = ['issuer', 'clientId', 'clientSecret', 'defaultRole', 'allowedDomains', 'enabled'];
  const describe = (id: string, error: string | undefined, help = false) =>
    [help ? `${id}-help` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <Section title={settings ? 'Settings' : 'Set up single sign-on'} id="sso-settings">
      <form
        className="stack settings-form"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate({
            issuer: issuer.trim(),
            clientId: clientId.trim(),
            ...(removeSecret ? { clientSecret: null } : secret ? { clientSecret: secret } : {}),
            defaultRole,
            allowedDomains: domainList,
            enabled,
          });
        }}
      >
        <div className="field">
          <label htmlFor={ids.issuer}>Issuer URL</label>
          <input
            id={ids.issuer}
            className="input mono"
            type="url"
            required
            placeholder="https://example.okta.com"
            value={issuer}
            aria-invalid={errors.issuer ? true : undefined}
            aria-describedby={describe(ids.issuer, errors.issuer, true)}
            data-testid="sso-issuer"
            onChange={(event) => setIssuer(event.target.value)}
          />
          <div id={`${ids.issuer}-help`} className="help small muted">
            Weft finds the rest at /.well-known/openid-configuration. https (http only for a provider on this
            machine).
          </div>
          <FieldError id={`${ids.issuer}-error`} message={errors.issuer} />
        </div>
        <div className="field">
          <label htmlFor={ids.clientId}>Client id</label>
          <input
            id={ids.clientId}
            className="input mono"
            required
            value={clientId}
            aria-invalid={errors.clientId ? true : undefined}
            aria-describedby={describe(ids.clientId, errors.clientId)}
            data-testid="sso-client-id"
            onChange={(event) => setClientId(event.target.value)}
          />
          <FieldError id={`${ids.clientId}-error`} message={errors.clientId} />
        </div>
        <div className="field">
          <label htmlFor={ids.secret}>Client secret</label>
          <input
            id={ids.secret}
            className="input mono"
            type="password"
            autoComplete="new-password"
            placeholder={settings?.clientSecretSet ? '•••••••• (stored; leave empty to keep it)' : ''}
            value={secret}
            disabled={removeSecret}
            aria-invalid={errors.clientSecret ? true : undefined}
            aria-describedby={describe(ids.secret, errors.clientSecret, true)}
            data-testid="sso-client-secret"
            onChange={(event) => setSecret(event.target.value)}
          />
          <div id={`${ids.secret}-help`} className="help small muted">
            Stored encrypted and never shown again. Leave it empty for a public client (PKCE only).
          </div>
          {settings?.clientSecretSet && (
            <label className="row settings-checkbox small">
              <input
                type="checkbox"
                checked={removeSecret}
                onChange={(event) => setRemoveSecret(event.target.checked)}
              />
              Remove the stored secret (a public client)
            </label>
          )}
          <FieldError id={`${ids.secret}-error`} message={errors.clientSecret} />
        </div>
        <div className="field">
          <label htmlFor={ids.domains}>Allowed email domains</label>
          <input
            id={ids.domains}
            className="input"
            placeholder="example.com, example.org"
            value={domains}
            aria-invalid={domainError ? true : undefined}
            aria-describedby={describe(ids.domains, domainError, true)}
            data-testid="sso-domains"
            onChange={(event) => setDomains(event.target.value)}
          />
          <div id={`${ids.domains}-help`} className="help small muted">
            People with a verified email of these domains get a user on their first sign-in; anyone else must
            be invited first. Separate with commas.
          </div>
          <FieldError id={`${ids.domains}-error`} message={domainError} />
        </div>
        <div className="field">
          <label htmlFor={ids.role}>Role of new users</label>
          <select
            id={ids.role}
            className="select"
            value={defaultRole}
            aria-invalid={errors.defaultRole ? true : undefined}
            aria-describedby={describe(ids.role, errors.defaultRole)}
            data-testid="sso-default-role"
            onChange={(event) => setDefaultRole(event.target.value as Role)}
          >
            {roles.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
          <FieldError id={`${ids.role}-error`} message={errors.defaultRole} />
        </div>
        <label className="row settings-checkbox" htmlFor={ids.enabled}>
          <input
            id={ids.enabled}
            type="checkbox"
            checked={enabled}
            data-testid="sso-enabled"
            onChange={(event) => setEnabled(event.target.checked)}
          />
          Enabled: the sign-in page offers “Sign in with single sign-on”
        </label>
        <FormError message={formErrorOf(save.error, shown)} />
        <div className="row wrap">
          <button type="submit" className="button primary" disabled={save.isPending} data-testid="sso-save">
            {save.isPending ? 'Saving…' : settings ? 'Save' : 'Set up single sign-on'}
          </button>
        </div>
      </form>
    </Section>
  );
}

function RemoveSsoDialog({ onClose }: { onClose: () => void }) {
  const remove = useRemoveSso();
  return (
    <ConfirmDialog
      title="Remove single sign-on?"
      confirmLabel="Remove single sign-on"
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(undefined, { onSuccess: onClose })}
    >
      <p>
        Nobody can sign in with your provider any more. Users already linked keep their accounts and sign in
        with a password, if they have one; those without one need a reset link from Users and roles.
      </p>
    </ConfirmDialog>
  );
}
