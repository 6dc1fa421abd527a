/**
 * What the self-service screens (dashboard, execution, logs, connections) share: the customer's instances, the
 * status badges, durations, and a JSON preview of step results.
 */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { type ApiSchema, answerOf, messageOf, WeftApiError } from '../../shared/api.js';
import type { Translate } from '../../shared/i18n.js';
import { Badge } from '../../shared/ui.js';
import { useEmbeddedApp } from '../embedded-app-context.js';

export type Instance = ApiSchema<'Instance'>;
export type ExecutionSummary = ApiSchema<'ExecutionSummary'>;
export type ExecutionStatus = ExecutionSummary['status'];
export type Execution = ApiSchema<'Execution'>;
export type LogEntry = ApiSchema<'LogEntry'>;
export type Connection = ApiSchema<'SelfServiceConnection'>;
export type ConnectionInput = Connection['inputs'][number];

export const executionStatuses: readonly ExecutionStatus[] = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
];

/** Whether a run may still change (the screens poll while one is shown). */
export function isActive(status: ExecutionStatus): boolean {
  return status === 'queued' || status === 'running';
}

/** Query keys of these screens; every input of a query is in its key. */
export const selfServiceKeys = {
  instances: ['instances', 'list', { all: true }] as const,
  executions: (filters: { instance: string; status: string }) => ['executions', 'list', filters] as const,
  execution: (id: string) => ['executions', 'detail', id] as const,
  logs: (filters: { search: string; minLevel: string; instance: string }) =>
    ['logs', 'list', filters] as const,
  connections: ['marketplace', 'connections'] as const,
};

/** Retry a failed read once, but not an answer that will not change (refused, not found, invalid). */
export function retryUnlessRefused(failureCount: number, error: unknown): boolean {
  if (error instanceof WeftApiError && error.status >= 400 && error.status < 500) return false;
  return failureCount < 1;
}

/** What to tell the customer about a failed call: a refusal in their words, else the API's message. */
export function problemText(error: unknown, t: Translate): string {
  if (error instanceof WeftApiError && error.status === 403) return t('selfService.forbidden');
  return messageOf(error);
}

/** Every instance of the customer (the server confines the list to them), all pages. */
export function useCustomerInstances() {
  const { api } = useEmbeddedApp();
  const query = useQuery({
    queryKey: selfServiceKeys.instances,
    retry: retryUnlessRefused,
    queryFn: async ({ signal }) => {
      const items: Instance[] = [];
      let cursor: string | undefined;
      do {
        const page = await answerOf(
          api.GET('/api/instances', {
            params: { query: { limit: 500, ...(cursor ? { cursor } : {}) } },
            signal,
          }),
        );
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && items.length < 5_000);
      return items;
    },
  });
  const names = useMemo(
    () => new Map((query.data ?? []).map((instance) => [instance.id, instance.name])),
    [query.data],
  );
  return { ...query, names };
}

/** The text of a phrase whose key is built from data, or `fallback` when no phrase has that key. */
export function phraseOr(t: Translate, key: string, fallback: string): string {
  const text = t(key);
  return text === key ? fallback : text;
}

export type InstanceState = 'active' | 'paused' | 'unconfigured';

/** active: deployed and running; paused: deployed and paused; unconfigured: never deployed. */
export function instanceStateOf(
  instance: Pick<Instance, 'enabled' | 'deployedVersionNumber'>,
): InstanceState {
  if (instance.deployedVersionNumber === null) return 'unconfigured';
  return instance.enabled ? 'active' : 'paused';
}

export function InstanceStatusBadge({
  instance,
}: {
  instance: Pick<Instance, 'enabled' | 'deployedVersionNumber'>;
}) {
  const { t } = useEmbeddedApp();
  const state = instanceStateOf(instance);
  return <Badge kind={state}>{t(`status.${state}`)}</Badge>;
}

export function ExecutionStatusBadge({ status }: { status: ExecutionStatus }) {
  const { t } = useEmbeddedApp();
  return <Badge kind={status}>{t(`execution.status.${status}`)}</Badge>;
}

/** A log line's level as a badge (`warn` and `error` stand out). */
export function LevelBadge({ level }: { level: string }) {
  const { t } = useEmbeddedApp();
  return <Badge kind={`level-${level}`}>{phraseOr(t, `logs.level.${level}`, level)}</Badge>;
}

function unitFormat(locale: string | undefined, unit: string, digits: number) {
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit,
    unitDisplay: 'narrow',
    maximumFractionDigits: digits,
  });
}

/** 850ms, 12.3s, 4m 5s — in the host's locale. */
export function formatDuration(ms: number | null | undefined, locale?: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1_000) return unitFormat(locale, 'millisecond', 0).format(Math.round(ms));
  if (ms < 60_000) return unitFormat(locale, 'second', 1).format(ms / 1_000);
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1_000);
  return `${unitFormat(locale, 'minute', 0).format(minutes)} ${unitFormat(locale, 'second', 0).format(seconds)}`;
}

/** A moment to the millisecond (log lines), in the host's locale. */
export function formatPreciseTime(
  value: string | null | undefined,
  locale?: string,
  withDate = true,
): string {
  if (!value) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, {
    ...(withDate ? { year: 'numeric', month: 'short', day: 'numeric' } : {}),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    fractionalSecondDigits: 3,
  }).format(date);
}

/** The message of an error the API reports as `{code, message, stepKey?}` (or anything else). */
export function errorMessageOf(error: unknown): { message: string; code?: string } | undefined {
  if (error === null || error === undefined) return undefined;
  if (typeof error === 'string') return { message: error };
  if (typeof error === 'object') {
    const { message, code } = error as { message?: unknown; code?: unknown };
    if (typeof message === 'string') return { message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: JSON.stringify(error) };
}

/** How much of a result the preview shows: the rest would make the page slow. */
export const previewLimit = 5_000;

function stringify(value: unknown): string {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A collapsible JSON view of a value, built only when opened and cut at ~5 KB. */
export function JsonPreview({ value, label }: { value: unknown; label: string }) {
  const { t, locale } = useEmbeddedApp();
  const [open, setOpen] = useState(false);
  const text = useMemo(() => (open ? stringify(value) : ''), [open, value]);
  const truncated = text.length > previewLimit;
  const kilobytes = unitFormat(locale, 'kilobyte', 1);
  return (
    <details className="json-preview" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>{label}</summary>
      {open && (
        <>
          {truncated && (
            <p className="small muted">
              {t('execution.resultTruncated', {
                shown: kilobytes.format(previewLimit / 1_000),
                total: kilobytes.format(text.length / 1_000),
              })}
            </p>
          )}
          <pre>{text === '' ? t('common.none') : truncated ? `${text.slice(0, previewLimit)}…` : text}</pre>
        </>
      )}
    </details>
  );
}

/** What a credentials form holds, by input key: text, or a checkbox's state. */
export type Draft = Record<string, string | boolean>;

function shownValueOf(input: ConnectionInput): string | boolean {
  const value = input.value ?? input.default;
  if (input.type === 'boolean') return value === true || value === 'true';
  // A stored secret is a mask: the field starts empty and says a value is saved.
  if (input.type === 'password' || value === null || value === undefined) return '';
  return typeof value === 'string'
    ? value
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);
}

export function initialDraft(inputs: ConnectionInput[]): Draft {
  return Object.fromEntries(inputs.map((input) => [input.key, shownValueOf(input)]));
}

/**
 * The values to send: what changed of the editable inputs (a cleared one as null, which removes it), and of the
 * secrets only what was typed.
 */
export function changedValues(
  inputs: ConnectionInput[],
  draft: Draft,
): Record<string, string | boolean | null> {
  const values: Record<string, string | boolean | null> = {};
  for (const input of inputs) {
    if (!input.editable) continue;
    const value = draft[input.key];
    if (value === undefined) continue;
    if (input.type === 'password') {
      if (typeof value === 'string' && value !== '') values[input.key] = value;
    } else if (value !== shownValueOf(input)) {
      values[input.key] = value === '' ? null : value;
    }
  }
  return values;
}

/**
 * A refused save's problems by input key (`details.problems`: strings starting with the input's quoted key, or
 * `{key | configVar | field, message}`; `details.field`), and the rest.
 */
export function problemsOf(
  error: unknown,
  keys: string[],
  t: Translate,
): { byKey: Map<string, string>; general: string[] } {
  const byKey = new Map<string, string>();
  const general: string[] = [];
  if (!error) return { byKey, general };
  if (!(error instanceof WeftApiError) || error.status === 403)
    return { byKey, general: [problemText(error, t)] };
  const add = (key: unknown, message: string) => {
    if (typeof key === 'string' && keys.includes(key) && !byKey.has(key)) byKey.set(key, message);
    else general.push(message);
  };
  const problems = Array.isArray(error.details.problems) ? (error.details.problems as unknown[]) : [];
  for (const problem of problems) {
    if (typeof problem === 'string') {
      add(/^'([^']+)'/.exec(problem)?.[1], problem);
    } else if (typeof problem === 'object' && problem !== null) {
      const entry = problem as Record<string, unknown>;
      const key = [entry.key, entry.configVar, entry.field, entry.input].find(
        (name) => typeof name === 'string',
      );
      add(key, typeof entry.message === 'string' ? entry.message : JSON.stringify(problem));
    }
  }
  if (problems.length === 0) add(error.details.field, error.message);
  return { byKey, general: [...new Set(general)] };
}

/** One input of a connection's credentials form: a checkbox, or a text or password field. */
export function ConnectionInputField(props: {
  id: string;
  input: ConnectionInput;
  value: string | boolean;
  error: string | undefined;
  disabled: boolean;
  onChange: (value: string | boolean) => void;
}) {
  const { t } = useEmbeddedApp();
  const { id, input, value, error, disabled, onChange } = props;
  const described = error ? { 'aria-describedby': `${id}-error`, 'aria-invalid': true } : {};
  const required = input.required && (
    <span className="required-mark" title={t('field.required')} aria-hidden="true">
      *
    </span>
  );
  const message = error && (
    <span className="error" id={`${id}-error`}>
      {error}
    </span>
  );
  if (input.type === 'boolean') {
    return (
      <div className="field">
        <label className="checkbox" htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            disabled={disabled}
            onChange={(event) => onChange(event.target.checked)}
            {...described}
          />
          {input.label}
          {required}
        </label>
        {message}
      </div>
    );
  }
  const secret = input.type === 'password';
  // A stored secret (or one the organization gave as the default) is a mask: say so, never show it.
  const stored =
    secret &&
    [input.value, input.default].some((given) => given !== null && given !== undefined && given !== '');
  return (
    <div className="field">
      <label htmlFor={id}>
        {input.label}
        {required}
      </label>
      <input
        id={id}
        className="input"
        type={secret ? 'password' : 'text'}
        autoComplete={secret ? 'new-password' : 'off'}
        value={typeof value === 'string' ? value : ''}
        placeholder={stored ? t('field.secretConfigured') : undefined}
        aria-required={input.required}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
        {...described}
      />
      {message}
    </div>
  );
}
