import { themeKeyKinds, themeValuePatterns } from '@weft/embed/protocol';
import { type CSSProperties, useEffect, useId, useMemo, useState } from 'react';
import { type ApiSchema, messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { PageHeader, Section } from '../../ui/page.js';
import { useSaveEmbedding } from './mutations.js';
import { useEmbeddingSettings } from './queries.js';
import { FieldError, FormError, fieldErrorsOf, formErrorOf } from './settings-common.js';

type EmbedTheme = ApiSchema<'EmbedTheme'>;
type ThemeKey = keyof typeof themeKeyKinds;
type Mode = 'light' | 'dark';

const labels: Record<ThemeKey, string> = {
  primary: 'Primary (buttons, links)',
  primaryText: 'Text on primary',
  background: 'Page background',
  surface: 'Cards and panels',
  text: 'Text',
  mutedText: 'Secondary text',
  border: 'Borders',
  danger: 'Danger',
  success: 'Success',
  fontFamily: 'Font family',
  radius: 'Corner radius',
};

/** Weft's own values (shared/styles.css), what an empty field means. */
const defaults: Record<Mode, Record<ThemeKey, string>> = {
  light: {
    primary: '#4f46e5',
    primaryText: '#ffffff',
    background: '#f7f7fb',
    surface: '#ffffff',
    text: '#1d1d2b',
    mutedText: '#5d6072',
    border: '#dfe0ea',
    danger: '#c0262d',
    success: '#1a7f4b',
    fontFamily: 'system-ui, sans-serif',
    radius: '8px',
  },
  dark: {
    primary: '#8b83ff',
    primaryText: '#12121c',
    background: '#14141c',
    surface: '#1d1d28',
    text: '#ececf4',
    mutedText: '#a6a8b8',
    border: '#33344a',
    danger: '#ff6b70',
    success: '#4cc38a',
    fontFamily: 'system-ui, sans-serif',
    radius: '8px',
  },
};

const themeKeys = Object.keys(themeKeyKinds) as ThemeKey[];
const colorKeys = themeKeys.filter((key) => themeKeyKinds[key] === 'color');
const patterns = Object.fromEntries(
  Object.entries(themeValuePatterns).map(([kind, source]) => [kind, new RegExp(source)]),
) as Record<keyof typeof themeValuePatterns, RegExp>;

const hints = {
  color: 'A CSS colour: #rrggbb, rgb(), hsl() or a name',
  fontFamily: 'Letters, digits, spaces, commas and quotes',
  radius: '0, or a number with px, rem or em (6px)',
} as const;

/** The same check the server makes, so a typo shows at once; the server's own answer still wins. */
function localProblem(key: ThemeKey, value: string): string | undefined {
  if (!value) return undefined;
  const kind = themeKeyKinds[key];
  return patterns[kind].test(value) ? undefined : `Not valid: ${hints[kind].toLowerCase()}.`;
}

/** #rgb → #rrggbb for the native colour picker, which takes only #rrggbb. */
function pickerValue(value: string, fallback: string): string {
  const source = /^#[0-9a-fA-F]{6}$|^#[0-9a-fA-F]{3}$/.test(value) ? value : fallback;
  if (source.length === 4) return `#${[...source.slice(1)].map((c) => c + c).join('')}`;
  return source.length === 7 ? source : '#000000';
}

/** The embedded marketplace's theme and the origins of your app allowed to embed it. */
export default function ThemeTab() {
  const settings = useEmbeddingSettings();
  return (
    <>
      <PageHeader
        title="Theme and embedding"
        description="How the embedded marketplace looks inside your app, and which of your app's origins may show it."
      />
      {settings.isPending ? (
        <Loading />
      ) : settings.isError ? (
        <ErrorNotice onRetry={() => void settings.refetch()}>{messageOf(settings.error)}</ErrorNotice>
      ) : (
        <>
          <ThemeEditor theme={settings.data.theme} />
          <OriginsEditor
            origins={settings.data.allowedOrigins}
            effective={settings.data.effectiveAllowedOrigins}
          />
        </>
      )}
    </>
  );
}

function ThemeEditor({ theme }: { theme: EmbedTheme }) {
  const { can } = useConsole();
  const mayWrite = can('organization:write');
  const save = useSaveEmbedding();
  const [mode, setMode] = useState<Mode>(theme.mode ?? 'light');
  const [values, setValues] = useState<Record<ThemeKey, string>>(() => valuesOf(theme));
  // Saving the origins refetches the settings: only a change of the stored theme itself resets the fields.
  const stored = JSON.stringify(theme);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `stored` stands for `theme`'s content
  useEffect(() => {
    setMode(theme.mode ?? 'light');
    setValues(valuesOf(theme));
  }, [stored]);
  const serverErrors = fieldErrorsOf(save.error);
  const problems = Object.fromEntries(
    themeKeys.map((key) => [key, localProblem(key, values[key].trim()) ?? serverErrors[`theme.${key}`]]),
  ) as Record<ThemeKey, string | undefined>;
  const invalid = themeKeys.some((key) => localProblem(key, values[key].trim()));
  const effective = useMemo(
    () =>
      Object.fromEntries(
        themeKeys.map((key) => [
          key,
          values[key].trim() && !localProblem(key, values[key].trim())
            ? values[key].trim()
            : defaults[mode][key],
        ]),
      ) as Record<ThemeKey, string>,
    [values, mode],
  );
  const modeId = useId();
  return (
    <Section title="Embedded theme" id="embed-theme">
      <p className="small muted">
        Empty fields use Weft's defaults. Your app can still override any value when it embeds the pages (
        <code>init({'{ theme }'})</code>).
      </p>
      <form
        className="settings-theme"
        onSubmit={(event) => {
          event.preventDefault();
          if (invalid) return;
          const next: EmbedTheme = { mode };
          for (const key of themeKeys) {
            const value = values[key].trim();
            if (value) next[key] = value;
          }
          save.mutate({ theme: next });
        }}
      >
        <fieldset className="settings-theme-fields" disabled={!mayWrite}>
          <legend className="visually-hidden">Theme values</legend>
          <div className="field">
            <label htmlFor={modeId}>Mode</label>
            <select
              id={modeId}
              className="select"
              value={mode}
              data-testid="theme-mode"
              onChange={(event) => setMode(event.target.value as Mode)}
            >
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </div>
          {themeKeys.map((key) => (
            <ThemeField
              key={key}
              themeKey={key}
              value={values[key]}
              fallback={defaults[mode][key]}
              problem={problems[key]}
              onChange={(value) => setValues((current) => ({ ...current, [key]: value }))}
            />
          ))}
        </fieldset>
        <div className="stack settings-theme-side">
          <ThemePreview mode={mode} values={effective} />
          {mayWrite && (
            <div className="row wrap">
              <button
                type="submit"
                className="button primary"
                disabled={save.isPending || invalid}
                data-testid="theme-save"
              >
                {save.isPending ? 'Saving…' : 'Save theme'}
              </button>
              <button
                type="button"
                className="button"
                onClick={() => {
                  save.reset();
                  setMode(theme.mode ?? 'light');
                  setValues(valuesOf(theme));
                }}
              >
                Undo changes
              </button>
              <button
                type="button"
                className="button link"
                onClick={() => setValues(valuesOf({}))}
                title="Empty every field (Weft's defaults); save to keep it"
              >
                Clear all
              </button>
            </div>
          )}
          <FormError
            message={formErrorOf(
              save.error,
              themeKeys.map((key) => `theme.${key}`),
            )}
          />
        </div>
      </form>
    </Section>
  );
}

function valuesOf(theme: EmbedTheme): Record<ThemeKey, string> {
  return Object.fromEntries(themeKeys.map((key) => [key, theme[key] ?? ''])) as Record<ThemeKey, string>;
}

function ThemeField({
  themeKey,
  value,
  fallback,
  problem,
  onChange,
}: {
  themeKey: ThemeKey;
  value: string;
  fallback: string;
  problem: string | undefined;
  onChange(value: string): void;
}) {
  const id = useId();
  const isColor = themeKeyKinds[themeKey] === 'color';
  return (
    <div className="field settings-theme-field">
      <label htmlFor={id}>{labels[themeKey]}</label>
      <div className="row settings-theme-input">
        {isColor && (
          <input
            type="color"
            className="settings-color"
            aria-label={`${labels[themeKey]}: pick a colour`}
            value={pickerValue(value.trim(), fallback)}
            data-testid={`theme-picker-${themeKey}`}
            onChange={(event) => onChange(event.target.value)}
          />
        )}
        <input
          id={id}
          className="input mono"
          value={value}
          placeholder={fallback}
          maxLength={200}
          spellCheck={false}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? `${id}-error` : undefined}
          data-testid={`theme-${themeKey}`}
          onChange={(event) => onChange(event.target.value)}
        />
      </div>
      <FieldError id={`${id}-error`} message={problem} />
    </div>
  );
}

/** A small embedded page drawn with the values being edited: what customers will see. */
function ThemePreview({ mode, values }: { mode: Mode; values: Record<ThemeKey, string> }) {
  const style = {
    '--preview-primary': values.primary,
    '--preview-primary-text': values.primaryText,
    '--preview-background': values.background,
    '--preview-surface': values.surface,
    '--preview-text': values.text,
    '--preview-muted': values.mutedText,
    '--preview-border': values.border,
    '--preview-danger': values.danger,
    '--preview-success': values.success,
    '--preview-font': values.fontFamily,
    '--preview-radius': values.radius,
  } as CSSProperties;
  return (
    <figure
      className="settings-preview"
      style={style}
      aria-label={`Preview of the embedded marketplace (${mode})`}
    >
      <div className="settings-preview-card">
        <div className="settings-preview-title">Salesforce sync</div>
        <p className="settings-preview-muted">Keeps your contacts in step with Salesforce.</p>
        <div className="settings-preview-row">
          <span className="settings-preview-badge success">Active</span>
          <span className="settings-preview-badge danger">1 failed run</span>
        </div>
        <div className="settings-preview-row">
          <span className="settings-preview-button">Configure</span>
          <span className="settings-preview-link">View logs</span>
        </div>
      </div>
      <ul className="settings-swatches" aria-label="Colours">
        {colorKeys.map((key) => (
          <li key={key} title={`${labels[key]}: ${values[key]}`}>
            <span className="settings-swatch" style={{ background: values[key] }} />
            <span className="small">{labels[key].replace(/ \(.*\)$/, '')}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

function OriginsEditor({ origins, effective }: { origins: string[]; effective: string[] }) {
  const { can } = useConsole();
  const mayWrite = can('organization:write');
  const save = useSaveEmbedding();
  const [items, setItems] = useState<string[]>(origins);
  const [draft, setDraft] = useState('');
  // Saving the theme refetches the settings: only a change of the stored origins resets the list.
  const stored = origins.join('\n');
  // biome-ignore lint/correctness/useExhaustiveDependencies: `stored` stands for `origins`' content
  useEffect(() => setItems(origins), [stored]);
  const errors = fieldErrorsOf(save.error);
  const draftId = useId();
  const changed = items.join('\n') !== origins.join('\n');
  const addDraft = () => {
    const value = draft.trim().replace(/\/+$/, '');
    if (!value || items.includes(value)) return;
    setItems((current) => [...current, value]);
    setDraft('');
  };
  const fromServer = effective.filter((origin) => !items.includes(origin));
  return (
    <Section title="Allowed embedding origins" id="embed-origins">
      <p className="small muted">
        Only pages of these origins may show Weft's embedded pages in an iframe (and the pages talk only to
        them). An origin is scheme://host[:port], without a path: <code>https://app.example.com</code>.
      </p>
      {items.length === 0 ? (
        <p className="muted">
          No origins: only Weft's own origin{fromServer.length ? ' and the server-wide ones' : ''}.
        </p>
      ) : (
        <ul className="settings-origins" data-testid="origins-list">
          {items.map((origin, index) => {
            const problem = errors[`allowedOrigins.${index}`];
            return (
              <li key={origin} className="stack-tight">
                <div className="row">
                  <code className="mono spacer">{origin}</code>
                  {mayWrite && (
                    <button
                      type="button"
                      className="button small-button"
                      aria-label={`Remove ${origin}`}
                      onClick={() => setItems((current) => current.filter((item) => item !== origin))}
                    >
                      Remove
                    </button>
                  )}
                </div>
                {problem && (
                  <div className="error-text small" role="alert">
                    {problem}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {fromServer.length > 0 && (
        <p className="small muted">
          Also allowed on this server for every organization (WEFT_ALLOWED_ORIGINS): {fromServer.join(', ')}
        </p>
      )}
      {mayWrite && (
        <>
          <div className="row wrap settings-inline-form">
            <div className="field spacer">
              <label htmlFor={draftId}>Add an origin</label>
              <input
                id={draftId}
                className="input mono"
                type="url"
                placeholder="https://app.example.com"
                value={draft}
                data-testid="origin-input"
                onChange={(event) => setDraft(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') {
                    event.preventDefault();
                    addDraft();
                  }
                }}
              />
            </div>
            <button type="button" className="button" data-testid="origin-add" onClick={addDraft}>
              Add
            </button>
          </div>
          <div className="row wrap">
            <button
              type="button"
              className="button primary"
              disabled={save.isPending || !changed}
              data-testid="origins-save"
              onClick={() => save.mutate({ allowedOrigins: items })}
            >
              {save.isPending ? 'Saving…' : 'Save origins'}
            </button>
            {changed && (
              <button type="button" className="button" onClick={() => setItems(origins)}>
                Undo changes
              </button>
            )}
          </div>
          <FormError
            message={formErrorOf(
              save.error,
              items.map((_, index) => `allowedOrigins.${index}`),
            )}
          />
        </>
      )}
    </Section>
  );
}
