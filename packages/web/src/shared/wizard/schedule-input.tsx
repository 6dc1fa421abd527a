import { useWizardHost } from './wizard-host.js';

const presets = [
  { cron: '*/15 * * * *', key: 'field.schedule.every15Minutes' },
  { cron: '0 * * * *', key: 'field.schedule.everyHour' },
  { cron: '0 0 * * *', key: 'field.schedule.everyDay' },
  { cron: '0 0 * * 1', key: 'field.schedule.everyWeek' },
] as const;

/**
 * A schedule: a preset or a cron expression, in the variable's time zone (UTC unless the integration says). The
 * cron field is the control the variable's label names; the preset list is named after it ("Sync: how often"), and
 * the time zone is part of the field's description.
 */
export function ScheduleInput({
  id,
  label,
  value,
  timeZone,
  onChange,
  disabled,
  ...aria
}: {
  id: string;
  label: string;
  value: string;
  timeZone: string | null;
  disabled: boolean;
  'aria-describedby': string | undefined;
  'aria-invalid': boolean | undefined;
  'aria-required'?: boolean | undefined;
  'aria-label'?: string;
  onChange(value: unknown): void;
}) {
  const { t } = useWizardHost();
  const helpId = `${id}-schedule-help`;
  const preset = presets.find((candidate) => candidate.cron === value.trim());
  const fieldsOk = value.trim() === '' || value.trim().split(/\s+/).length === 5;
  return (
    <div className="schedule-input">
      <select
        className="select"
        aria-label={t('field.schedule.presetFor', { name: label })}
        aria-describedby={helpId}
        disabled={disabled}
        value={preset ? preset.cron : 'custom'}
        onChange={(event) => {
          if (event.target.value !== 'custom') onChange(event.target.value);
        }}
      >
        {presets.map((candidate) => (
          <option key={candidate.cron} value={candidate.cron}>
            {t(candidate.key)}
          </option>
        ))}
        <option value="custom">{t('field.schedule.custom')}</option>
      </select>
      <input
        {...aria}
        id={id}
        className="input mono"
        value={value}
        disabled={disabled}
        placeholder="0 * * * *"
        spellCheck={false}
        autoCapitalize="off"
        autoCorrect="off"
        aria-describedby={[helpId, aria['aria-describedby']].filter(Boolean).join(' ')}
        aria-invalid={aria['aria-invalid'] || !fieldsOk || undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      <span className="help" id={helpId}>
        {t('field.schedule.cronHelp')}{' '}
        <span className="schedule-zone">{t('field.schedule.timeZone', { zone: timeZone || 'UTC' })}</span>
      </span>
    </div>
  );
}
