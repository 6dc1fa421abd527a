import { useId, useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { PageHeader } from '../../ui/page.js';
import {
  type LogStream,
  type LogStreamPreset,
  type LogStreamPresetKey,
  type LogStreamPresets,
  logStreamsHref,
  regionOf,
} from './log-streams-parts.js';
import { type LogStreamUpdateBody, useCreateLogStream, useUpdateLogStream } from './mutations.js';
import { useLogStream, useLogStreamPresets } from './queries.js';
import { FieldError, FormError, fieldErrorsOf, formErrorOf } from './settings-common.js';

/** A header row: `original` is the saved header's name (its value is never answered), null for a new row. */
interface HeaderRow {
  key: number;
  original: string | null;
  name: string;
  value: string;
  removed: boolean;
}

interface Draft {
  name: string;
  preset: LogStreamPresetKey;
  url: string;
  headers: HeaderRow[];
  payloadTemplate: string;
  enabled: boolean;
  backlogLimit: string;
}

const defaultBacklogLimit = 10_000;
let rowKeys = 0;

/** Create (no id) or edit a log stream: service, where, headers, template, and the backlog. */
export default function LogStreamForm({ streamId }: { streamId?: string }) {
  const presets = useLogStreamPresets();
  const existing = useLogStream(streamId ?? '', { enabled: streamId !== undefined, live: false });
  const back = streamId
    ? { href: `/${streamId}`, label: existing.data?.name ?? 'Log stream' }
    : { href: logStreamsHref, label: 'Log streams' };
  const failed = presets.error ?? (streamId ? existing.error : null);
  return (
    <>
      <PageHeader title={streamId ? 'Edit log stream' : 'Add a log stream'} back={back} />
      {failed ? (
        <ErrorNotice
          onRetry={() => {
            void presets.refetch();
            if (streamId) void existing.refetch();
          }}
        >
          {messageOf(failed)}
        </ErrorNotice>
      ) : !presets.data || (streamId && !existing.data) ? (
        <Loading />
      ) : (
        <StreamForm presets={presets.data} stream={streamId ? existing.data : undefined} />
      )}
    </>
  );
}

function draftOf(stream: LogStream | undefined, presets: LogStreamPresets): Draft {
  const custom = presets.presets.find((preset) => preset.key === 'custom');
  return {
    name: stream?.name ?? '',
    preset: stream?.preset ?? 'custom',
    url: stream?.url ?? '',
    headers: (stream?.headerNames ?? []).map((name) => ({
      key: ++rowKeys,
      original: name,
      name,
      value: '',
      removed: false,
    })),
    payloadTemplate: stream?.payloadTemplate ?? custom?.payloadTemplate ?? '',
    enabled: stream?.enabled ?? true,
    backlogLimit: String(stream?.backlogLimit ?? defaultBacklogLimit),
  };
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

function StreamForm({ presets, stream }: { presets: LogStreamPresets; stream: LogStream | undefined }) {
  const [, navigate] = useLocation();
  const create = useCreateLogStream();
  const update = useUpdateLogStream();
  const mutation = stream ? update : create;
  const [draft, setDraft] = useState<Draft>(() => draftOf(stream, presets));
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const template = useRef<HTMLTextAreaElement>(null);
  const ids = {
    name: useId(),
    service: useId(),
    region: useId(),
    url: useId(),
    headers: useId(),
    template: useId(),
    enabled: useId(),
    backlog: useId(),
  };
  const errors = { ...fieldErrorsOf(mutation.error), ...localErrors };
  const preset = presets.presets.find((candidate) => candidate.key === draft.preset);
  const region = regionOf(preset, draft.url);
  const presetTemplates = new Set(presets.presets.map((candidate) => candidate.payloadTemplate));
  const set = (change: Partial<Draft>) => {
    setDraft((current) => ({ ...current, ...change }));
    setLocalErrors({});
  };

  /** A service fills in its intake URL, its key header (an empty row to paste the key in) and its template. */
  const choosePreset = (next: LogStreamPreset) => {
    setDraft((current) => {
      const otherHeaders = presets.presets
        .map((candidate) => candidate.header)
        .filter((header): header is string => header !== null && header !== next.header);
      const headers = current.headers.filter(
        (row) =>
          row.original !== null ||
          row.value !== '' ||
          !otherHeaders.some((header) => sameName(header, row.name)),
      );
      if (next.header && !headers.some((row) => !row.removed && sameName(row.name, next.header ?? ''))) {
        headers.push({ key: ++rowKeys, original: null, name: next.header, value: '', removed: false });
      }
      const currentRegion = presets.presets
        .flatMap((candidate) => candidate.regions)
        .find((candidate) => candidate.url === current.url.trim());
      const url =
        next.regions.length > 0
          ? ((next.regions.find((candidate) => candidate.key === currentRegion?.key) ?? next.regions[0])
              ?.url ?? current.url)
          : currentRegion
            ? ''
            : current.url;
      const payloadTemplate =
        current.payloadTemplate.trim() === '' || presetTemplates.has(current.payloadTemplate)
          ? next.payloadTemplate
          : current.payloadTemplate;
      return { ...current, preset: next.key, url, headers, payloadTemplate };
    });
    setLocalErrors({});
  };

  const setRow = (key: number, change: Partial<HeaderRow>) =>
    set({ headers: draft.headers.map((row) => (row.key === key ? { ...row, ...change } : row)) });

  const insertPlaceholder = (name: string) => {
    const area = template.current;
    const text = `{{ ${name} }}`;
    const start = area?.selectionStart ?? draft.payloadTemplate.length;
    const end = area?.selectionEnd ?? start;
    const payloadTemplate = draft.payloadTemplate.slice(0, start) + text + draft.payloadTemplate.slice(end);
    set({ payloadTemplate });
    requestAnimationFrame(() => {
      area?.focus();
      area?.setSelectionRange(start + text.length, start + text.length);
    });
  };

  const submit = () => {
    const problems: Record<string, string> = {};
    const live = draft.headers.filter((row) => !row.removed);
    live.forEach((row, index) => {
      const name = row.name.trim();
      if (!name) problems[`row-${row.key}`] = 'Give the header a name, or remove the row.';
      else if (live.slice(0, index).some((other) => sameName(other.name, name))) {
        problems[`row-${row.key}`] = `The header ${name} is given twice.`;
      } else if ((row.original === null || !sameName(row.original, name)) && row.value === '') {
        problems[`row-${row.key}`] = `Give the value of ${name} (an API key, a token…).`;
      }
    });
    const backlogLimit = Number(draft.backlogLimit);
    if (!Number.isInteger(backlogLimit) || backlogLimit < 1 || backlogLimit > 1_000_000) {
      problems.backlogLimit = 'A whole number of executions from 1 to 1,000,000.';
    }
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) return;

    if (!stream) {
      const headers = Object.fromEntries(live.map((row) => [row.name.trim(), row.value]));
      create.mutate(
        {
          name: draft.name.trim(),
          preset: draft.preset,
          url: draft.url.trim(),
          payloadTemplate: draft.payloadTemplate,
          headers,
          enabled: draft.enabled,
          backlogLimit,
        },
        { onSuccess: (created) => navigate(`/${created.id}`) },
      );
      return;
    }
    const headers: Record<string, string | null> = {};
    for (const row of draft.headers) {
      const name = row.name.trim();
      if (row.original !== null && (row.removed || !sameName(row.original, name)))
        headers[row.original] = null;
      if (row.removed) continue;
      if (row.value !== '') headers[name] = row.value;
    }
    const body: LogStreamUpdateBody = {};
    if (draft.name.trim() !== stream.name) body.name = draft.name.trim();
    if (draft.preset !== stream.preset) body.preset = draft.preset;
    if (draft.url.trim() !== stream.url) body.url = draft.url.trim();
    if (draft.payloadTemplate !== stream.payloadTemplate) body.payloadTemplate = draft.payloadTemplate;
    if (draft.enabled !== stream.enabled) body.enabled = draft.enabled;
    if (backlogLimit !== stream.backlogLimit) body.backlogLimit = backlogLimit;
    if (Object.keys(headers).length > 0) body.headers = headers;
    if (Object.keys(body).length === 0) {
      navigate(`/${stream.id}`);
      return;
    }
    update.mutate({ id: stream.id, body }, { onSuccess: (saved) => navigate(`/${saved.id}`) });
  };

  const headerErrorFor = (row: HeaderRow) =>
    errors[`row-${row.key}`] ??
    Object.entries(errors).find(
      ([field]) => field.startsWith('headers.') && sameName(field.slice('headers.'.length), row.name),
    )?.[1];
  const headersError =
    errors.headers ??
    Object.entries(errors).find(
      ([field]) =>
        field.startsWith('headers.') &&
        !draft.headers.some((row) => sameName(field.slice('headers.'.length), row.name)),
    )?.[1];
  const formError = formErrorOf(mutation.error, [
    'name',
    'url',
    'preset',
    'payloadTemplate',
    'headers',
    'enabled',
    'backlogLimit',
  ]);

  return (
    <form
      className="stack settings-mon-form"
      data-testid="log-stream-form"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <section className="card stack" aria-labelledby={`${ids.service}-heading`}>
        <h2 id={`${ids.service}-heading`}>Where logs go</h2>
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input
            id={ids.name}
            className="input"
            required
            maxLength={200}
            placeholder="DataDog production"
            value={draft.name}
            aria-invalid={errors.name ? true : undefined}
            aria-describedby={errors.name ? `${ids.name}-error` : undefined}
            data-testid="log-stream-name"
            onChange={(event) => set({ name: event.target.value })}
          />
          <FieldError id={`${ids.name}-error`} message={errors.name} />
        </div>
        <fieldset className="settings-fieldset">
          <legend className="label">Service</legend>
          <div className="settings-mon-presets" data-testid="log-stream-presets">
            {presets.presets.map((candidate) => (
              <label
                key={candidate.key}
                className={`settings-mon-preset${draft.preset === candidate.key ? ' selected' : ''}`}
              >
                <input
                  type="radio"
                  name={ids.service}
                  checked={draft.preset === candidate.key}
                  data-testid={`log-stream-preset-${candidate.key}`}
                  onChange={() => choosePreset(candidate)}
                />
                <span>
                  <span className="settings-mon-preset-name">{candidate.name}</span>
                  <span className="small muted">
                    {candidate.regions.length > 0
                      ? `${candidate.regions.length} region${candidate.regions.length === 1 ? '' : 's'} · ${candidate.header} header`
                      : 'Any HTTP endpoint'}
                  </span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        {preset && preset.regions.length > 0 && (
          <div className="field settings-mon-region">
            <label htmlFor={ids.region}>Region</label>
            <select
              id={ids.region}
              className="select"
              value={region?.key ?? ''}
              data-testid="log-stream-region"
              onChange={(event) => {
                const chosen = preset.regions.find((candidate) => candidate.key === event.target.value);
                if (chosen) set({ url: chosen.url });
              }}
            >
              {!region && <option value="">Another URL (below)</option>}
              {preset.regions.map((candidate) => (
                <option key={candidate.key} value={candidate.key}>
                  {candidate.name}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={ids.url}>URL</label>
          <input
            id={ids.url}
            className="input mono"
            type="url"
            required
            maxLength={2000}
            placeholder="https://logs.example.com/intake"
            value={draft.url}
            aria-invalid={errors.url ? true : undefined}
            aria-describedby={`${ids.url}-help${errors.url ? ` ${ids.url}-error` : ''}`}
            data-testid="log-stream-url"
            onChange={(event) => set({ url: event.target.value })}
          />
          <div id={`${ids.url}-help`} className="help small muted">
            Each batch of lines is POSTed here.
          </div>
          <FieldError id={`${ids.url}-error`} message={errors.url} />
        </div>
      </section>

      <section className="card stack" aria-labelledby={`${ids.headers}-heading`}>
        <div className="row wrap">
          <h2 id={`${ids.headers}-heading`} className="spacer">
            Headers
          </h2>
          <button
            type="button"
            className="button small-button"
            data-testid="log-stream-header-add"
            onClick={() =>
              set({
                headers: [
                  ...draft.headers,
                  { key: ++rowKeys, original: null, name: '', value: '', removed: false },
                ],
              })
            }
          >
            Add header
          </button>
        </div>
        <p className="small muted">
          Sent with every batch: an API key, an Authorization header. Values are stored encrypted and never
          shown again{stream ? '; leave a saved value empty to keep it' : ''}.
          {preset?.keyHint && (
            <>
              {' '}
              <strong>{preset.name}:</strong> {preset.header} carries {lowerFirst(preset.keyHint)}
            </>
          )}
        </p>
        {draft.headers.length === 0 ? (
          <div className="small muted">No headers.</div>
        ) : (
          <ul className="settings-mon-headers" data-testid="log-stream-headers">
            {draft.headers.map((row, index) => {
              const error = headerErrorFor(row);
              const errorId = `${ids.headers}-${row.key}-error`;
              return (
                <li key={row.key} className={row.removed ? 'removed' : undefined}>
                  <div className="field">
                    <label htmlFor={`${ids.headers}-${row.key}-name`} className="small">
                      Header {index + 1} name
                    </label>
                    <input
                      id={`${ids.headers}-${row.key}-name`}
                      className="input mono"
                      maxLength={100}
                      placeholder="Authorization"
                      value={row.name}
                      disabled={row.removed}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? errorId : undefined}
                      data-testid="log-stream-header-name"
                      onChange={(event) => setRow(row.key, { name: event.target.value })}
                    />
                  </div>
                  <div className="field">
                    <label htmlFor={`${ids.headers}-${row.key}-value`} className="small">
                      Value
                    </label>
                    <input
                      id={`${ids.headers}-${row.key}-value`}
                      className="input mono"
                      type="password"
                      autoComplete="off"
                      maxLength={8192}
                      placeholder={row.original !== null ? 'Saved: type to replace' : 'Value'}
                      value={row.value}
                      disabled={row.removed}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? errorId : undefined}
                      data-testid="log-stream-header-value"
                      onChange={(event) => setRow(row.key, { value: event.target.value })}
                    />
                  </div>
                  <div className="settings-mon-header-action">
                    {row.original !== null && row.removed ? (
                      <button
                        type="button"
                        className="button small-button"
                        onClick={() => setRow(row.key, { removed: false })}
                      >
                        Keep
                      </button>
                    ) : (
                      <button
                        type="button"
                        className="button small-button"
                        aria-label={`Remove header ${row.name || index + 1}`}
                        data-testid="log-stream-header-remove"
                        onClick={() =>
                          row.original !== null
                            ? setRow(row.key, { removed: true })
                            : set({ headers: draft.headers.filter((other) => other.key !== row.key) })
                        }
                      >
                        Remove
                      </button>
                    )}
                  </div>
                  {row.removed && (
                    <div className="small muted settings-mon-header-note">Removed on save.</div>
                  )}
                  {error && (
                    <div className="settings-mon-header-note">
                      <FieldError id={errorId} message={error} />
                    </div>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        <FieldError id={`${ids.headers}-error`} message={headersError} />
      </section>

      <section className="card stack" aria-labelledby={`${ids.template}-heading`}>
        <div className="row wrap">
          <h2 id={`${ids.template}-heading`} className="spacer">
            Payload template
          </h2>
          {preset && draft.payloadTemplate !== preset.payloadTemplate && (
            <button
              type="button"
              className="button small-button"
              onClick={() => set({ payloadTemplate: preset.payloadTemplate })}
            >
              Reset to the default
            </button>
          )}
        </div>
        <div className="field">
          <label htmlFor={ids.template}>What each log line sends</label>
          <textarea
            ref={template}
            id={ids.template}
            className="textarea code settings-mon-template"
            rows={14}
            spellCheck={false}
            value={draft.payloadTemplate}
            aria-invalid={errors.payloadTemplate ? true : undefined}
            aria-describedby={`${ids.template}-help${errors.payloadTemplate ? ` ${ids.template}-error` : ''}`}
            data-testid="log-stream-template"
            onChange={(event) => set({ payloadTemplate: event.target.value })}
          />
          <div id={`${ids.template}-help`} className="help small muted">
            A template starting with <code>{'{'}</code> or <code>[</code> is JSON: each placeholder is a value
            (a string comes out quoted, a missing one as <code>null</code>) and a batch is sent as a JSON
            array. Any other template is text, one line per log line. Empty: the default template.
          </div>
          <FieldError id={`${ids.template}-error`} message={errors.payloadTemplate} />
        </div>
        <details className="settings-mon-placeholders" open>
          <summary className="settings-mon-summary">
            Placeholders ({presets.placeholders.length}): choose one to insert it at the cursor
          </summary>
          <ul data-testid="log-stream-placeholders">
            {presets.placeholders.map((placeholder) => (
              <li key={placeholder.name}>
                <button
                  type="button"
                  className="button small-button mono"
                  title={`Example: ${JSON.stringify(placeholder.example)}`}
                  onClick={() => insertPlaceholder(placeholder.name)}
                >
                  {`{{ ${placeholder.name} }}`}
                </button>
                <span className="small muted">{placeholder.description}</span>
              </li>
            ))}
          </ul>
          <p className="small muted">
            Any other name, such as <code>{'{{ inventoryItem.id }}'}</code>, reads that path from the objects
            code logs with <code>logger.metric()</code>, and is null on other lines.
          </p>
        </details>
      </section>

      <section className="card stack" aria-labelledby={`${ids.enabled}-heading`}>
        <h2 id={`${ids.enabled}-heading`}>Delivery</h2>
        <div className="field">
          <label className="switch" htmlFor={ids.enabled}>
            <input
              id={ids.enabled}
              type="checkbox"
              role="switch"
              aria-checked={draft.enabled}
              aria-describedby={`${ids.enabled}-help`}
              checked={draft.enabled}
              data-testid="log-stream-enabled"
              onChange={(event) => set({ enabled: event.target.checked })}
            />
            <span className="switch-label">Enabled</span>
          </label>
          <div id={`${ids.enabled}-help`} className="help small muted">
            A disabled stream queues nothing: lines logged meanwhile are not sent later.
          </div>
        </div>
        <div className="field settings-mon-backlog">
          <label htmlFor={ids.backlog}>Backlog limit (executions)</label>
          <input
            id={ids.backlog}
            className="input"
            type="number"
            inputMode="numeric"
            min={1}
            max={1_000_000}
            step={1}
            required
            value={draft.backlogLimit}
            aria-invalid={errors.backlogLimit ? true : undefined}
            aria-describedby={`${ids.backlog}-help${errors.backlogLimit ? ` ${ids.backlog}-error` : ''}`}
            data-testid="log-stream-backlog-limit"
            onChange={(event) => set({ backlogLimit: event.target.value })}
          />
          <div id={`${ids.backlog}-help`} className="help small muted">
            While the service fails, the lines of up to this many finished executions wait to be retried; past
            it, the oldest are dropped and counted. Default {defaultBacklogLimit.toLocaleString()}.
          </div>
          <FieldError id={`${ids.backlog}-error`} message={errors.backlogLimit} />
        </div>
      </section>

      <FormError message={formError} />
      <div className="row wrap">
        <button
          type="submit"
          className="button primary"
          disabled={mutation.isPending}
          data-testid="log-stream-save"
        >
          {mutation.isPending ? 'Saving…' : stream ? 'Save changes' : 'Create log stream'}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => navigate(stream ? `/${stream.id}` : logStreamsHref)}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
