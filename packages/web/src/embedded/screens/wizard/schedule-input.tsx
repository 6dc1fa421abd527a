import { useEmbeddedApp } from '../../embedded-app-context.js';

const presets = [
  { cron: '*/15 * * * *', key: 'field.schedule.every15Minutes' },
  { cron: '0 * * * *', key: 'field.schedule.everyHour' },
  { cron: '0 0 * * *', key: 'field.schedule.everyDay' },
  { cron: '0 0 * * 1', key: 'field.schedule.everyWeek' },
] as const;

/** A schedule: a preset or a cron expression, in the variable's time zone (UTC unless the integration says). */
export function ScheduleInput({
  id,
  value,
  timeZone,
  onChange,
  disabled,
  ...aria
}: {
  id: string;
  value: string;
  timeZone: string | null;
  disabled: boolean;
  'aria-describedby': string | undefined;
  'aria-invalid': boolean | undefined;
  onChange(value: unknown): void;
}) {
  const { t } = useEmbeddedApp();
  const preset = presets.find((candidate) => candidate.cron === value.trim());
  const fieldsOk = value.trim() === '' || value.trim().split(/\s+/).length === 5;
  return (
    <div className="stack" style={{ gap: 6 }}>
      <select
        className="select"
        aria-label={t('field.schedule.preset')}
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
        className="input"
        style={{ fontFamily: 'ui-monospace, monospace' }}
        value={value}
        disabled={disabled}
        placeholder="0 * * * *"
        aria-invalid={aria['aria-invalid'] || !fieldsOk || undefined}
        onChange={(event) => onChange(event.target.value)}
      />
      <span className="help">
        {t('field.schedule.cronHelp')} {t('field.schedule.timeZone', { zone: timeZone || 'UTC' })}
      </span>
    </div>
  );
}
