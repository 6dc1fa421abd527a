/**
 * `showConnections()`: the connections the organization lets customers set up themselves, each with the
 * customer's status, the instances that use it, and a form for the customer's credentials (or an OAuth 2.0 sign-in
 * in a popup). Secrets are never shown: a stored one is a placeholder, and only what the customer types is sent.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { answerOf } from '../../shared/api.js';
import { formatDateTime } from '../../shared/i18n.js';
import { Badge, Empty, ErrorNotice, Loading } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';
import {
  type Connection,
  ConnectionInputField,
  changedValues,
  type Draft,
  initialDraft,
  problemsOf,
  problemText,
  retryUnlessRefused,
  selfServiceKeys,
} from './self-service-parts.js';

interface Outcome {
  id: string;
  kind: 'success' | 'error';
  text: string;
}

export function ConnectionsScreen() {
  const { api, t, readOnly } = useEmbeddedApp();
  const connections = useQuery({
    queryKey: selfServiceKeys.connections,
    retry: retryUnlessRefused,
    queryFn: ({ signal }) => answerOf(api.GET('/api/marketplace/connections', { signal })),
  });
  const oauth = useOAuthPopup();

  return (
    <main className="page">
      <div className="page-header">
        <h1>{t('connections.title')}</h1>
      </div>
      {readOnly && connections.data && <p className="notice info">{t('connections.readOnlyText')}</p>}
      {connections.isPending ? (
        <Loading />
      ) : !connections.data ? (
        <ErrorNotice onRetry={() => void connections.refetch()}>
          {problemText(connections.error, t)}
        </ErrorNotice>
      ) : connections.data.items.length === 0 ? (
        <Empty>{t('connections.empty')}</Empty>
      ) : (
        <div className="stack">
          {connections.isError && (
            <ErrorNotice onRetry={() => void connections.refetch()}>
              {problemText(connections.error, t)}
            </ErrorNotice>
          )}
          {connections.data.items.map((connection) => (
            <ConnectionCard key={connection.id} connection={connection} oauth={oauth} />
          ))}
        </div>
      )}
    </main>
  );
}

/**
 * The OAuth 2.0 sign-in popup: opened in the click itself (browsers block windows opened later), pointed at the
 * provider once the API answered; the landing page tells this window the outcome (`postMessage`), and the list is
 * refetched every 2 s while the popup is open.
 */
function useOAuthPopup() {
  const { api, t } = useEmbeddedApp();
  const queryClient = useQueryClient();
  const [active, setActive] = useState<{ id: string; popup: Window } | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);

  useEffect(() => {
    if (!active) return;
    const refresh = () => void queryClient.invalidateQueries({ queryKey: selfServiceKeys.connections });
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== window.location.origin) return;
      const data = event.data as { type?: unknown; status?: unknown; message?: unknown } | null;
      if (data?.type !== 'weft:connection-authorization') return;
      const connected = data.status === 'connected';
      const message = typeof data.message === 'string' ? data.message : '';
      setOutcome({
        id: active.id,
        kind: connected ? 'success' : 'error',
        text: connected ? t('oAuthConnection.connectedText') : t('oAuthConnection.failedText', { message }),
      });
      if (!active.popup.closed) active.popup.close();
      setActive(null);
      refresh();
    };
    window.addEventListener('message', onMessage);
    const timer = setInterval(() => {
      refresh();
      if (active.popup.closed) setActive(null);
    }, 2_000);
    return () => {
      window.removeEventListener('message', onMessage);
      clearInterval(timer);
    };
  }, [active, queryClient, t]);

  /** Call it in the click handler itself; `saveFirst` stores what the customer typed before signing in. */
  const connect = (id: string, saveFirst?: () => Promise<unknown>) => {
    setOutcome(null);
    const popup = window.open('', 'weft-oauth', 'popup,width=600,height=720');
    if (!popup) {
      setOutcome({ id, kind: 'error', text: t('oAuthConnection.popupBlocked') });
      return;
    }
    try {
      popup.document.title = t('oAuthConnection.connectingText');
    } catch {
      // A sign-in window left open on the provider's page is another origin's: it is reused as it is.
    }
    setActive({ id, popup });
    void (async () => {
      let saved = false;
      try {
        if (saveFirst) await saveFirst();
        saved = true;
        const { authorizeUrl } = await answerOf(
          api.POST('/api/marketplace/connections/{connectionId}/authorize', {
            params: { path: { connectionId: id } },
            body: {},
          }),
        );
        popup.location.href = authorizeUrl;
      } catch (error) {
        popup.close();
        setActive(null);
        // A refused save shows its problems at the fields.
        if (saved || !saveFirst) setOutcome({ id, kind: 'error', text: problemText(error, t) });
      }
    })();
  };

  return { authorizing: active?.id, outcome, connect };
}

type OAuthPopup = ReturnType<typeof useOAuthPopup>;

function ConnectionCard({ connection, oauth }: { connection: Connection; oauth: OAuthPopup }) {
  const { t, locale } = useEmbeddedApp();
  const ids = useId();
  const [notice, setNotice] = useState<string>();
  const outcome = oauth.outcome?.id === connection.id ? oauth.outcome : undefined;
  const usedBy = [...new Map(connection.usedBy.map((use) => [use.instanceId, use])).values()];

  return (
    <section className="card connection-card" aria-labelledby={`${ids}-name`}>
      <div className="row">
        <h2 id={`${ids}-name`} className="spacer">
          {connection.name}
        </h2>
        <div role="status" aria-live="polite" className="connection-status">
          <Badge kind={connection.status}>{t(`connection.status.${connection.status}`)}</Badge>
          {oauth.authorizing === connection.id && (
            <span className="small muted">{t('oAuthConnection.connectingText')}</span>
          )}
          {outcome?.kind === 'success' && <span className="small">{outcome.text}</span>}
          {notice && <span className="small">{notice}</span>}
        </div>
      </div>
      {connection.description && <p className="muted">{connection.description}</p>}
      {outcome?.kind === 'error' && (
        <div className="notice error" role="alert">
          {outcome.text}
        </div>
      )}
      {connection.status === 'error' && connection.statusMessage && (
        <div className="notice error">{connection.statusMessage}</div>
      )}
      {connection.status === 'connected' && connection.tokenExpiresAt && (
        <p className="small muted">
          {t('connections.tokenExpires', { date: formatDateTime(connection.tokenExpiresAt, locale) })}
        </p>
      )}
      <div className="stack-tight">
        <h3 className="small muted">{t('connections.usedBy')}</h3>
        {usedBy.length === 0 ? (
          <p className="small muted">{t('connections.notUsed')}</p>
        ) : (
          <ul className="chip-list">
            {usedBy.map((use) => (
              <li key={use.instanceId} className="chip">
                {use.instanceName}
                {use.instanceName !== use.integration.name && ` · ${use.integration.name}`}
              </li>
            ))}
          </ul>
        )}
      </div>
      <CredentialsForm
        key={`${connection.updatedAt ?? 'none'}-${connection.status}`}
        connection={connection}
        oauth={oauth}
        onNotice={setNotice}
      />
    </section>
  );
}

function CredentialsForm({
  connection,
  oauth,
  onNotice,
}: {
  connection: Connection;
  oauth: OAuthPopup;
  onNotice: (text: string | undefined) => void;
}) {
  const { api, t, readOnly } = useEmbeddedApp();
  const queryClient = useQueryClient();
  const ids = useId();
  const inputs = connection.inputs.filter((input) => input.visible && input.type !== 'template');
  const [draft, setDraft] = useState<Draft>(() => initialDraft(inputs));
  const [confirming, setConfirming] = useState(false);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const path = { params: { path: { connectionId: connection.id } } };
  const refresh = () => queryClient.invalidateQueries({ queryKey: selfServiceKeys.connections });

  const save = useMutation({
    mutationFn: (values: Record<string, string | boolean | null>) =>
      answerOf(api.PUT('/api/marketplace/connections/{connectionId}', { ...path, body: { values } })),
    onMutate: () => onNotice(undefined),
    onSuccess: async () => {
      onNotice(t('connections.saved'));
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => answerOf(api.DELETE('/api/marketplace/connections/{connectionId}', path)),
    onMutate: () => onNotice(undefined),
    onSuccess: async () => {
      onNotice(t('connections.deleted'));
      await refresh();
    },
  });

  useEffect(() => {
    if (confirming) cancelRef.current?.focus();
  }, [confirming]);

  const problems = problemsOf(
    save.error,
    inputs.map((input) => input.key),
    t,
  );
  const busy = save.isPending || remove.isPending || oauth.authorizing !== undefined;
  const editable = inputs.some((input) => input.editable);
  const isOAuth = connection.oauth2 === 'authorization_code';
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(changedValues(inputs, draft));
  };
  const onConnect = () => {
    const values = changedValues(inputs, draft);
    save.reset();
    oauth.connect(connection.id, Object.keys(values).length > 0 ? () => save.mutateAsync(values) : undefined);
  };
  const closeConfirm = () => {
    setConfirming(false);
    deleteRef.current?.focus();
  };

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      {inputs.length === 0 && !isOAuth && <p className="small muted">{t('connections.noInputs')}</p>}
      {inputs.map((input) => (
        <ConnectionInputField
          key={input.key}
          id={`${ids}-${input.key}`}
          input={input}
          value={draft[input.key] ?? ''}
          error={problems.byKey.get(input.key)}
          disabled={readOnly || !input.editable || busy}
          onChange={(value) => setDraft((previous) => ({ ...previous, [input.key]: value }))}
        />
      ))}
      {problems.general.length > 0 && (
        <div className="notice error" role="alert">
          {problems.general.map((problem) => (
            <p key={problem}>{problem}</p>
          ))}
        </div>
      )}
      {remove.isError && (
        <ErrorNotice onRetry={() => remove.mutate()}>{problemText(remove.error, t)}</ErrorNotice>
      )}
      {confirming ? (
        <fieldset className="notice stack confirm-delete">
          <legend className="visually-hidden">{t('connections.delete')}</legend>
          <p id={`${ids}-confirm`}>{t('connections.deleteConfirm', { name: connection.name })}</p>
          <div className="row">
            <button
              type="button"
              className="button danger"
              aria-describedby={`${ids}-confirm`}
              disabled={readOnly || busy}
              onClick={() => remove.mutate(undefined, { onSuccess: () => setConfirming(false) })}
            >
              {t('connections.delete')}
            </button>
            <button
              type="button"
              className="button"
              aria-describedby={`${ids}-confirm`}
              ref={cancelRef}
              onClick={closeConfirm}
            >
              {t('common.cancel')}
            </button>
          </div>
        </fieldset>
      ) : (
        <div className="row">
          {isOAuth && (
            <button type="button" className="button primary" disabled={readOnly || busy} onClick={onConnect}>
              {connection.status === 'connected' || connection.status === 'error'
                ? t('oAuthConnection.reconnectButton')
                : t('oAuthConnection.connectButton')}
            </button>
          )}
          {editable && (
            <button
              type="submit"
              className={isOAuth ? 'button' : 'button primary'}
              disabled={readOnly || busy}
            >
              {save.isPending ? t('common.loading') : t('connection.saveInputs')}
            </button>
          )}
          {connection.status !== 'not_configured' && (
            <button
              type="button"
              className="button danger"
              ref={deleteRef}
              disabled={readOnly || busy}
              onClick={() => setConfirming(true)}
            >
              {t('connections.delete')}
            </button>
          )}
        </div>
      )}
    </form>
  );
}
