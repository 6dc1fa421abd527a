import { messageOf } from '../../../shared/api.js';
import { useEmbeddedApp } from '../../embedded-app-context.js';
import { currentValue, FieldFrame, type FieldProps, LazyJsonForm, ValueInput } from './config-var-field.js';
import { type Draft, useDataSource, type WizardConnection, type WizardVariable } from './wizard-data.js';

type Choice = { key: string; label: string };

/**
 * A variable whose choices come from a data source (a list of the customer's Slack channels...). It runs once the
 * variables it depends on have values, with the unsaved ones sent along, and again when they change.
 */
export function DataSourceField(props: FieldProps) {
  const { t } = useEmbeddedApp();
  const { variable, wizard, draft, instanceId } = props;
  const dependencies = variable.dependsOn
    .map((name) => findVariable(wizard.pages, name))
    .filter((found): found is WizardVariable => found !== undefined);
  const missing = dependencies.filter((dependency) => !isSatisfied(dependency, draft));
  const inputs: Draft = Object.fromEntries(
    dependencies
      .filter((dependency) => dependency.key in draft)
      .map((dependency) => [dependency.key, draft[dependency.key]]),
  );
  const source = useDataSource(instanceId, variable, inputs, missing.length === 0);
  const value = currentValue(props);

  return (
    <FieldFrame variable={variable} problem={props.problem}>
      {(id, describedBy) => (
        <div className="stack" style={{ gap: 6 }}>
          {missing.length > 0 ? (
            <span className="muted small">
              {t('field.choicesNeed', { names: missing.map((dependency) => dependency.label).join(', ') })}
            </span>
          ) : source.isFetching && !source.data ? (
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
          ) : source.data ? (
            <DataSourceResult
              id={id}
              describedBy={describedBy}
              props={props}
              value={value}
              type={source.data.dataSourceType}
              result={source.data.result}
            />
          ) : null}
        </div>
      )}
    </FieldFrame>
  );
}

function DataSourceResult({
  id,
  describedBy,
  props,
  value,
  type,
  result,
}: {
  id: string;
  describedBy: string | undefined;
  props: FieldProps;
  value: unknown;
  type: string;
  result: unknown;
}) {
  const { t } = useEmbeddedApp();
  const { variable, readOnly, onChange } = props;
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
    const selected = new Set(
      (Array.isArray(value) ? value : []).map((entry) => (entry as { object?: Choice }).object?.key),
    );
    const objects = result.map((entry) => (entry as { object: Choice }).object).filter(Boolean);
    return (
      <fieldset className="choices" aria-describedby={describedBy}>
        {objects.map((object) => (
          <label key={object.key}>
            <input
              type="checkbox"
              disabled={readOnly}
              checked={selected.has(object.key)}
              onChange={(event) => {
                const keys = new Set(selected);
                if (event.target.checked) keys.add(object.key);
                else keys.delete(object.key);
                onChange(
                  objects
                    .filter((candidate) => keys.has(candidate.key))
                    .map((candidate) => ({ object: candidate })),
                );
              }}
            />
            {object.label ?? object.key}
          </label>
        ))}
      </fieldset>
    );
  }
  if (type === 'objectFieldMap' && result && typeof result === 'object') {
    const map = result as { fields?: Array<{ field: Choice; mappedField?: Choice }>; options?: Choice[] };
    const current = ((value as typeof map | null)?.fields ?? map.fields ?? []) as Array<{
      field: Choice;
      mappedField?: Choice;
    }>;
    const options = map.options ?? [];
    return (
      <table className="field-map">
        <thead>
          <tr>
            <th scope="col">{t('field.map.source')}</th>
            <th scope="col">{t('field.map.target')}</th>
          </tr>
        </thead>
        <tbody>
          {current.map((entry, index) => (
            <tr key={entry.field.key}>
              <td>{entry.field.label ?? entry.field.key}</td>
              <td>
                <select
                  className="select"
                  aria-label={`${t('field.map.target')} ${entry.field.label ?? entry.field.key}`}
                  disabled={readOnly}
                  value={entry.mappedField?.key ?? ''}
                  onChange={(event) => {
                    const mapped = options.find((option) => option.key === event.target.value);
                    onChange({
                      fields: current.map((old, at) =>
                        at === index ? { field: old.field, ...(mapped ? { mappedField: mapped } : {}) } : old,
                      ),
                    });
                  }}
                >
                  <option value="">{t('common.none')}</option>
                  {options.map((option) => (
                    <option key={option.key} value={option.key}>
                      {option.label ?? option.key}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  }
  if (type === 'jsonForm' && result && typeof result === 'object') {
    const form = result as { schema?: unknown; uiSchema?: unknown; data?: unknown };
    return (
      <LazyJsonForm
        schema={form.schema ?? {}}
        uiSchema={form.uiSchema}
        data={value ?? form.data ?? {}}
        readOnly={readOnly}
        onChange={onChange}
      />
    );
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

function choicesOf(result: unknown): Choice[] {
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
