import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { messageOf } from '../../../shared/api.js';
import { Badge } from '../../../shared/ui.js';
import { When } from '../../ui/when.js';
import { connectionKeys } from './keys.js';
import { useStartAuthorization, useTestConnection } from './mutations.js';
import type { ConnectionInput, ConnectionKind, Credentials, TestResult } from './queries.js';

export const kindLabel: Record<ConnectionKind, string> = {
  org_global: 'Organization (global)',
  org_customer: 'Organization, per customer',
  customer_activated: 'Customer-activated',
};

export const kindHelp: Record<ConnectionKind, string> = {
  org_global: 'One set of credentials your organization sets, used by every customer’s instances.',
  org_customer:
    'Your organization sets credentials for each customer; each customer’s instances use its own.',
  customer_activated:
    'Each customer enters its own credentials once (in the marketplace); its instances reuse them.',
};

const statusLabel = {
  configured: 'Configured',
  pending_authorization: 'Pending authorization',
  connected: 'Connected',
  error: 'Error',
  not_configured: 'Not configured',
} as const;

/** A credentials' state; none stored yet is "not configured". */
export function CredentialsStatus({ credentials }: { credentials: Credentials | null | undefined }) {
  const status = credentials?.status ?? 'not_configured';
  return (
    <span className="row connections-status" title={credentials?.statusMessage ?? undefined}>
      <Badge kind={status}>{statusLabel[status]}</Badge>
    </span>
  );
}

/** What the API tells about stored credentials: status, why, token facts, inputs (secrets masked). */
export function CredentialsFacts({ credentials }: { credentials: Credentials }) {
  return (
    <dl className="facts">
      <div>
        <dt>Status</dt>
        <dd>
          <CredentialsStatus credentials={credentials} />
        </dd>
      </div>
      <div>
        <dt>Status since</dt>
        <dd>
          <When value={credentials.statusChangedAt} />
        </dd>
      </div>
      {credentials.token.present && (
        <>
          <div>
            <dt>Token expires</dt>
            <dd>
              {credentials.token.expiresAt ? <When value={credentials.token.expiresAt} /> : 'never said'}
            </dd>
          </div>
          {credentials.token.scope && (
            <div>
              <dt>Granted scope</dt>
              <dd className="mono small">{credentials.token.scope}</dd>
            </div>
          )}
          {credentials.refreshedAt && (
            <div>
              <dt>Refreshed</dt>
              <dd>
                <When value={credentials.refreshedAt} />
              </dd>
            </div>
          )}
        </>
      )}
      {credentials.statusMessage && (
        <div className="wide">
          <dt>Message</dt>
          <dd className={credentials.status === 'error' ? 'error-text' : undefined}>
            {credentials.statusMessage}
          </dd>
        </div>
      )}
    </dl>
  );
}

export type Values = Record<string, string | number | boolean | null>;

/**
 * A connection type's inputs as a form. Secret inputs are write-only: never filled from what is stored, left
 * blank they keep their stored value. Only what the person changed is sent.
 */
export function InputsForm({
  inputs,
  stored,
  values,
  onChange,
  errorField,
  error,
}: {
  inputs: ConnectionInput[];
  stored: Credentials['fields'] | undefined;
  values: Values;
  onChange: (values: Values) => void;
  errorField?: string | undefined;
  error?: string | undefined;
}) {
  const baseId = useId();
  const shown = inputs.filter((input) => input.shown && input.type !== 'template');
  if (shown.length === 0) return <p className="muted small">This connection type takes no inputs.</p>;
  return (
    <div className="stack">
      {shown.map((input) => {
        const id = `${baseId}-${input.key}`;
        const storedValue = stored?.[input.key];
        const hasStored = storedValue !== undefined;
        const value =
          input.key in values
            ? values[input.key]
            : input.secret
              ? ''
              : (storedValue ?? input.default ?? (input.type === 'boolean' ? false : ''));
        const set = (next: string | boolean) => onChange({ ...values, [input.key]: next });
        const invalid = errorField === input.key;
        const described = [input.secret && hasStored ? `${id}-help` : '', invalid ? `${id}-error` : '']
          .filter(Boolean)
          .join(' ');
        if (input.type === 'boolean') {
          return (
            <div className="field" key={input.key}>
              <label className="checkbox">
                <input
                  id={id}
                  type="checkbox"
                  checked={value === true || value === 'true'}
                  onChange={(event) => set(event.target.checked)}
                />
                <span>{input.label}</span>
              </label>
            </div>
          );
        }
        return (
          <div className="field" key={input.key}>
            <label className="label" htmlFor={id}>
              {input.label}
              {input.required && (
                <span className="required-mark" aria-hidden="true">
                  {' '}
                  *
                </span>
              )}
            </label>
            {input.type === 'picklist' && input.model ? (
              <select
                id={id}
                className="select"
                value={String(value ?? '')}
                aria-required={input.required || undefined}
                onChange={(event) => set(event.target.value)}
              >
                <option value="">Choose…</option>
                {input.model.map((option) => (
                  <option key={option.value} value={option.value}>
                    {option.label}
                  </option>
                ))}
              </select>
            ) : input.type === 'text' || input.type === 'code' ? (
              <textarea
                id={id}
                className="textarea mono"
                rows={4}
                spellCheck={false}
                value={String(value ?? '')}
                aria-required={input.required || undefined}
                aria-invalid={invalid || undefined}
                aria-describedby={described || undefined}
                onChange={(event) => set(event.target.value)}
              />
            ) : (
              <input
                id={id}
                className="input"
                type={input.secret ? 'password' : 'text'}
                autoComplete={input.secret ? 'new-password' : 'off'}
                spellCheck={false}
                value={String(value ?? '')}
                placeholder={input.secret && hasStored ? 'Stored; type to replace' : undefined}
                aria-required={input.required || undefined}
                aria-invalid={invalid || undefined}
                aria-describedby={described || undefined}
                data-testid={`connection-input-${input.key}`}
                onChange={(event) => set(event.target.value)}
              />
            )}
            {input.secret && hasStored && (
              <span className="help" id={`${id}-help`}>
                Write-only: the stored value is never shown. Leave blank to keep it.
              </span>
            )}
            {invalid && error && (
              <span className="error" id={`${id}-error`} role="alert">
                {error}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
}

/** The values to send: what changed, secrets only when typed. */
export function changedValues(values: Values, stored: Credentials['fields'] | undefined): Values {
  const changed: Values = {};
  for (const [key, value] of Object.entries(values)) {
    if (stored && stored[key] === value) continue;
    if (value === '' && stored?.[key] === '********') continue;
    changed[key] = value === '' ? null : value;
  }
  return changed;
}

/** The input an API refusal names (`'clientId' (Client ID) is required`), to show it at that input. */
export function inputNamedIn(message: string | undefined, inputs: ConnectionInput[]): string | undefined {
  if (!message) return undefined;
  return inputs.find((input) => message.includes(`'${input.key}'`))?.key;
}

/**
 * OAuth 2.0 authorization code: the provider's page opens in a popup (opened inside the click, or browsers block
 * it), which lands on Weft's `/oauth2/complete`; that page tells this window by message (same origin only) and
 * closes. A provider may leave the person on its own error page: a closed popup also ends the wait.
 */
export function AuthorizeButton({
  connectionId,
  customer,
  connected,
  label,
}: {
  connectionId: string;
  customer?: string;
  connected: boolean;
  label?: string;
}) {
  const start = useStartAuthorization(connectionId);
  const queryClient = useQueryClient();
  const [waiting, setWaiting] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string }>();
  const popupRef = useRef<Window | null>(null);

  useEffect(() => {
    if (!waiting) return;
    const refresh = () => queryClient.invalidateQueries({ queryKey: connectionKeys.all() });
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== window.location.origin || event.source !== popupRef.current) return;
      if (event.data?.type !== 'weft:connection-authorization') return;
      setWaiting(false);
      setOutcome(
        event.data.status === 'connected'
          ? { ok: true, message: 'Authorized: the connection holds a token.' }
          : { ok: false, message: String(event.data.message ?? 'The authorization failed.') },
      );
      void refresh();
    };
    window.addEventListener('message', onMessage);
    const timer = setInterval(() => {
      if (popupRef.current?.closed) {
        setWaiting(false);
        void refresh();
      }
    }, 1000);
    return () => {
      window.removeEventListener('message', onMessage);
      clearInterval(timer);
    };
  }, [waiting, queryClient]);

  async function authorize() {
    setOutcome(undefined);
    const popup = window.open('', 'weft-oauth', 'popup,width=600,height=720');
    if (!popup) {
      setOutcome({
        ok: false,
        message: 'The browser blocked the authorization window: allow popups for Weft.',
      });
      return;
    }
    popupRef.current = popup;
    try {
      const answer = await start.mutateAsync(customer ? { customer } : {});
      popup.location.href = answer.authorizeUrl;
      setWaiting(true);
    } catch (error) {
      popup.close();
      setOutcome({ ok: false, message: messageOf(error) });
    }
  }

  return (
    <span className="stack-tight">
      <span className="row wrap">
        <button
          type="button"
          className="button"
          data-testid="connection-authorize"
          disabled={start.isPending || waiting}
          onClick={() => void authorize()}
        >
          {label ?? (connected ? 'Authorize again' : 'Authorize')}
        </button>
        <span aria-live="polite" className="small muted">
          {waiting ? 'Waiting for the provider… finish in the window that opened.' : ''}
        </span>
      </span>
      {outcome && (
        <span
          className={`small ${outcome.ok ? 'success-text' : 'error-text'}`}
          role={outcome.ok ? 'status' : 'alert'}
        >
          {outcome.message}
        </span>
      )}
    </span>
  );
}

/** Runs the connection's checks (inputs, token, optionally a GET) and shows each one's answer. */
export function TestButton({ connectionId, customer }: { connectionId: string; customer?: string }) {
  const test = useTestConnection(connectionId);
  const [url, setUrl] = useState('');
  const [showUrl, setShowUrl] = useState(false);
  const urlId = useId();
  return (
    <div className="stack-tight connections-test">
      <div className="row wrap">
        <button
          type="button"
          className="button"
          data-testid="connection-test"
          disabled={test.isPending}
          onClick={() =>
            test.mutate({
              ...(customer ? { customer } : {}),
              ...(showUrl && url.trim() ? { url: url.trim() } : {}),
            })
          }
        >
          {test.isPending ? 'Testing…' : 'Test'}
        </button>
        <button
          type="button"
          className="button link small"
          onClick={() => setShowUrl((now) => !now)}
          aria-expanded={showUrl}
        >
          {showUrl ? 'No request' : 'Also try a request…'}
        </button>
      </div>
      {showUrl && (
        <div className="field">
          <label className="label" htmlFor={urlId}>
            URL an authenticated GET must answer 2xx
          </label>
          <input
            id={urlId}
            className="input mono"
            type="url"
            placeholder="https://api.example.com/me"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
          />
        </div>
      )}
      <div aria-live="polite" data-testid="connection-test-result">
        {test.isError && (
          <div className="notice error" role="alert">
            {messageOf(test.error)}
          </div>
        )}
        {test.data && <TestOutcome result={test.data} />}
      </div>
    </div>
  );
}

function TestOutcome({ result }: { result: TestResult }) {
  return (
    <div className={`notice ${result.ok ? 'success' : 'error'} stack-tight`}>
      <strong>{result.ok ? 'The connection works.' : 'The connection does not work.'}</strong>
      <ul className="connections-checks">
        {result.checks.map((check) => (
          <li key={check.check}>
            <span aria-hidden="true">{check.ok ? '✓' : '✗'}</span>{' '}
            <span className="visually-hidden">{check.ok ? 'Passed:' : 'Failed:'}</span>
            <strong>{check.check}</strong>: {check.message}
          </li>
        ))}
      </ul>
      <span className="small muted">
        Checked <When value={result.checkedAt} />
      </span>
    </div>
  );
}
