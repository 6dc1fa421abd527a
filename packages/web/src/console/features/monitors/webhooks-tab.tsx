import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { messageOf } from '../../../shared/api.js';
import { Empty, ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed, useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { formErrorOf } from '../../ui/field-errors.js';
import { PageHeader } from '../../ui/page.js';
import { useDeleteWebhook, useSaveWebhook, useTestWebhook, type WebhookFields } from './mutations.js';
import { DeliveryList, describedBy, Field, focusFirstInvalid, MonitorTabs, TestOutcome } from './parts.js';
import {
  type AlertWebhook,
  type PresetKey,
  useWebhookDeliveries,
  useWebhookList,
  useWebhookPresets,
} from './queries.js';
import './monitors.css';

/** The payload template's variables (the server's alert-templates.ts), with what each becomes. */
const variables: Array<[string, string]> = [
  ['NAME', "the monitor's name"],
  ['TRIGGER', 'the trigger, e.g. Execution Failed'],
  ['MESSAGE', 'what happened, in a sentence'],
  ['STATE', 'triggered, or cleared when the condition ended'],
  ['INSTANCE', "the instance's name"],
  ['INSTANCE_ID', "the instance's id"],
  ['CUSTOMER', "the customer's name"],
  ['CUSTOMER_EXTERNAL_ID', "the customer's external id"],
  ['FLOW', 'the flow'],
  ['STEP', 'the step that failed or logged'],
  ['EXECUTION_ID', "the execution's id"],
  ['URL', 'a link to the monitor in the console'],
  ['EVENT_ID', "the alert event's id (the same when it fires and clears)"],
  ['MONITOR_ID', "the monitor's id"],
  ['TIMESTAMP', 'when, ISO 8601'],
  ['PAGERDUTY_ACTION', 'trigger, or resolve when cleared'],
  ['SUBJECT', '“Weft Alert”'],
];

const presetLabels: Record<PresetKey, string> = {
  custom: 'Custom JSON',
  slack: 'Slack',
  pagerduty: 'PagerDuty',
};

/** `/monitors/webhooks`: where alerts are POSTed (Slack, PagerDuty, your own endpoint), signed when given a secret. */
export default function WebhooksTab() {
  const { can } = useConsole();
  const list = useWebhookList();
  const [dialog, setDialog] = useState<
    | { kind: 'new' }
    | { kind: 'edit' | 'delete' | 'test' | 'log'; webhook: AlertWebhook }
    | { kind: 'secret'; webhook: AlertWebhook; secret: string }
    | undefined
  >();
  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const mayWrite = can('alerts:write');

  return (
    <>
      <PageHeader
        title="Alert webhooks"
        description="HTTP endpoints alerts are sent to, with a payload you template. Add them to alert groups to use them."
        actions={
          <IfAllowed permission="alerts:write">
            <button
              type="button"
              className="button primary"
              data-testid="alert-webhooks-new"
              onClick={() => setDialog({ kind: 'new' })}
            >
              Add alert webhook
            </button>
          </IfAllowed>
        }
      />
      <MonitorTabs />
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorNotice onRetry={() => void list.refetch()}>{messageOf(list.error)}</ErrorNotice>
      ) : rows.length === 0 ? (
        <Empty>
          No alert webhooks yet.{' '}
          {mayWrite
            ? 'Add one to post alerts to Slack, PagerDuty or your own endpoint, then add it to an alert group.'
            : 'Someone who may change alerting adds them.'}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="table monitors-table" data-testid="alert-webhooks-table">
            <thead>
              <tr>
                <th scope="col">Webhook</th>
                <th scope="col" className="hide-narrow">
                  Payload
                </th>
                <th scope="col" className="hide-narrow">
                  Security
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((webhook) => (
                <tr key={webhook.id} data-testid="alert-webhook-row" data-name={webhook.name}>
                  <td>
                    <span className="monitors-webhook-cell">
                      <strong>{webhook.name}</strong>
                      <span className="mono small muted monitors-url">{webhook.url}</span>
                    </span>
                  </td>
                  <td className="hide-narrow small">{presetLabels[webhook.preset]}</td>
                  <td className="hide-narrow small">
                    {webhook.hasSigningSecret ? 'Signed' : <span className="muted">Not signed</span>}
                    {webhook.headerNames.length > 0 && (
                      <span className="muted">
                        {' '}
                        · header{webhook.headerNames.length === 1 ? '' : 's'} {webhook.headerNames.join(', ')}
                      </span>
                    )}
                  </td>
                  <td className="monitors-cell-end">
                    <span className="row wrap monitors-row-actions">
                      <button
                        type="button"
                        className="button small-button"
                        data-testid="alert-webhook-log"
                        onClick={() => setDialog({ kind: 'log', webhook })}
                      >
                        Deliveries
                      </button>
                      {mayWrite && (
                        <>
                          <button
                            type="button"
                            className="button small-button"
                            data-testid="alert-webhook-test"
                            onClick={() => setDialog({ kind: 'test', webhook })}
                          >
                            Send test
                          </button>
                          <button
                            type="button"
                            className="button small-button"
                            data-testid="alert-webhook-edit"
                            onClick={() => setDialog({ kind: 'edit', webhook })}
                          >
                            Edit
                          </button>
                          <button
                            type="button"
                            className="button small-button danger"
                            data-testid="alert-webhook-delete"
                            onClick={() => setDialog({ kind: 'delete', webhook })}
                          >
                            Delete
                          </button>
                        </>
                      )}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {list.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                disabled={list.isFetchingNextPage}
                onClick={() => void list.fetchNextPage()}
              >
                {list.isFetchingNextPage ? 'Loading…' : 'Show more'}
              </button>
            </div>
          )}
        </div>
      )}
      {(dialog?.kind === 'new' || dialog?.kind === 'edit') && (
        <WebhookFormDialog
          webhook={dialog.kind === 'edit' ? dialog.webhook : undefined}
          onClose={() => setDialog(undefined)}
          onSecret={(webhook, secret) => setDialog({ kind: 'secret', webhook, secret })}
        />
      )}
      {dialog?.kind === 'secret' && (
        <SecretDialog webhook={dialog.webhook} secret={dialog.secret} onClose={() => setDialog(undefined)} />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteWebhookDialog webhook={dialog.webhook} onClose={() => setDialog(undefined)} />
      )}
      {dialog?.kind === 'test' && (
        <TestWebhookDialog webhook={dialog.webhook} onClose={() => setDialog(undefined)} />
      )}
      {dialog?.kind === 'log' && (
        <DeliveryLogDialog webhook={dialog.webhook} onClose={() => setDialog(undefined)} />
      )}
    </>
  );
}

const fields = ['name', 'url', 'preset', 'payloadTemplate', 'headers', 'signingSecret'] as const;

interface HeaderRow {
  key: number;
  name: string;
  value: string;
}

type SecretChoice = 'keep' | 'none' | 'generate' | 'set';

/**
 * New alert webhook or change one: name, URL, a preset that fills the payload template, the template (with its
 * $VARIABLES), headers (values are write-only: editing replaces them all), and the signing secret.
 */
function WebhookFormDialog({
  webhook,
  onClose,
  onSecret,
}: {
  webhook?: AlertWebhook;
  onClose: () => void;
  onSecret: (webhook: AlertWebhook, secret: string) => void;
}) {
  const id = useId();
  const save = useSaveWebhook(webhook);
  const presets = useWebhookPresets();
  const templateRef = useRef<HTMLTextAreaElement>(null);
  const nextKey = useRef(1);
  const [name, setName] = useState(webhook?.name ?? '');
  const [url, setUrl] = useState(webhook?.url ?? '');
  const [preset, setPreset] = useState<PresetKey>(webhook?.preset ?? 'custom');
  const [template, setTemplate] = useState(webhook?.payloadTemplate ?? '');
  const [replaceHeaders, setReplaceHeaders] = useState(!webhook);
  const [headers, setHeaders] = useState<HeaderRow[]>([]);
  const [secretChoice, setSecretChoice] = useState<SecretChoice>(webhook ? 'keep' : 'none');
  const [secret, setSecret] = useState('');
  const [checks, setChecks] = useState<Partial<Record<(typeof fields)[number], string>>>({});
  const problem = formErrorOf(save.error, fields);
  const at = (field: (typeof fields)[number]) =>
    checks[field] ?? (problem?.field === field ? problem.message : undefined);
  const chosenPreset = presets.data?.find((candidate) => candidate.key === preset);

  // A new webhook starts from the custom preset's template, once the presets have arrived.
  const seeded = useRef(Boolean(webhook));
  useEffect(() => {
    if (seeded.current || !presets.data) return;
    seeded.current = true;
    setTemplate(presets.data.find((candidate) => candidate.key === 'custom')?.payloadTemplate ?? '');
  }, [presets.data]);

  function choosePreset(key: PresetKey) {
    setPreset(key);
    const chosen = presets.data?.find((candidate) => candidate.key === key);
    if (chosen) setTemplate(chosen.payloadTemplate);
  }

  function insertVariable(name: string) {
    const area = templateRef.current;
    const text = `$${name}`;
    if (!area) {
      setTemplate((current) => current + text);
      return;
    }
    const start = area.selectionStart;
    const end = area.selectionEnd;
    const next = template.slice(0, start) + text + template.slice(end);
    setTemplate(next);
    requestAnimationFrame(() => {
      area.focus();
      area.setSelectionRange(start + text.length, start + text.length);
    });
  }

  function addHeader() {
    setHeaders((current) => [...current, { key: nextKey.current++, name: '', value: '' }]);
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const found: typeof checks = {};
    if (name.trim() === '') found.name = 'Give the webhook a name.';
    if (!/^https?:\/\/\S+$/.test(url.trim())) found.url = 'An http:// or https:// URL.';
    if (template.trim() === '') found.payloadTemplate = 'The payload template cannot be empty.';
    const filled = headers.filter((header) => header.name.trim() !== '' || header.value !== '');
    if (replaceHeaders && filled.some((header) => header.name.trim() === '')) {
      found.headers = 'Each header needs a name.';
    }
    if (secretChoice === 'set' && secret.length < 8) found.signingSecret = 'At least 8 characters.';
    setChecks(found);
    if (Object.keys(found).length > 0) {
      focusFirstInvalid(`${id}-form`);
      return;
    }

    const body: WebhookFields = {
      name: name.trim(),
      url: url.trim(),
      preset,
      payloadTemplate: template,
    };
    if (replaceHeaders) {
      const record = Object.fromEntries(filled.map((header) => [header.name.trim(), header.value]));
      body.headers = filled.length > 0 ? record : webhook ? null : undefined;
    }
    if (secretChoice === 'generate') body.generateSigningSecret = true;
    if (secretChoice === 'set') body.signingSecret = secret;
    if (secretChoice === 'none' && webhook?.hasSigningSecret) body.signingSecret = null;
    save.mutate(body, {
      onSuccess: (saved) => {
        if (saved.signingSecret) onSecret(saved, saved.signingSecret);
        else onClose();
      },
      onError: () => focusFirstInvalid(`${id}-form`),
    });
  }

  return (
    <Dialog
      wide
      title={webhook ? `Edit ${webhook.name}` : 'Add alert webhook'}
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
            disabled={save.isPending}
            data-testid="alert-webhook-submit"
          >
            {save.isPending ? 'Saving…' : webhook ? 'Save' : 'Create webhook'}
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="stack monitors-form" onSubmit={submit} noValidate>
        <div className="monitors-two">
          <Field id={`${id}-name`} label="Name" error={at('name')}>
            <input
              id={`${id}-name`}
              className="input"
              maxLength={200}
              value={name}
              autoComplete="off"
              data-testid="alert-webhook-name"
              aria-invalid={at('name') ? true : undefined}
              aria-describedby={describedBy(`${id}-name`, false, at('name'))}
              onChange={(event) => setName(event.target.value)}
            />
          </Field>
          <Field id={`${id}-preset`} label="Preset" help="Choosing one replaces the payload template.">
            <select
              id={`${id}-preset`}
              className="select"
              value={preset}
              disabled={!presets.data}
              data-testid="alert-webhook-preset"
              aria-describedby={`${id}-preset-help`}
              onChange={(event) => choosePreset(event.target.value as PresetKey)}
            >
              {(presets.data ?? [{ key: preset, label: presetLabels[preset] }]).map((candidate) => (
                <option key={candidate.key} value={candidate.key}>
                  {candidate.label}
                </option>
              ))}
            </select>
          </Field>
        </div>
        {presets.isError && <ErrorNotice>{messageOf(presets.error)}</ErrorNotice>}
        <Field
          id={`${id}-url`}
          label="URL"
          error={at('url')}
          help={chosenPreset ? `For example ${chosenPreset.urlHint}` : undefined}
        >
          <input
            id={`${id}-url`}
            className="input mono"
            type="url"
            maxLength={2000}
            value={url}
            autoComplete="off"
            spellCheck={false}
            placeholder={chosenPreset?.urlHint ?? 'https://'}
            data-testid="alert-webhook-url"
            aria-invalid={at('url') ? true : undefined}
            aria-describedby={describedBy(`${id}-url`, Boolean(chosenPreset), at('url'))}
            onChange={(event) => setUrl(event.target.value)}
          />
        </Field>

        <div className={`field${at('payloadTemplate') ? ' invalid' : ''}`}>
          <label className="label" htmlFor={`${id}-template`}>
            Payload template
          </label>
          <textarea
            ref={templateRef}
            id={`${id}-template`}
            className="textarea mono monitors-template"
            rows={12}
            value={template}
            spellCheck={false}
            data-testid="alert-webhook-template"
            aria-invalid={at('payloadTemplate') ? true : undefined}
            aria-describedby={`${id}-template-help${at('payloadTemplate') ? ` ${id}-template-error` : ''}`}
            onChange={(event) => setTemplate(event.target.value)}
          />
          {at('payloadTemplate') && (
            <p className="error" id={`${id}-template-error`} role="alert">
              {at('payloadTemplate')}
            </p>
          )}
          <p className="help" id={`${id}-template-help`}>
            Sent as the request body. In a JSON template each value is escaped for you. Click a variable to
            insert it:
          </p>
          <ul className="monitors-variables" aria-label="Template variables">
            {variables.map(([variable, meaning]) => (
              <li key={variable}>
                <button
                  type="button"
                  className="chip monitors-variable"
                  title={meaning}
                  onClick={() => insertVariable(variable)}
                >
                  ${variable}
                </button>
                <span className="small muted"> {meaning}</span>
              </li>
            ))}
          </ul>
        </div>

        <fieldset className="monitors-fieldset stack-tight">
          <legend className="label">Headers</legend>
          {webhook && !replaceHeaders ? (
            <div className="row wrap">
              <span className="spacer small">
                {webhook.headerNames.length === 0 ? (
                  <span className="muted">No headers.</span>
                ) : (
                  <>
                    Sent with{' '}
                    {webhook.headerNames.map((header) => (
                      <code key={header} className="mono chip">
                        {header}
                      </code>
                    ))}{' '}
                    <span className="muted">(values are stored encrypted and not shown)</span>
                  </>
                )}
              </span>
              <button
                type="button"
                className="button small-button"
                data-testid="alert-webhook-replace-headers"
                onClick={() => {
                  setReplaceHeaders(true);
                  setHeaders(
                    webhook.headerNames.length > 0
                      ? webhook.headerNames.map((header) => ({
                          key: nextKey.current++,
                          name: header,
                          value: '',
                        }))
                      : [{ key: nextKey.current++, name: '', value: '' }],
                  );
                }}
              >
                {webhook.headerNames.length === 0 ? 'Add headers' : 'Replace all headers'}
              </button>
            </div>
          ) : (
            <>
              {webhook && (
                <p className="small muted">
                  Saving replaces every header with these; leave none to remove them all. Values are
                  write-only.
                </p>
              )}
              {headers.map((header, index) => (
                <div key={header.key} className="row monitors-header-row" data-testid="alert-webhook-header">
                  <input
                    className="input mono"
                    aria-label={`Header ${index + 1} name`}
                    aria-invalid={at('headers') ? true : undefined}
                    placeholder="Authorization"
                    value={header.name}
                    autoComplete="off"
                    spellCheck={false}
                    onChange={(event) =>
                      setHeaders((current) =>
                        current.map((row) =>
                          row.key === header.key ? { ...row, name: event.target.value } : row,
                        ),
                      )
                    }
                  />
                  <input
                    className="input mono"
                    type="password"
                    aria-label={`Header ${index + 1} value`}
                    placeholder="Value"
                    value={header.value}
                    autoComplete="new-password"
                    spellCheck={false}
                    onChange={(event) =>
                      setHeaders((current) =>
                        current.map((row) =>
                          row.key === header.key ? { ...row, value: event.target.value } : row,
                        ),
                      )
                    }
                  />
                  <button
                    type="button"
                    className="button small-button"
                    aria-label={`Remove header ${index + 1}`}
                    onClick={() => setHeaders((current) => current.filter((row) => row.key !== header.key))}
                  >
                    Remove
                  </button>
                </div>
              ))}
              <div className="row wrap">
                <button
                  type="button"
                  className="button small-button"
                  data-testid="alert-webhook-add-header"
                  onClick={addHeader}
                >
                  Add header
                </button>
                {webhook && (
                  <button
                    type="button"
                    className="button link small"
                    onClick={() => {
                      setReplaceHeaders(false);
                      setHeaders([]);
                    }}
                  >
                    Keep the current headers
                  </button>
                )}
              </div>
            </>
          )}
          {at('headers') && (
            <p className="error small" role="alert">
              {at('headers')}
            </p>
          )}
        </fieldset>

        <fieldset className="monitors-fieldset stack-tight">
          <legend className="label">Signing secret</legend>
          <p className="small muted">
            With a secret, each request carries <code className="mono">x-webhook-signature: sha256=…</code>,
            the HMAC-SHA256 of the body, so the receiver can check it came from Weft.
          </p>
          {webhook && (
            <label className="checkbox monitors-choice">
              <input
                type="radio"
                name={`${id}-secret`}
                checked={secretChoice === 'keep'}
                onChange={() => setSecretChoice('keep')}
              />
              {webhook.hasSigningSecret ? 'Keep the current secret' : 'Keep unsigned'}
            </label>
          )}
          {(!webhook || webhook.hasSigningSecret) && (
            <label className="checkbox monitors-choice">
              <input
                type="radio"
                name={`${id}-secret`}
                checked={secretChoice === 'none'}
                data-testid="alert-webhook-secret-none"
                onChange={() => setSecretChoice('none')}
              />
              {webhook ? 'Remove the secret (stop signing)' : 'None'}
            </label>
          )}
          <label className="checkbox monitors-choice">
            <input
              type="radio"
              name={`${id}-secret`}
              checked={secretChoice === 'generate'}
              data-testid="alert-webhook-secret-generate"
              onChange={() => setSecretChoice('generate')}
            />
            {webhook?.hasSigningSecret ? 'Generate a new secret' : 'Generate one'}
          </label>
          <label className="checkbox monitors-choice">
            <input
              type="radio"
              name={`${id}-secret`}
              checked={secretChoice === 'set'}
              data-testid="alert-webhook-secret-set"
              onChange={() => setSecretChoice('set')}
            />
            Set my own
          </label>
          {secretChoice === 'set' && (
            <div className="choice-fields">
              <Field
                id={`${id}-secret-value`}
                label="Secret"
                error={at('signingSecret')}
                help="8 to 500 characters."
              >
                <input
                  id={`${id}-secret-value`}
                  className="input mono"
                  type="password"
                  minLength={8}
                  maxLength={500}
                  value={secret}
                  autoComplete="new-password"
                  data-testid="alert-webhook-secret-value"
                  aria-invalid={at('signingSecret') ? true : undefined}
                  aria-describedby={describedBy(`${id}-secret-value`, true, at('signingSecret'))}
                  onChange={(event) => setSecret(event.target.value)}
                />
              </Field>
            </div>
          )}
          {secretChoice === 'generate' && (
            <p className="small muted choice-fields">Weft makes a secret and shows it once, after saving.</p>
          )}
          {secretChoice !== 'set' && at('signingSecret') && (
            <p className="error small" role="alert">
              {at('signingSecret')}
            </p>
          )}
        </fieldset>

        {problem && !problem.field && (
          <div className="notice error" role="alert">
            {problem.message}
          </div>
        )}
      </form>
    </Dialog>
  );
}

/** The generated secret, once: the API never answers it again. */
function SecretDialog({
  webhook,
  secret,
  onClose,
}: {
  webhook: AlertWebhook;
  secret: string;
  onClose: () => void;
}) {
  return (
    <Dialog
      title={`Signing secret of ${webhook.name}`}
      onClose={onClose}
      footer={
        <button
          type="button"
          className="button primary"
          data-testid="alert-webhook-secret-done"
          onClick={onClose}
        >
          I have stored it
        </button>
      }
    >
      <div className="notice info" role="status">
        Copy it now: <strong>it won't be shown again.</strong> Your receiver checks each request's{' '}
        <code className="mono">x-webhook-signature</code> with it.
      </div>
      <div className="row wrap monitors-secret">
        <code className="mono spacer monitors-break" data-testid="alert-webhook-secret">
          {secret}
        </code>
        <CopyButton value={secret} label="Copy secret" />
      </div>
    </Dialog>
  );
}

function DeleteWebhookDialog({ webhook, onClose }: { webhook: AlertWebhook; onClose: () => void }) {
  const remove = useDeleteWebhook();
  return (
    <ConfirmDialog
      title={`Delete ${webhook.name}?`}
      confirmLabel={remove.isPending ? 'Deleting…' : 'Delete alert webhook'}
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(webhook, { onSuccess: onClose })}
    >
      <p>
        Alert groups that use it stop posting to <code className="mono monitors-break">{webhook.url}</code>.
      </p>
      <p className="muted">This cannot be undone.</p>
    </ConfirmDialog>
  );
}

function TestWebhookDialog({ webhook, onClose }: { webhook: AlertWebhook; onClose: () => void }) {
  const test = useTestWebhook();
  const { mutate } = test;
  const sent = useRef(false);
  useEffect(() => {
    if (sent.current) return;
    sent.current = true;
    mutate(webhook.id);
  }, [mutate, webhook.id]);
  return (
    <Dialog
      wide
      title={`Test ${webhook.name}`}
      onClose={onClose}
      footer={
        <>
          <button
            type="button"
            className="button"
            disabled={test.isPending}
            onClick={() => test.mutate(webhook.id)}
          >
            Send again
          </button>
          <button type="button" className="button primary" onClick={onClose}>
            Done
          </button>
        </>
      }
    >
      <p className="small muted">A sample alert, rendered from the template and signed like a real one.</p>
      <div aria-live="polite">
        {test.isPending ? (
          <Loading label="Sending a sample alert…" />
        ) : test.isError ? (
          <ErrorNotice>{messageOf(test.error)}</ErrorNotice>
        ) : test.data ? (
          <>
            <TestOutcome deliveries={test.data.deliveries} />
            {test.data.deliveries[0] && (
              <details className="json-preview">
                <summary>The body sent</summary>
                <pre>{test.data.deliveries[0].body}</pre>
              </details>
            )}
          </>
        ) : null}
      </div>
    </Dialog>
  );
}

/** What was sent to this webhook, newest first, and how it went; failed ones can be retried. */
function DeliveryLogDialog({ webhook, onClose }: { webhook: AlertWebhook; onClose: () => void }) {
  const deliveries = useWebhookDeliveries(webhook.id);
  const rows = useMemo(() => deliveries.data?.pages.flatMap((page) => page.items) ?? [], [deliveries.data]);
  return (
    <Dialog
      wide
      title={`Deliveries to ${webhook.name}`}
      onClose={onClose}
      footer={
        <button type="button" className="button primary" onClick={onClose}>
          Close
        </button>
      }
    >
      {deliveries.isPending ? (
        <Loading />
      ) : deliveries.isError ? (
        <ErrorNotice onRetry={() => void deliveries.refetch()}>{messageOf(deliveries.error)}</ErrorNotice>
      ) : rows.length === 0 ? (
        <Empty>Nothing sent yet. Alerts of the groups that use this webhook, and tests, appear here.</Empty>
      ) : (
        <>
          <DeliveryList deliveries={rows} showWhen testId="alert-webhook-deliveries" />
          {deliveries.hasNextPage && (
            <div className="row load-more">
              <button
                type="button"
                className="button"
                disabled={deliveries.isFetchingNextPage}
                onClick={() => void deliveries.fetchNextPage()}
              >
                {deliveries.isFetchingNextPage ? 'Loading…' : 'Show older deliveries'}
              </button>
            </div>
          )}
        </>
      )}
    </Dialog>
  );
}
