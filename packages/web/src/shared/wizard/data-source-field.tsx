import { useEffect, useState } from 'react';
import { messageOf } from '../api.js';
import { currentValue, FieldFrame, type FieldProps, LazyJsonForm, ValueInput } from './config-var-field.js';
import { type Draft, useDataSource, type WizardConnection, type WizardVariable } from './wizard-data.js';
import { useWizardHost } from './wizard-host.js';

type Choice = { key: string; label?: string };

/**
 * A variable whose choices come from a data source (a list of the customer's Slack channels...). It runs once the
 * variables it depends on have values, with the unsaved ones sent along, and again when they change. Connections
 * are used as saved: one typed in on the same page is saved first ("Load choices").
 */
export function DataSourceField(props: FieldProps) {
  const { t } = useWizardHost();
  const { variable, wizard, draft, instanceId, readOnly } = props;
  const [saving, setSaving] = useState(false);
  const dependencies = variable.dependsOn
    .map((name) => findVariable(wizard.pages, name))
    .filter((found): found is WizardVariable => found !== undefined);
  const missing = dependencies.filter((dependency) => !isSatisfied(dependency, draft));
  const inputs: Draft = Object.fromEntries(
    dependencies
      .filter((dependency) => dependency.dataType !== 'connection' && dependency.key in draft)
      .map((dependency) => [dependency.key, draft[dependency.key]]),
  );
  // Running a data source is configuring (and may use the customer's connection): a read-only caller sees the
  // saved value, shown with the same control.
  const source = useDataSource(instanceId, variable, inputs, !readOnly && missing.length === 0);
  const value = currentValue(props);
  const names = missing.map((dependency) => dependency.label).join(', ');
  // Only connections typed in on this page are missing: saving the page makes them usable.
  const savable =
    !readOnly &&
    missing.length > 0 &&
    missing.every((dependency) => dependency.dataType === 'connection' && dependency.key in draft);

  return (
    <FieldFrame variable={variable} problem={props.problem}>
      {(id, describedBy) => (
        <div className="data-source">
          {readOnly ? (
            <DataSourceResult
              id={id}
              describedBy={describedBy}
              props={props}
              value={value}
              {...savedAsResult(variable.dataType, value)}
            />
          ) : savable ? (
            <div className="row">
              <span className="muted small">{t('field.choicesNeedSaved', { names })}</span>
              <button
                type="button"
                className="button"
                disabled={saving}
                onClick={() => {
                  setSaving(true);
                  void props.savePage().finally(() => setSaving(false));
                }}
              >
                {t('field.loadChoices')}
              </button>
            </div>
          ) : missing.length > 0 ? (
            <span className="muted small">{t('field.choicesNeed', { names })}</span>
          ) : source.isPending ? (
            <span className="muted small" role="status">
              {t('field.loadingChoices')}
            </span>
          ) : source.isError ? (
            <div className="row">
              <span className="error small" role="alert">
                {messageOf(source.error)}
              </span>
              <button type="button" className="button" onClick={() => void source.refetch()}>
                {t('field.reloadChoices')}
              </button>
            </div>
          ) : (
            <DataSourceResult
              id={id}
              describedBy={describedBy}
              props={props}
              value={value}
              type={source.data.dataSourceType}
              result={source.data.result}
            />
          )}
        </div>
      )}
    </FieldFrame>
  );
}

interface ResultProps {
  id: string;
  describedBy: string | undefined;
  props: FieldProps;
  value: unknown;
  type: string;
  result: unknown;
}

function DataSourceResult({ id, describedBy, props, value, type, result }: ResultProps) {
  const { variable, readOnly, onChange } = props;
  // A picklist's choices, for one value or for each of a list's (`collectionType`).
  if (type === 'picklist') {
    return (
      <ValueInput
        id={id}
        describedBy={describedBy}
        variable={{ ...variable, dataType: 'picklist', collectionType: variable.collectionType }}
        value={value}
        readOnly={readOnly}
        invalid={!!props.problem}
        onChange={onChange}
        choices={choicesOf(result)}
      />
    );
  }
  if (type === 'objectSelection' && Array.isArray(result)) {
    return <ObjectSelection id={id} describedBy={describedBy} props={props} value={value} result={result} />;
  }
  if (type === 'objectFieldMap' && result && typeof result === 'object') {
    return <FieldMap id={id} describedBy={describedBy} props={props} value={value} result={result} />;
  }
  if (type === 'jsonForm' && result && typeof result === 'object') {
    return <JsonFormField id={id} describedBy={describedBy} props={props} value={value} result={result} />;
  }
  // A plain value (string, number, code...): the data source's answer is the starting value.
  return (
    <ValueInput
      id={id}
      describedBy={describedBy}
      variable={variable}
      value={value ?? (typeof result === 'object' ? JSON.stringify(result) : result)}
      readOnly={readOnly}
      invalid={!!props.problem}
      onChange={onChange}
    />
  );
}

/** A saved value as the data source's answer it came from, for a read-only caller (who does not run it). */
function savedAsResult(dataType: string, value: unknown): { type: string; result: unknown } {
  if (dataType === 'objectSelection') return { type: dataType, result: Array.isArray(value) ? value : [] };
  if (dataType === 'objectFieldMap') {
    const rows = ((value as { fields?: MapRow[] } | null)?.fields ?? []).filter((row) => row?.field?.key);
    const groups = new Map<string, MapGroup>();
    for (const row of rows) {
      if (!row.mappedField) continue;
      const key = row.mappedObject?.key ?? '';
      const group = groups.get(key) ?? {
        ...(row.mappedObject ? { object: row.mappedObject } : {}),
        fields: [],
      };
      if (!group.fields.some((field) => field.key === row.mappedField?.key))
        group.fields.push(row.mappedField);
      groups.set(key, group);
    }
    return { type: dataType, result: { fields: rows, options: [...groups.values()] } };
  }
  // JSON Forms makes a form from the data itself when there is no schema.
  if (dataType === 'jsonForm') return { type: dataType, result: { data: value ?? {} } };
  return { type: 'picklist', result: typeof value === 'string' && value !== '' ? [value] : [] };
}

/** Puts the defaults a data source proposes into the draft, so what is shown checked is what gets saved. */
function useSeed(value: unknown, seed: unknown, props: FieldProps) {
  const { readOnly, onChange } = props;
  const needed = !readOnly && (value === null || value === undefined) && seed !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, when there is nothing else to show
  useEffect(() => {
    if (needed) onChange(seed);
  }, [needed]);
}

/** A JSON Forms form: its data is the value; the form's own `data` is the starting value. */
function JsonFormField({
  id,
  describedBy,
  props,
  value,
  result,
}: Omit<ResultProps, 'type'> & { result: object }) {
  const { t } = useWizardHost();
  const { readOnly, onChange, reportProblem } = props;
  const form = result as { schema?: unknown; uiSchema?: unknown; data?: unknown };
  const start = form.data ?? {};
  useSeed(value, start, props);
  // biome-ignore lint/correctness/useExhaustiveDependencies: cleared when the form goes away
  useEffect(() => () => reportProblem?.(undefined), []);
  return (
    // biome-ignore lint/a11y/useSemanticElements: JSON Forms lays out its own groups; this only names the form
    <div role="group" aria-labelledby={`${id}-label`} aria-describedby={describedBy}>
      <LazyJsonForm
        schema={form.schema}
        uiSchema={form.uiSchema}
        data={value ?? start}
        readOnly={readOnly}
        onChange={onChange}
        onErrors={(count) => reportProblem?.(count > 0 ? t('field.formInvalid') : undefined)}
      />
    </div>
  );
}

type SelectionEntry = { object: Choice; fields?: Choice[]; defaultSelected?: boolean };

/** Objects to sync (checkboxes), and for each chosen object that has fields, which of them. */
function ObjectSelection({
  id,
  describedBy,
  props,
  value,
  result,
}: Omit<ResultProps, 'type'> & { result: unknown[] }) {
  const { t } = useWizardHost();
  const { readOnly, onChange } = props;
  const entries = result.filter(
    (entry): entry is SelectionEntry =>
      typeof entry === 'object' &&
      entry !== null &&
      typeof (entry as SelectionEntry).object?.key === 'string',
  );
  const defaults = entries
    .filter((entry) => entry.defaultSelected)
    .map((entry) => selectionOf(entry, entry.fields ?? []));
  useSeed(value, defaults.length > 0 ? defaults : undefined, props);
  const chosen = (Array.isArray(value) ? value : value === null ? defaults : []) as SelectionEntry[];
  const chosenByKey = new Map(chosen.map((entry) => [entry.object?.key, entry]));
  const update = (key: string, fields: Choice[] | undefined) => {
    const next = new Map(chosenByKey);
    if (fields === undefined) next.delete(key);
    else {
      const entry = entries.find((candidate) => candidate.object.key === key) as SelectionEntry;
      next.set(key, selectionOf(entry, fields));
    }
    onChange(
      entries.flatMap((entry) => {
        const picked = next.get(entry.object.key);
        return picked ? [picked] : [];
      }),
    );
  };
  return (
    <fieldset className="choices" aria-labelledby={`${id}-label`} aria-describedby={describedBy}>
      {entries.length === 0 && <span className="muted small">{t('field.noChoices')}</span>}
      {entries.map((entry) => {
        const picked = chosenByKey.get(entry.object.key);
        const label = entry.object.label ?? entry.object.key;
        const pickedFields = new Set((picked?.fields ?? []).map((field) => field.key));
        return (
          <div className="choice" key={entry.object.key}>
            <label className="checkbox">
              <input
                type="checkbox"
                disabled={readOnly}
                checked={picked !== undefined}
                onChange={(event) =>
                  update(entry.object.key, event.target.checked ? (entry.fields ?? []) : undefined)
                }
              />
              <span>{label}</span>
            </label>
            {picked && entry.fields && entry.fields.length > 0 && (
              <fieldset className="choice-fields" aria-label={t('field.objectFields', { name: label })}>
                {entry.fields.map((field) => (
                  <label className="checkbox" key={field.key}>
                    <input
                      type="checkbox"
                      disabled={readOnly}
                      checked={pickedFields.has(field.key)}
                      onChange={(event) =>
                        update(
                          entry.object.key,
                          (entry.fields ?? []).filter((candidate) =>
                            candidate.key === field.key
                              ? event.target.checked
                              : pickedFields.has(candidate.key),
                          ),
                        )
                      }
                    />
                    <span>{field.label ?? field.key}</span>
                  </label>
                ))}
              </fieldset>
            )}
          </div>
        );
      })}
    </fieldset>
  );
}

/** An object as saved: its key and label, and the fields chosen when it has fields to choose from. */
function selectionOf(entry: SelectionEntry, fields: Choice[]): SelectionEntry {
  return entry.fields && entry.fields.length > 0
    ? { object: entry.object, fields }
    : { object: entry.object };
}

type MapRow = {
  field: Choice;
  mappedObject?: Choice;
  mappedField?: Choice;
  defaultObject?: Choice;
  defaultField?: Choice;
};
type MapGroup = { object?: Choice; fields: Choice[] };

/**
 * Which field of which object each of the integration's fields maps to: a row per field, a list of the options
 * grouped by object. Options may also be a flat list of fields (`{key, label}`), mapped without an object.
 */
function FieldMap({ id, describedBy, props, value, result }: Omit<ResultProps, 'type'> & { result: object }) {
  const { t } = useWizardHost();
  const { readOnly, onChange } = props;
  const map = result as { fields?: MapRow[]; options?: unknown[] };
  const rows = (map.fields ?? []).filter((row) => typeof row?.field?.key === 'string');
  const groups = groupsOf(map.options ?? []);
  const saved = new Map(
    ((value as { fields?: MapRow[] } | null)?.fields ?? []).map((row) => [row.field?.key, row]),
  );
  const current: MapRow[] = rows.map((row) => {
    const stored = value === null ? undefined : saved.get(row.field.key);
    const mappedObject = value === null ? row.defaultObject : stored?.mappedObject;
    const mappedField = value === null ? row.defaultField : stored?.mappedField;
    return {
      field: row.field,
      ...(mappedObject ? { mappedObject } : {}),
      ...(mappedField ? { mappedField } : {}),
    };
  });
  const hasDefaults = rows.some((row) => row.defaultField);
  useSeed(value, hasDefaults ? { fields: current } : undefined, props);
  const optionValue = (row: MapRow) => {
    if (!row.mappedField) return '';
    const group = groups.findIndex(
      (candidate) =>
        (candidate.object?.key ?? null) === (row.mappedObject?.key ?? null) &&
        candidate.fields.some((field) => field.key === row.mappedField?.key),
    );
    if (group < 0) return '';
    return `${group}.${groups[group]?.fields.findIndex((field) => field.key === row.mappedField?.key)}`;
  };
  return (
    <fieldset className="field-map-group" aria-labelledby={`${id}-label`} aria-describedby={describedBy}>
      <table className="field-map">
        <thead>
          <tr>
            <th scope="col">{t('field.map.source')}</th>
            <th scope="col">{t('field.map.target')}</th>
          </tr>
        </thead>
        <tbody>
          {current.map((row, index) => {
            const label = row.field.label ?? row.field.key;
            return (
              <tr key={row.field.key}>
                <th scope="row">{label}</th>
                <td>
                  <select
                    className="select"
                    aria-label={t('field.map.targetFor', { field: label })}
                    disabled={readOnly}
                    value={optionValue(row)}
                    onChange={(event) => {
                      const [groupIndex, fieldIndex] = event.target.value.split('.').map(Number);
                      const group = groupIndex === undefined ? undefined : groups[groupIndex];
                      const field = fieldIndex === undefined ? undefined : group?.fields[fieldIndex];
                      onChange({
                        fields: current.map((old, at) =>
                          at !== index
                            ? old
                            : {
                                field: old.field,
                                ...(field && group?.object ? { mappedObject: group.object } : {}),
                                ...(field ? { mappedField: field } : {}),
                              },
                        ),
                      });
                    }}
                  >
                    <option value="">{t('field.map.unmapped')}</option>
                    {groups.map((group, groupIndex) =>
                      group.object ? (
                        <optgroup key={group.object.key} label={group.object.label ?? group.object.key}>
                          {group.fields.map((field, fieldIndex) => (
                            <option key={field.key} value={`${groupIndex}.${fieldIndex}`}>
                              {field.label ?? field.key}
                            </option>
                          ))}
                        </optgroup>
                      ) : (
                        group.fields.map((field, fieldIndex) => (
                          <option key={field.key} value={`${groupIndex}.${fieldIndex}`}>
                            {field.label ?? field.key}
                          </option>
                        ))
                      ),
                    )}
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </fieldset>
  );
}

/** The field map's options: `{object, fields}` groups, and any flat `{key, label}` options as one group without object. */
function groupsOf(options: unknown[]): MapGroup[] {
  const groups: MapGroup[] = [];
  const loose: Choice[] = [];
  for (const option of options) {
    if (!option || typeof option !== 'object') continue;
    const candidate = option as { object?: Choice; fields?: Choice[]; key?: unknown; label?: string };
    if (Array.isArray(candidate.fields)) {
      const fields = candidate.fields.filter((field) => typeof field?.key === 'string');
      if (candidate.object) groups.push({ object: candidate.object, fields });
      else loose.push(...fields);
    } else if (typeof candidate.key === 'string') {
      loose.push({ key: candidate.key, ...(candidate.label ? { label: candidate.label } : {}) });
    }
  }
  if (loose.length > 0) groups.push({ fields: loose });
  return groups;
}

function choicesOf(result: unknown): Array<{ key: string; label: string }> {
  if (!Array.isArray(result)) return [];
  return result.map((entry) =>
    typeof entry === 'string'
      ? { key: entry, label: entry }
      : {
          key: String((entry as Choice).key),
          label: String((entry as Choice).label ?? (entry as Choice).key),
        },
  );
}

function findVariable(pages: FieldProps['wizard']['pages'], name: string): WizardVariable | undefined {
  for (const page of pages) {
    for (const element of page.elements) if (element.variable?.key === name) return element.variable;
  }
  return undefined;
}

/** A dependency is ready when it has a value (saved or drafted); a connection, when it is connected or set up. */
function isSatisfied(dependency: WizardVariable, draft: Draft): boolean {
  if (dependency.dataType === 'connection') {
    const status = (dependency.connection as WizardConnection | null | undefined)?.status;
    return status === 'connected' || status === 'configured';
  }
  if (dependency.key in draft) return draft[dependency.key] !== null && draft[dependency.key] !== '';
  return dependency.hasValue;
}
