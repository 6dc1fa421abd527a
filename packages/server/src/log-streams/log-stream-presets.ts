import { defaultPayloadTemplate } from './log-stream-template.js';

/**
 * The log services seed 003 gives steps for: where their log intake is, per region, which header carries the key,
 * and the template (the default one, which both accept: DataDog reads `message`, `timestamp` in milliseconds and
 * `severity` as the log's status; New Relic reads `message` and `timestamp`, and keeps the rest as attributes).
 * Both take a JSON array of log objects in one request, which is how a JSON template's lines are sent.
 */

export type LogStreamPresetKey = 'custom' | 'datadog' | 'new-relic';

export interface LogStreamPreset {
  key: LogStreamPresetKey;
  name: string;
  /** The header the service reads its key from; null for a custom endpoint. */
  header: string | null;
  /** Where the service's key comes from. */
  keyHint: string | null;
  regions: { key: string; name: string; url: string }[];
  payloadTemplate: string;
}

export const logStreamPresets: readonly LogStreamPreset[] = [
  {
    key: 'datadog',
    name: 'DataDog',
    header: 'DD-API-KEY',
    keyHint: 'An API key (not an application key): DataDog, Organization Settings, API Keys.',
    regions: [
      { key: 'us', name: 'US (default)', url: 'https://http-intake.logs.datadoghq.com/api/v2/logs' },
      { key: 'us3', name: 'US3', url: 'https://http-intake.logs.us3.datadoghq.com/api/v2/logs' },
      { key: 'us5', name: 'US5', url: 'https://http-intake.logs.us5.datadoghq.com/api/v2/logs' },
      { key: 'eu', name: 'EU', url: 'https://http-intake.logs.datadoghq.eu/api/v2/logs' },
      { key: 'ap1', name: 'AP1', url: 'https://http-intake.logs.ap1.datadoghq.com/api/v2/logs' },
      { key: 'us1-fed', name: 'US1-FED', url: 'https://http-intake.logs.ddog-gov.com/api/v2/logs' },
    ],
    payloadTemplate: defaultPayloadTemplate,
  },
  {
    key: 'new-relic',
    name: 'New Relic',
    header: 'X-License-Key',
    keyHint: 'An INGEST - LICENSE key (use "Copy key", not "key ID"): New Relic, API keys.',
    regions: [
      { key: 'us', name: 'US', url: 'https://log-api.newrelic.com/log/v1' },
      { key: 'eu', name: 'EU', url: 'https://log-api.eu.newrelic.com/log/v1' },
    ],
    payloadTemplate: defaultPayloadTemplate,
  },
  {
    key: 'custom',
    name: 'Custom endpoint',
    header: null,
    keyHint: null,
    regions: [],
    payloadTemplate: defaultPayloadTemplate,
  },
];

export function presetOf(key: LogStreamPresetKey): LogStreamPreset {
  return (
    logStreamPresets.find((preset) => preset.key === key) ?? (logStreamPresets.at(-1) as LogStreamPreset)
  );
}
