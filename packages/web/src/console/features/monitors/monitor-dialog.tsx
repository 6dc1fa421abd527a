import { useId, useState } from 'react';
import { Link, useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { Dialog } from '../../ui/dialog.js';
import { formErrorOf } from '../../ui/field-errors.js';
import { formatDuration } from '../../ui/format.js';
import { type PickerOption, SearchPicker } from '../instances/search-picker.js';
import { type MonitorScope, type MonitorSettings, useCreateMonitor, useUpdateMonitor } from './mutations.js';
import { defaultScopeText, describedBy, Field, focusFirstInvalid } from './parts.js';
import {
  type AlertMonitor,
  type AlertTrigger,
  useAlertTriggers,
  useGroupChoices,
  useInstanceFlowNames,
  useIntegrationFlowNames,
  usePickerSearch,
} from './queries.js';
import '../instances/instances.css';
import './monitors.css';

const fields = [
  'name',
  'instance',
  'integration',
  'customer',
  'flow',
  'triggers',
  'groups',
  'durationThresholdMs',
  'overdueIntervalSeconds',
  'logLevel',
] as const;
type FieldName = (typeof fields)[number];

type LogLevel = NonNullable<MonitorSettings['logLevel']>;
const logLevels: LogLevel[] = ['debug', 'info', 'warn', 'error'];

const intervalUnits = [
  { label: 'minutes', seconds: 60 },
  { label: 'hours', seconds: 3_600 },
  { label: 'days', seconds: 86_400 },
] as const;

/** The API's descriptions name the monitor's settings by their API field; people read words. */
const settingWords: Record<string, string> = {
  durationThresholdMs: 'the duration threshold',
  overdueIntervalSeconds: 'the overdue interval',
  logLevel: 'the log level',
};
function readable(description: string): string {
  return description.replace(
    /durationThresholdMs|overdueIntervalSeconds|logLevel/g,
    (key) => settingWords[key] ?? key,
  );
}

function useInstanceOptions(search: string, enabled: boolean) {
  return usePickerSearch('instance', search, enabled);
}
function useIntegrationOptions(search: string, enabled: boolean) {
  return usePickerSearch('integration', search, enabled);
}
function useCustomerOptions(search: string, enabled: boolean) {
  return usePickerSearch('customer', search, enabled);
}

/** An interval in seconds as a number and the largest unit it divides into. */
function splitInterval(seconds: number | null): { amount: string; unit: number } {
  if (!seconds) return { amount: '60', unit: 60 };
  const unit =
    [...intervalUnits].reverse().find((candidate) => seconds % candidate.seconds === 0) ?? intervalUnits[0];
  return { amount: String(seconds / unit.seconds), unit: unit.seconds };
}

/**
 * New alert monitor, or change one: a name; what it watches (one instance and optionally one of its flows, or as a
 * default every instance of an integration and/or customer, or of the whole organization); its triggers, with the
 * settings the chosen ones need; and the alert groups it notifies. The API's refusals show at their field.
 */
export function MonitorFormDialog({
  monitor,
  instance: presetInstance,
  onClose,
}: {
  monitor?: AlertMonitor;
  /** "Add monitor" on an instance's page: the instance is chosen already. */
  instance?: PickerOption;
  onClose: () => void;
}) {
  const id = useId();
  const [, navigate] = useLocation();
  const create = useCreateMonitor();
  const update = useUpdateMonitor(monitor?.id ?? '');
  const mutation = monitor ? update : create;
  const triggers = useAlertTriggers();
  const groups = useGroupChoices();

  const [name, setName] = useState(monitor?.name ?? '');
  const [scope, setScope] = useState<'instance' | 'default'>(
    monitor ? (monitor.instanceId ? 'instance' : 'default') : 'instance',
  );
  const [instance, setInstance] = useState<PickerOption | undefined>(presetInstance);
  const [integration, setIntegration] = useState<PickerOption>();
  const [customer, setCustomer] = useState<PickerOption>();
  const [flow, setFlow] = useState(monitor?.flowName ?? '');
  const [chosen, setChosen] = useState<string[]>(monitor?.triggers ?? ['execution-failed']);
  const [duration, setDuration] = useState(String(monitor?.durationThresholdMs ?? 60_000));
  const initialInterval = splitInterval(monitor?.overdueIntervalSeconds ?? 3_600);
  const [intervalAmount, setIntervalAmount] = useState(initialInterval.amount);
  const [intervalUnit, setIntervalUnit] = useState(initialInterval.unit);
  const [logLevel, setLogLevel] = useState<LogLevel>((monitor?.logLevel as LogLevel | null) ?? 'error');
  const [groupIds, setGroupIds] = useState<string[]>(monitor?.groups.map((group) => group.id) ?? []);
  const [enabled, setEnabled] = useState(monitor?.enabled ?? true);
  const [checks, setChecks] = useState<Partial<Record<FieldName, string>>>({});

  const watchedInstance = monitor
    ? (monitor.instanceId ?? undefined)
    : scope === 'instance'
      ? instance?.id
      : undefined;
  const watchedIntegration = monitor
    ? (monitor.integrationId ?? undefined)
    : scope === 'default'
      ? integration?.id
      : undefined;
  const instanceFlows = useInstanceFlowNames(watchedInstance);
  const integrationFlows = useIntegrationFlowNames(watchedInstance ? undefined : watchedIntegration);

  const problem = formErrorOf(mutation.error, fields);
  const at = (field: FieldName) => checks[field] ?? (problem?.field === field ? problem.message : undefined);
  const selected = (triggers.data ?? []).filter((trigger) => chosen.includes(trigger.key));
  const needs = (setting: string) => selected.some((trigger) => trigger.setting === setting);

  function forget(field: FieldName) {
    setChecks(({ [field]: _, ...rest }) => rest);
    if (problem?.field === field) mutation.reset();
  }

  function toggleTrigger(key: string, on: boolean) {
    setChosen((current) => (on ? [...current, key] : current.filter((candidate) => candidate !== key)));
    forget('triggers');
  }

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const found: Partial<Record<FieldName, string>> = {};
    if (name.trim() === '') found.name = 'Give the monitor a name.';
    if (!monitor && scope === 'instance' && !instance) found.instance = 'Choose the instance to watch.';
    if (chosen.length === 0) found.triggers = 'Choose at least one trigger.';
    const durationMs = Number(duration);
    if (needs('durationThresholdMs') && !(Number.isInteger(durationMs) && durationMs >= 1)) {
      found.durationThresholdMs = 'A whole number of milliseconds, at least 1.';
    }
    const intervalSeconds = Math.round(Number(intervalAmount) * intervalUnit);
    if (needs('overdueIntervalSeconds') && !(intervalSeconds >= 60)) {
      found.overdueIntervalSeconds = 'At least one minute.';
    }
    setChecks(found);
    if (Object.keys(found).length > 0) {
      focusFirstInvalid(`${id}-form`);
      return;
    }
    const settings: MonitorSettings = {
      name: name.trim(),
      flow: flow.trim() || null,
      triggers: chosen,
      groups: groupIds,
      durationThresholdMs: needs('durationThresholdMs') ? durationMs : null,
      overdueIntervalSeconds: needs('overdueIntervalSeconds') ? intervalSeconds : null,
      logLevel: needs('logLevel') ? logLevel : null,
      enabled,
    };
    const onError = () => focusFirstInvalid(`${id}-form`);
    if (monitor) {
      update.mutate(settings, { onSuccess: onClose, onError });
      return;
    }
    const where: MonitorScope =
      scope === 'instance'
        ? { instance: instance?.id ?? null, integration: null, customer: null }
        : { instance: null, integration: integration?.id ?? null, customer: customer?.id ?? null };
    create.mutate(
      { ...settings, ...where },
      { onSuccess: (created) => navigate(`~/monitors/${created.id}`), onError },
    );
  }

  const flowTriggersOnly = selected.length > 0 && selected.every((trigger) => trigger.scope === 'instance');

  return (
    <Dialog
      wide
      title={monitor ? `Edit ${monitor.name}` : 'Add alert monitor'}
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
            disabled={mutation.isPending || !triggers.data}
            data-testid="monitor-form-submit"
          >
            {mutation.isPending ? 'Saving…' : monitor ? 'Save' : 'Create monitor'}
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="stack monitors-form" onSubmit={submit} noValidate>
        <Field id={`${id}-name`} label="Name" error={at('name')}>
          <input
            id={`${id}-name`}
            className="input"
            maxLength={200}
            value={name}
            autoComplete="off"
            data-testid="monitor-name-input"
            placeholder="Alert DevOps on failure"
            aria-invalid={at('name') ? true : undefined}
            aria-describedby={describedBy(`${id}-name`, false, at('name'))}
            onChange={(event) => {
              setName(event.target.value);
              forget('name');
            }}
          />
        </Field>

        {monitor ? (
          <div className="field">
            <span className="label">Watches</span>
            <span>
              {monitor.instanceId ? (
                <>
                  The instance <strong>{monitor.instanceName}</strong>
                </>
              ) : (
                <>As a default, {defaultScopeText(monitor)}</>
              )}
            </span>
            <span className="help">What a monitor watches is set when it is created.</span>
          </div>
        ) : (
          <fieldset className="monitors-fieldset stack-tight">
            <legend className="label">Watches</legend>
            <label className="checkbox monitors-choice">
              <input
                type="radio"
                name={`${id}-scope`}
                checked={scope === 'instance'}
                data-testid="monitor-scope-instance"
                onChange={() => setScope('instance')}
              />
              One instance
            </label>
            <label className="checkbox monitors-choice">
              <input
                type="radio"
                name={`${id}-scope`}
                checked={scope === 'default'}
                data-testid="monitor-scope-default"
                onChange={() => {
                  setScope('default');
                  setFlow('');
                }}
              />
              As a default: every instance of an integration, of a customer, or of the organization
            </label>
            <div className="choice-fields monitors-scope-fields">
              {scope === 'instance' ? (
                <SearchPicker
                  label="Instance"
                  testId="monitor-instance-picker"
                  placeholder="Search instances by name"
                  value={instance}
                  required
                  error={at('instance')}
                  onChange={(option) => {
                    setInstance(option);
                    setFlow('');
                    forget('instance');
                  }}
                  useOptions={useInstanceOptions}
                />
              ) : (
                <>
                  <SearchPicker
                    label="Integration (optional)"
                    testId="monitor-integration-picker"
                    placeholder="Any integration"
                    value={integration}
                    error={at('integration')}
                    onChange={(option) => {
                      setIntegration(option);
                      forget('integration');
                    }}
                    useOptions={useIntegrationOptions}
                  />
                  <SearchPicker
                    label="Customer (optional)"
                    testId="monitor-customer-picker"
                    placeholder="Any customer"
                    value={customer}
                    error={at('customer')}
                    onChange={(option) => {
                      setCustomer(option);
                      forget('customer');
                    }}
                    useOptions={useCustomerOptions}
                  />
                  <p className="help small muted">
                    Watches{' '}
                    {defaultScopeText({
                      integrationName: integration?.name ?? null,
                      customerName: customer?.name ?? null,
                    })}
                    , including instances created later.
                    {(integration || customer) && (
                      <>
                        {' '}
                        <button
                          type="button"
                          className="button link"
                          onClick={() => {
                            setIntegration(undefined);
                            setCustomer(undefined);
                          }}
                        >
                          Watch every instance instead
                        </button>
                      </>
                    )}
                  </p>
                </>
              )}
            </div>
          </fieldset>
        )}

        <FlowField
          id={`${id}-flow`}
          value={flow}
          onChange={(value) => {
            setFlow(value);
            forget('flow');
          }}
          error={at('flow')}
          instanceFlows={watchedInstance ? instanceFlows : undefined}
          suggestions={integrationFlows.data ?? []}
          pickInstanceFirst={!monitor && scope === 'instance' && !instance}
          instanceOnlyNote={flowTriggersOnly}
        />

        <fieldset
          className="monitors-fieldset stack-tight"
          aria-describedby={at('triggers') ? `${id}-triggers-error` : undefined}
        >
          <legend className="label">Triggers</legend>
          {triggers.isPending ? (
            <Loading />
          ) : triggers.isError ? (
            <ErrorNotice onRetry={() => void triggers.refetch()}>{messageOf(triggers.error)}</ErrorNotice>
          ) : (
            <div className="monitors-triggers">
              {(['flow', 'instance'] as const).map((kind) => (
                <div key={kind} className="stack-tight">
                  <span className="small muted monitors-trigger-kind">
                    {kind === 'flow'
                      ? 'Executions (of the flow, or of every flow)'
                      : 'The instance as a whole'}
                  </span>
                  {triggers.data
                    .filter((trigger) => trigger.scope === kind)
                    .map((trigger) => (
                      <TriggerChoice
                        key={trigger.key}
                        id={`${id}-trigger-${trigger.key}`}
                        trigger={trigger}
                        checked={chosen.includes(trigger.key)}
                        invalid={Boolean(at('triggers'))}
                        onChange={(on) => toggleTrigger(trigger.key, on)}
                      >
                        {trigger.setting === 'durationThresholdMs' && (
                          <Field
                            id={`${id}-duration`}
                            label="Duration threshold (milliseconds)"
                            error={at('durationThresholdMs')}
                            help={
                              Number(duration) > 0
                                ? `Fires for executions that take ${formatDuration(Number(duration))} or longer.`
                                : undefined
                            }
                          >
                            <input
                              id={`${id}-duration`}
                              className="input monitors-number"
                              type="number"
                              min={1}
                              max={86_400_000}
                              step={1}
                              inputMode="numeric"
                              value={duration}
                              data-testid="monitor-duration-input"
                              aria-invalid={at('durationThresholdMs') ? true : undefined}
                              aria-describedby={describedBy(
                                `${id}-duration`,
                                Number(duration) > 0,
                                at('durationThresholdMs'),
                              )}
                              onChange={(event) => {
                                setDuration(event.target.value);
                                forget('durationThresholdMs');
                              }}
                            />
                          </Field>
                        )}
                        {trigger.setting === 'overdueIntervalSeconds' && (
                          <div className={`field${at('overdueIntervalSeconds') ? ' invalid' : ''}`}>
                            <label className="label" htmlFor={`${id}-interval`}>
                              Overdue after
                            </label>
                            <div className="row monitors-interval">
                              <input
                                id={`${id}-interval`}
                                className="input monitors-number"
                                type="number"
                                min={1}
                                step={1}
                                inputMode="numeric"
                                value={intervalAmount}
                                data-testid="monitor-overdue-input"
                                aria-invalid={at('overdueIntervalSeconds') ? true : undefined}
                                aria-describedby={
                                  at('overdueIntervalSeconds')
                                    ? `${id}-interval-error`
                                    : `${id}-interval-help`
                                }
                                onChange={(event) => {
                                  setIntervalAmount(event.target.value);
                                  forget('overdueIntervalSeconds');
                                }}
                              />
                              <select
                                className="select"
                                aria-label="Unit"
                                value={intervalUnit}
                                data-testid="monitor-overdue-unit"
                                onChange={(event) => setIntervalUnit(Number(event.target.value))}
                              >
                                {intervalUnits.map((unit) => (
                                  <option key={unit.seconds} value={unit.seconds}>
                                    {unit.label}
                                  </option>
                                ))}
                              </select>
                            </div>
                            <p className="help" id={`${id}-interval-help`}>
                              Fires when no execution began within this interval (at least one minute).
                            </p>
                            {at('overdueIntervalSeconds') && (
                              <p className="error" id={`${id}-interval-error`} role="alert">
                                {at('overdueIntervalSeconds')}
                              </p>
                            )}
                          </div>
                        )}
                        {trigger.setting === 'logLevel' && (
                          <Field
                            id={`${id}-level`}
                            label="Log level"
                            error={at('logLevel')}
                            help="This level or above."
                          >
                            <select
                              id={`${id}-level`}
                              className="select monitors-level"
                              value={logLevel}
                              data-testid="monitor-log-level"
                              aria-describedby={describedBy(`${id}-level`, true, at('logLevel'))}
                              onChange={(event) => {
                                setLogLevel(event.target.value as LogLevel);
                                forget('logLevel');
                              }}
                            >
                              {logLevels.map((level) => (
                                <option key={level} value={level}>
                                  {level}
                                </option>
                              ))}
                            </select>
                          </Field>
                        )}
                      </TriggerChoice>
                    ))}
                </div>
              ))}
            </div>
          )}
          {at('triggers') && (
            <p className="error small" id={`${id}-triggers-error`} role="alert">
              {at('triggers')}
            </p>
          )}
        </fieldset>

        <fieldset className="monitors-fieldset stack-tight">
          <legend className="label">Notify</legend>
          {groups.isPending ? (
            <Loading />
          ) : groups.isError ? (
            <ErrorNotice onRetry={() => void groups.refetch()}>{messageOf(groups.error)}</ErrorNotice>
          ) : groups.data.length === 0 ? (
            <p className="small muted">
              No alert groups yet. <Link href="~/monitors/groups">Create one</Link> to email people or call
              webhooks; a monitor without groups still records its events here.
            </p>
          ) : (
            <div className="monitors-checklist" data-testid="monitor-groups">
              {groups.data.map((group) => (
                <label key={group.id} className="checkbox monitors-choice">
                  <input
                    type="checkbox"
                    checked={groupIds.includes(group.id)}
                    data-testid="monitor-group-option"
                    data-name={group.name}
                    onChange={(event) => {
                      const on = event.target.checked;
                      setGroupIds((current) =>
                        on ? [...current, group.id] : current.filter((candidate) => candidate !== group.id),
                      );
                      forget('groups');
                    }}
                  />
                  <span>
                    {group.name}
                    <span className="small muted">
                      {' '}
                      · {group.users.length} user{group.users.length === 1 ? '' : 's'},{' '}
                      {group.webhooks.length} webhook{group.webhooks.length === 1 ? '' : 's'}
                    </span>
                  </span>
                </label>
              ))}
            </div>
          )}
          {at('groups') && (
            <p className="error small" role="alert">
              {at('groups')}
            </p>
          )}
        </fieldset>

        <label className="checkbox">
          <input
            type="checkbox"
            checked={enabled}
            data-testid="monitor-enabled"
            onChange={(event) => setEnabled(event.target.checked)}
          />
          Enabled
        </label>

        {problem && !problem.field && (
          <div className="notice error" role="alert">
            {problem.message}
          </div>
        )}
      </form>
    </Dialog>
  );
}

function TriggerChoice({
  id,
  trigger,
  checked,
  invalid,
  onChange,
  children,
}: {
  id: string;
  trigger: AlertTrigger;
  checked: boolean;
  invalid: boolean;
  onChange(on: boolean): void;
  children: React.ReactNode;
}) {
  return (
    <div className="monitors-trigger">
      <label className="checkbox monitors-choice" htmlFor={id}>
        <input
          id={id}
          type="checkbox"
          checked={checked}
          data-testid="monitor-trigger-option"
          data-key={trigger.key}
          aria-invalid={invalid ? true : undefined}
          aria-describedby={`${id}-description`}
          onChange={(event) => onChange(event.target.checked)}
        />
        <span>{trigger.name}</span>
      </label>
      <p className="small muted monitors-trigger-description" id={`${id}-description`}>
        {readable(trigger.description)}
        {trigger.informational
          ? ' Informational: recorded already cleared.'
          : trigger.clearedBy
            ? ` Clears on ${trigger.clearedBy}.`
            : ''}
      </p>
      {checked && trigger.setting && <div className="choice-fields">{children}</div>}
    </div>
  );
}

/** One flow of the instance (its flows as choices), or for a default monitor a flow name (the integration's as hints). */
function FlowField({
  id,
  value,
  onChange,
  error,
  instanceFlows,
  suggestions,
  pickInstanceFirst,
  instanceOnlyNote,
}: {
  id: string;
  value: string;
  onChange(value: string): void;
  error: string | undefined;
  instanceFlows: { data?: string[]; isPending: boolean; isError: boolean; error: unknown } | undefined;
  suggestions: string[];
  pickInstanceFirst: boolean;
  instanceOnlyNote: boolean;
}) {
  const help = instanceOnlyNote
    ? 'The chosen triggers watch the whole instance: the flow does not matter to them.'
    : 'Execution triggers watch only this flow; instance triggers always watch the whole instance.';
  if (instanceFlows || pickInstanceFirst) {
    const flows = instanceFlows?.data ?? [];
    const known = value === '' || flows.includes(value);
    return (
      <Field
        id={id}
        label="Flow"
        error={error ?? (instanceFlows?.isError ? messageOf(instanceFlows.error) : undefined)}
        help={help}
      >
        <select
          id={id}
          className="select"
          value={value}
          disabled={pickInstanceFirst || instanceFlows?.isPending}
          data-testid="monitor-flow-select"
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy(id, true, error)}
          onChange={(event) => onChange(event.target.value)}
        >
          <option value="">{pickInstanceFirst ? 'Choose the instance first' : 'Every flow'}</option>
          {flows.map((flow) => (
            <option key={flow} value={flow}>
              {flow}
            </option>
          ))}
          {!known && <option value={value}>{value} (no longer in the instance)</option>}
        </select>
      </Field>
    );
  }
  return (
    <Field id={id} label="Flow (optional)" error={error} help={`Leave empty for every flow. ${help}`}>
      <input
        id={id}
        className="input"
        list={suggestions.length > 0 ? `${id}-flows` : undefined}
        maxLength={200}
        value={value}
        autoComplete="off"
        placeholder="Every flow"
        data-testid="monitor-flow-input"
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, true, error)}
        onChange={(event) => onChange(event.target.value)}
      />
      {suggestions.length > 0 && (
        <datalist id={`${id}-flows`}>
          {suggestions.map((flow) => (
            <option key={flow} value={flow} />
          ))}
        </datalist>
      )}
    </Field>
  );
}
