import { lazy, type ReactNode, Suspense, useEffect, useId, useRef } from 'react';
import { ConnectionField } from './connection-field.js';
import { DataSourceField } from './data-source-field.js';
import { ScheduleInput } from './schedule-input.js';
import { type Draft, isWithheldSecret, type Wizard, type WizardVariable } from './wizard-data.js';
import { useWizardHost } from './wizard-host.js';

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
  /** A problem the page finds itself (a JSON Forms form with invalid answers), undefined once fixed. */
  reportProblem?(message: string | undefined): void;
}

/** Data types whose control is a group of controls (a fieldset named by the variable's label). */
const groupTypes = new Set(['objectSelection', 'objectFieldMap', 'jsonForm']);

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

/** The value shown: the draft's, else the saved one (defaults are stored when the instance is made). */
export function currentValue({ variable, draft }: Pick<FieldProps, 'variable' | 'draft'>): unknown {
  if (variable.key in draft) return draft[variable.key];
  if (variable.value !== null && variable.value !== undefined) return variable.value;
  return null;
}

/** How a field is labelled: a <label> for one control, a group's name, or the control's own (a switch). */
export function labelKind(variable: WizardVariable): 'control' | 'group' | 'inline' {
  if (variable.collectionType === 'valuelist' || variable.collectionType === 'keyvaluelist') return 'group';
  if (groupTypes.has(variable.dataType)) return 'group';
  if (variable.dataType === 'boolean') return 'inline';
  return 'control';
}

/**
 * Label, helper text and error of a field, tied to its control for screen readers: the control (or group) is
 * named by the label (`${id}` for a control, `${id}-label` for a group) and described by the help and the error.
 */
export function FieldFrame({
  variable,
  problem,
  children,
}: {
  variable: WizardVariable;
  problem: string | undefined;
  children: (id: string, describedBy: string | undefined) => ReactNode;
}) {
  const { t } = useWizardHost();
  const id = useId();
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const describedBy =
    [variable.description ? helpId : '', problem ? errorId : ''].filter(Boolean).join(' ') || undefined;
  const kind = labelKind(variable);
  return (
    <div
      className={`field${problem ? ' invalid' : ''}`}
      data-testid={`config-var-${variable.key}`}
      data-type={variable.dataType}
    >
      {kind === 'group' && (
        <span className="label" id={`${id}-label`}>
          {variable.label}
          {variable.required && <RequiredMark text={t('field.required')} />}
        </span>
      )}
      {kind === 'control' && (
        <label htmlFor={id}>
          {variable.label}
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

/** The asterisk is for the eye; screen readers hear `aria-required` on the control instead. */
export function RequiredMark({ text }: { text: string }) {
  return (
    <span className="required-mark" title={text} aria-hidden="true">
      *
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
  /** The accessible name of a list item's control (a list's controls have no <label> of their own). */
  ariaLabel?: string;
}

/** A value of the variable's data type, or a list of them (`collectionType`). */
export function ValueInput(props: ValueInputProps) {
  const { variable } = props;
  if (variable.collectionType === 'valuelist') return <ValueList {...props} />;
  if (variable.collectionType === 'keyvaluelist') return <KeyValueList {...props} />;
  return <ScalarInput {...props} />;
}

/** `2025-03-14T14:30:00.000Z` as a `datetime-local` value in the browser's time zone (`2025-03-14T09:30`). */
export function toLocalDateTime(value: string): string {
  // Text without a zone is a local time already.
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(value)) return value.slice(0, 16);
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value.slice(0, 16);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A `datetime-local` value, read in the browser's time zone, as an ISO 8601 instant (UTC). */
export function fromLocalDateTime(local: string): string | null {
  if (local === '') return null;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
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
  ariaLabel,
}: ValueInputProps) {
  const { t } = useWizardHost();
  const common = {
    id,
    'aria-describedby': describedBy,
    'aria-invalid': invalid || undefined,
    'aria-required': (variable.required && !ariaLabel) || undefined,
    ...(ariaLabel ? { 'aria-label': ariaLabel } : {}),
    disabled: readOnly,
  };
  const text = value === null || value === undefined || isWithheldSecret(value) ? '' : String(value);
  switch (variable.dataType) {
    case 'boolean': {
      const checked = value === true || value === 'true';
      return (
        <label className="switch">
          <input
            {...common}
            type="checkbox"
            role="switch"
            aria-checked={checked}
            checked={checked}
            onChange={(event) => onChange(event.target.checked)}
          />
          {!ariaLabel && (
            <span className="switch-label">
              {variable.label}
              {variable.required && <RequiredMark text={t('field.required')} />}
            </span>
          )}
        </label>
      );
    }
    case 'number':
      return (
        <input
          {...common}
          className="input"
          type="number"
          inputMode="decimal"
          step="any"
          value={text}
          onChange={(event) => {
            const raw = event.target.value;
            // A number as soon as it is one; text the browser cannot read yet ('1e') stays text, which a save
            // refuses with the variable's message.
            onChange(raw === '' ? null : Number.isFinite(Number(raw)) ? Number(raw) : raw);
          }}
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
          {/* A saved choice the list no longer offers stays visible rather than silently blank. */}
          {text !== '' && !options.some((option) => option.key === text) && (
            <option value={text}>{text}</option>
          )}
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
          value={text.slice(0, 10)}
          onChange={(event) => onChange(event.target.value || null)}
        />
      );
    case 'timestamp':
      return (
        <input
          {...common}
          className="input"
          type="datetime-local"
          value={toLocalDateTime(text)}
          onChange={(event) => onChange(fromLocalDateTime(event.target.value))}
        />
      );
    case 'schedule':
      return (
        <ScheduleInput
          {...common}
          label={ariaLabel ?? variable.label}
          value={text}
          timeZone={variable.timeZone}
          onChange={onChange}
        />
      );
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
      // Without a data source there is no form to show: the value as JSON.
      return (
        <CodeInput
          {...common}
          language="json"
          value={text === '' ? '' : typeof value === 'string' ? value : JSON.stringify(value, null, 2)}
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
  'aria-required': boolean | undefined;
  'aria-label'?: string;
  disabled: boolean;
  language: string | null;
  value: string;
  onChange(value: unknown): void;
  parse?: boolean;
}) {
  const { t } = useWizardHost();
  const problemId = `${common.id}-syntax`;
  let jsonProblem: string | undefined;
  if (language === 'json' && value.trim() !== '') {
    try {
      JSON.parse(value);
    } catch (error) {
      jsonProblem = t('field.invalidJson', { message: (error as Error).message });
    }
  }
  const describedBy =
    [common['aria-describedby'], jsonProblem ? problemId : ''].filter(Boolean).join(' ') || undefined;
  return (
    <>
      <textarea
        {...common}
        className="textarea code"
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        value={value}
        aria-describedby={describedBy}
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
      {language && <span className="help code-language">{language.toUpperCase()}</span>}
      {jsonProblem && (
        <span className="error" id={problemId}>
          {jsonProblem}
        </span>
      )}
    </>
  );
}

/** Moves focus to the control of a row just added (`Add item` leaves the keyboard where the typing goes). */
/**
 * A list the customer grows and shrinks: each row's controls, a Remove button per row, Add at the end; the first
 * control of an added row gets the focus. Value lists and key/value lists are this with different rows.
 */
function ListEditor<Item>({
  props,
  items,
  newItem,
  rowClassName,
  removeLabel,
  renderRow,
}: {
  props: ValueInputProps;
  items: Item[];
  newItem: Item;
  rowClassName: string;
  removeLabel: (index: number) => string;
  renderRow: (item: Item, index: number, update: (item: Item) => void) => ReactNode;
}) {
  const { t } = useWizardHost();
  const listRef = useRef<HTMLFieldSetElement>(null);
  const added = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when a row is added (or removed)
  useEffect(() => {
    if (!added.current) return;
    added.current = false;
    const rows = listRef.current?.querySelectorAll<HTMLElement>('.item');
    rows?.[rows.length - 1]?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, [items.length]);
  const set = (next: Item[]) => props.onChange(next);
  return (
    <fieldset
      ref={listRef}
      className="list-editor"
      aria-labelledby={`${props.id}-label`}
      aria-describedby={props.describedBy}
    >
      {items.length === 0 && <span className="muted small">{t('field.noItems')}</span>}
      {items.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: list items are positional
        <div className={rowClassName} key={index}>
          {renderRow(item, index, (next) => set(items.map((old, at) => (at === index ? next : old))))}
          {!props.readOnly && (
            <button
              type="button"
              className="button"
              aria-label={removeLabel(index)}
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
          className="button add-item"
          onClick={() => {
            added.current = true;
            set([...items, newItem]);
          }}
        >
          {t('field.addItem')}
        </button>
      )}
    </fieldset>
  );
}

/** An empty item of the variable's data type. */
const emptyItem = (variable: WizardVariable): unknown => (variable.dataType === 'boolean' ? false : '');

function ValueList(props: ValueInputProps) {
  const { t } = useWizardHost();
  const items = Array.isArray(props.value) ? (props.value as unknown[]) : [];
  const scalar = { ...props.variable, collectionType: null };
  const nameOf = (index: number) => t('field.listItem', { name: props.variable.label, number: index + 1 });
  return (
    <ListEditor
      props={props}
      items={items}
      newItem={emptyItem(props.variable)}
      rowClassName="item"
      removeLabel={(index) => t('field.removeItem', { name: nameOf(index) })}
      renderRow={(item, index, update) => (
        <div className="item-control">
          <ScalarInput
            {...props}
            variable={scalar}
            id={`${props.id}-${index}`}
            describedBy={undefined}
            ariaLabel={nameOf(index)}
            value={item}
            onChange={update}
          />
        </div>
      )}
    />
  );
}

function KeyValueList(props: ValueInputProps) {
  const { t } = useWizardHost();
  const pairs = Array.isArray(props.value) ? (props.value as Array<{ key: string; value: unknown }>) : [];
  const scalar = { ...props.variable, collectionType: null };
  const valuesOf = (index: number) => ({ name: props.variable.label, number: index + 1 });
  return (
    <ListEditor
      props={props}
      items={pairs}
      newItem={{ key: '', value: emptyItem(props.variable) }}
      rowClassName="item pair"
      removeLabel={(index) => t('field.removeItem', { name: t('field.listItem', valuesOf(index)) })}
      renderRow={(pair, index, update) => (
        <>
          <div className="item-control">
            <input
              className="input"
              aria-label={t('field.pairKey', valuesOf(index))}
              placeholder={t('field.key')}
              value={pair.key}
              disabled={props.readOnly}
              onChange={(event) => update({ ...pair, key: event.target.value })}
            />
          </div>
          <div className="item-control">
            <ScalarInput
              {...props}
              variable={scalar}
              id={`${props.id}-${index}`}
              describedBy={undefined}
              ariaLabel={t('field.pairValue', valuesOf(index))}
              value={pair.value}
              onChange={(value) => update({ ...pair, value })}
            />
          </div>
        </>
      )}
    />
  );
}

/** JSON Forms, loaded only when a wizard shows one (it is the heaviest part of the pages). */
export function LazyJsonForm(props: {
  schema: unknown;
  uiSchema: unknown;
  data: unknown;
  readOnly: boolean;
  onChange(data: unknown): void;
  onErrors?(count: number): void;
}) {
  const { t } = useWizardHost();
  return (
    <Suspense fallback={<span className="muted">{t('common.loading')}</span>}>
      <JsonFormInput {...props} />
    </Suspense>
  );
}
