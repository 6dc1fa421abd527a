import { lazy, type ReactNode, Suspense, useId } from 'react';
import { useEmbeddedApp } from '../../embedded-app-context.js';
import { ConnectionField } from './connection-field.js';
import { DataSourceField } from './data-source-field.js';
import { ScheduleInput } from './schedule-input.js';
import { type Draft, isWithheldSecret, type Wizard, type WizardVariable } from './wizard-data.js';

const JsonFormInput = lazy(() => import('./json-form-input.js'));

export interface FieldProps {
  instanceId: string;
  variable: WizardVariable;
  wizard: Wizard;
  draft: Draft;
  readOnly: boolean;
  problem: string | undefined;
  onChange(value: unknown): void;
  /** Saves the page's draft (a connection is saved before it is authorized). */
  savePage(): Promise<Wizard | undefined>;
}

/** One config variable of a wizard page, with the control its data type calls for. */
export function ConfigVarField(props: FieldProps) {
  const { variable } = props;
  if (variable.dataType === 'connection') return <ConnectionField {...props} />;
  if (variable.dataSource) return <DataSourceField {...props} />;
  return (
    <FieldFrame variable={variable} problem={props.problem}>
      {(id, describedBy) => (
        <ValueInput
          id={id}
          describedBy={describedBy}
          variable={variable}
          value={currentValue(props)}
          readOnly={props.readOnly}
          invalid={!!props.problem}
          onChange={props.onChange}
        />
      )}
    </FieldFrame>
  );
}

/** The value shown: the draft's, else the saved one, else the default (as its data type reads it). */
export function currentValue({ variable, draft }: Pick<FieldProps, 'variable' | 'draft'>): unknown {
  if (variable.key in draft) return draft[variable.key];
  if (variable.value !== null && variable.value !== undefined) return variable.value;
  return null;
}

/** Label, helper text and error of a field, tied to its control for screen readers. */
export function FieldFrame({
  variable,
  problem,
  children,
  label,
}: {
  variable: WizardVariable;
  problem: string | undefined;
  label?: string;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const { t } = useEmbeddedApp();
  const id = useId();
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy =
    [variable.description ? helpId : '', problem ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const isGroup = variable.collectionType || variable.dataType === 'boolean';
  return (
    <div className="field" data-testid={`config-var-${variable.key}`}>
      {isGroup ? (
        <span className="label" id={`${id}-label`}>
          {label ?? variable.label}
          {variable.required && <RequiredMark text={t('field.required')} />}
        </span>
      ) : (
        <label htmlFor={id}>
          {label ?? variable.label}
          {variable.required && <RequiredMark text={t('field.required')} />}
        </label>
      )}
      {children(id, describedBy)}
      {variable.description && (
        <span className="help" id={helpId}>
          {variable.description}
        </span>
      )}
      {problem && (
        <span className="error" id={errorId} role="alert">
          {problem}
        </span>
      )}
    </div>
  );
}

function RequiredMark({ text }: { text: string }) {
  return (
    <span className="required-mark" title={text}>
      *<span className="visually-hidden"> ({text})</span>
    </span>
  );
}

interface ValueInputProps {
  id: string;
  describedBy: string | undefined;
  variable: WizardVariable;
  value: unknown;
  readOnly: boolean;
  invalid: boolean;
  onChange(value: unknown): void;
  /** Choices a data source answered, instead of the variable's pickList. */
  choices?: Array<{ key: string; label: string }>;
}

/** A value of the variable's data type, or a list of them (`collectionType`). */
export function ValueInput(props: ValueInputProps) {
  const { variable } = props;
  if (variable.collectionType === 'valuelist') return <ValueList {...props} />;
  if (variable.collectionType === 'keyvaluelist') return <KeyValueList {...props} />;
  return <ScalarInput {...props} />;
}

function ScalarInput({
  id,
  describedBy,
  variable,
  value,
  readOnly,
  invalid,
  onChange,
  choices,
}: ValueInputProps) {
  const { t } = useEmbeddedApp();
  const common = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': invalid || undefined,
    disabled: readOnly,
  };
  const text = value === null || value === undefined || isWithheldSecret(value) ? '' : String(value);
  switch (variable.dataType) {
    case 'boolean':
      return (
        <label className="switch">
          <input
            {...common}
            type="checkbox"
            role="switch"
            aria-checked={value === true || value === 'true'}
            checked={value === true || value === 'true'}
            onChange={(event) => onChange(event.target.checked)}
          />
          <span>{variable.label}</span>
        </label>
      );
    case 'number':
      return (
        <input
          {...common}
          className="input"
          type="number"
          inputMode="decimal"
          value={text}
          onChange={(event) => onChange(event.target.value === '' ? null : event.target.value)}
        />
      );
    case 'picklist': {
      const options = choices ?? (variable.pickList ?? []).map((choice) => ({ key: choice, label: choice }));
      return (
        <select
          {...common}
          className="select"
          value={text}
          onChange={(event) => onChange(event.target.value || null)}
        >
          <option value="">{t('field.choose')}</option>
          {options.map((option) => (
            <option key={option.key} value={option.key}>
              {option.label}
            </option>
          ))}
        </select>
      );
    }
    case 'date':
      return (
        <input
          {...common}
          className="input"
          type="date"
          value={text}
          onChange={(event) => onChange(event.target.value || null)}
        />
      );
    case 'timestamp':
      return (
        <input
          {...common}
          className="input"
          type="datetime-local"
          value={text.slice(0, 16)}
          onChange={(event) => onChange(event.target.value || null)}
        />
      );
    case 'schedule':
      return <ScheduleInput {...common} value={text} timeZone={variable.timeZone} onChange={onChange} />;
    case 'code':
      return <CodeInput {...common} language={variable.codeLanguage} value={text} onChange={onChange} />;
    case 'credential':
      return (
        <input
          {...common}
          className="input"
          type="password"
          autoComplete="new-password"
          placeholder={isWithheldSecret(value) ? t('field.secretConfigured') : undefined}
          value={text}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    case 'jsonForm':
    case 'objectSelection':
    case 'objectFieldMap':
      return (
        <CodeInput
          {...common}
          language="json"
          value={text === '' ? '' : JSON.stringify(value, null, 2)}
          onChange={onChange}
          parse
        />
      );
    case 'text':
      return (
        <textarea
          {...common}
          className="textarea"
          value={text}
          onChange={(event) => onChange(event.target.value)}
        />
      );
    default:
      return (
        <input
          {...common}
          className="input"
          type="text"
          value={text}
          onChange={(event) => onChange(event.target.value)}
        />
      );
  }
}

function CodeInput({
  language,
  value,
  onChange,
  parse,
  ...common
}: {
  id: string;
  'aria-describedby': string | undefined;
  'aria-invalid': boolean | undefined;
  disabled: boolean;
  language: string | null;
  value: string;
  onChange(value: unknown): void;
  parse?: boolean;
}) {
  const { t } = useEmbeddedApp();
  let jsonProblem: string | undefined;
  if (language === 'json' && value.trim() !== '') {
    try {
      JSON.parse(value);
    } catch (error) {
      jsonProblem = t('field.invalidJson', { message: (error as Error).message });
    }
  }
  return (
    <>
      <textarea
        {...common}
        className="textarea code"
        spellCheck={false}
        value={value}
        aria-invalid={common['aria-invalid'] || !!jsonProblem || undefined}
        onChange={(event) => {
          const text = event.target.value;
          if (!parse) return onChange(text);
          try {
            onChange(text.trim() === '' ? null : JSON.parse(text));
          } catch {
            onChange(text);
          }
        }}
      />
      {language && <span className="help">{language.toUpperCase()}</span>}
      {jsonProblem && <span className="error">{jsonProblem}</span>}
    </>
  );
}

function ValueList(props: ValueInputProps) {
  const { t } = useEmbeddedApp();
  const items = Array.isArray(props.value) ? (props.value as unknown[]) : [];
  const set = (next: unknown[]) => props.onChange(next);
  return (
    <fieldset className="list-editor" aria-labelledby={`${props.id}-label`}>
      {items.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: list items are positional
        <div className="item" key={index}>
          <ScalarInput
            {...props}
            id={`${props.id}-${index}`}
            value={item}
            onChange={(value) => set(items.map((old, at) => (at === index ? value : old)))}
          />
          {!props.readOnly && (
            <button
              type="button"
              className="button"
              onClick={() => set(items.filter((_, at) => at !== index))}
            >
              {t('common.remove')}
            </button>
          )}
        </div>
      ))}
      {!props.readOnly && (
        <button
          type="button"
          className="button"
          onClick={() => set([...items, ''])}
          style={{ alignSelf: 'flex-start' }}
        >
          {t('field.addItem')}
        </button>
      )}
    </fieldset>
  );
}

function KeyValueList(props: ValueInputProps) {
  const { t } = useEmbeddedApp();
  const pairs = Array.isArray(props.value) ? (props.value as Array<{ key: string; value: unknown }>) : [];
  const set = (next: Array<{ key: string; value: unknown }>) => props.onChange(next);
  return (
    <fieldset className="list-editor" aria-labelledby={`${props.id}-label`}>
      {pairs.map((pair, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: list items are positional
        <div className="item" key={index}>
          <input
            className="input"
            aria-label={`${t('field.key')} ${index + 1}`}
            value={pair.key}
            disabled={props.readOnly}
            onChange={(event) =>
              set(pairs.map((old, at) => (at === index ? { ...old, key: event.target.value } : old)))
            }
          />
          <ScalarInput
            {...props}
            id={`${props.id}-${index}`}
            value={pair.value}
            onChange={(value) => set(pairs.map((old, at) => (at === index ? { ...old, value } : old)))}
          />
          {!props.readOnly && (
            <button
              type="button"
              className="button"
              onClick={() => set(pairs.filter((_, at) => at !== index))}
            >
              {t('common.remove')}
            </button>
          )}
        </div>
      ))}
      {!props.readOnly && (
        <button
          type="button"
          className="button"
          onClick={() => set([...pairs, { key: '', value: '' }])}
          style={{ alignSelf: 'flex-start' }}
        >
          {t('field.addItem')}
        </button>
      )}
    </fieldset>
  );
}

/** JSON Forms, loaded only when a wizard shows one (it is the heaviest part of the pages). */
export function LazyJsonForm(props: {
  schema: unknown;
  uiSchema: unknown;
  data: unknown;
  readOnly: boolean;
  onChange(data: unknown): void;
}) {
  const { t } = useEmbeddedApp();
  return (
    <Suspense fallback={<span className="muted">{t('common.loading')}</span>}>
      <JsonFormInput {...props} />
    </Suspense>
  );
}
