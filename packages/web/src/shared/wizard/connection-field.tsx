import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState } from 'react';
import { messageOf } from '../api.js';
import { Badge, ErrorNotice } from '../ui.js';
import type { FieldProps } from './config-var-field.js';
import { useAuthorize, type WizardConnection, wizardKeys } from './wizard-data.js';
import { useWizardHost } from './wizard-host.js';

/**
 * A connection: the inputs the customer fills in (secrets never shown back), and for OAuth 2.0 authorization code a
 * "Connect" button. The provider's page opens in a popup (a frame cannot be navigated to it, and the host page must
 * stay); the popup lands on Weft's `/oauth2/complete`, which tells this page by message and closes.
 */
export function ConnectionField({
  instanceId,
  variable,
  draft,
  readOnly,
  problem,
  onChange,
  savePage,
}: FieldProps) {
  const { t } = useWizardHost();
  const connection = variable.connection as WizardConnection | null | undefined;
  const authorize = useAuthorize(instanceId);
  const queryClient = useQueryClient();
  const [popupProblem, setPopupProblem] = useState<string>();
  const [waiting, setWaiting] = useState(false);
  const popupRef = useRef<Window | null>(null);
  const baseId = useId();
  const inputs = (connection?.inputs ?? []).filter((input) => input.visible);
  const drafted = (draft[variable.key] as Record<string, unknown> | undefined) ?? {};

  // The popup's answer, and a poll while it is open (a provider may leave the user on its own error page).
  useEffect(() => {
    if (!waiting) return;
    const refresh = () => queryClient.invalidateQueries({ queryKey: wizardKeys.wizard(instanceId) });
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== window.location.origin || event.data?.type !== 'weft:connection-authorization')
        return;
      setWaiting(false);
      if (event.data.status !== 'connected' && typeof event.data.message === 'string') {
        setPopupProblem(event.data.message);
      }
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
  }, [waiting, instanceId, queryClient]);

  if (!connection) {
    return <ErrorNotice>{variable.label}</ErrorNotice>;
  }

  async function connect() {
    setPopupProblem(undefined);
    // Opened now, inside the click: a popup opened after an await is blocked.
    const popup = window.open('', 'weft-oauth', 'popup,width=600,height=720');
    if (!popup) {
      setPopupProblem(t('oAuthConnection.popupBlocked'));
      return;
    }
    popupRef.current = popup;
    const saved = await savePage();
    if (!saved) {
      popup.close();
      return;
    }
    try {
      const answer = await authorize.mutateAsync(variable.key);
      popup.location.href = answer.authorizeUrl;
      setWaiting(true);
    } catch (error) {
      popup.close();
      setPopupProblem(messageOf(error));
    }
  }

  const status = connection.status;
  const isOAuth = connection.oauth2 === 'authorization_code';
  const helpId = `${baseId}-help`;
  const problemId = `${baseId}-problem`;
  const describedBy =
    [variable.description ? helpId : '', problem ? problemId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset
      className="card connection-card"
      data-testid={`config-var-${variable.key}`}
      aria-describedby={describedBy}
    >
      <legend className="connection-legend">{variable.label}</legend>
      <div className="connection-status" role="status" aria-live="polite">
        <Badge kind={status === 'connected' ? 'connected' : status === 'error' ? 'error' : 'unconfigured'}>
          {t(`connection.status.${status}`)}
        </Badge>
        {connection.statusMessage && status === 'error' && (
          <span className="error small">{connection.statusMessage}</span>
        )}
        {waiting && <span className="muted small">{t('oAuthConnection.connectingText')}</span>}
      </div>
      {variable.description && (
        <span className="help" id={helpId}>
          {variable.description}
        </span>
      )}
      {inputs.map((input) => {
        const id = `${baseId}-${input.key}`;
        const stored = input.value;
        const isSecret = input.type === 'password';
        const shown =
          input.key in drafted ? drafted[input.key] : isSecret ? '' : (stored ?? input.default ?? '');
        const disabled = readOnly || !input.editable;
        const set = (value: unknown) => onChange({ ...drafted, [input.key]: value });
        if (input.type === 'boolean') {
          const checked = shown === true || shown === 'true';
          return (
            <div className="field" key={input.key}>
              <label className="switch">
                <input
                  id={id}
                  type="checkbox"
                  role="switch"
                  aria-checked={checked}
                  disabled={disabled}
                  checked={checked}
                  onChange={(event) => set(event.target.checked)}
                />
                <span className="switch-label">{input.label}</span>
              </label>
            </div>
          );
        }
        const multiline = input.type === 'text' || input.type === 'code';
        const common = {
          id,
          disabled,
          'aria-required': input.required || undefined,
          'aria-invalid': (!!problem && input.required && shown === '' && !stored) || undefined,
          value: String(shown ?? ''),
        };
        return (
          <div className="field" key={input.key}>
            <label htmlFor={id}>
              {input.label}
              {input.required && (
                <span className="required-mark" aria-hidden="true" title={t('field.required')}>
                  *
                </span>
              )}
            </label>
            {multiline ? (
              <textarea
                {...common}
                className={`textarea${input.type === 'code' ? ' code' : ''}`}
                spellCheck={false}
                onChange={(event) => set(event.target.value)}
              />
            ) : (
              <input
                {...common}
                className="input"
                type={isSecret ? 'password' : 'text'}
                autoComplete={isSecret ? 'new-password' : 'off'}
                spellCheck={false}
                placeholder={isSecret && stored ? t('field.secretConfigured') : undefined}
                onChange={(event) => set(event.target.value)}
              />
            )}
          </div>
        );
      })}
      {problem && (
        <span className="error" id={problemId} role="alert">
          {problem}
        </span>
      )}
      {popupProblem && <ErrorNotice>{popupProblem}</ErrorNotice>}
      {isOAuth && !readOnly && (
        <div className="row">
          <button
            type="button"
            className="button primary"
            disabled={authorize.isPending || waiting}
            onClick={() => void connect()}
            data-testid="oauth-connect"
          >
            {status === 'connected'
              ? t('oAuthConnection.reconnectButton')
              : t('oAuthConnection.connectButton')}
          </button>
        </div>
      )}
    </fieldset>
  );
}
