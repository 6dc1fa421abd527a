import type { ApiSchema } from '../../../shared/api.js';
import { Badge } from '../../../shared/ui.js';

/** The list's address from anywhere (`/` inside the tab's nested routes would leave a trailing slash). */
export const logStreamsHref = '~/settings/log-streams';

export type LogStream = ApiSchema<'LogStream'>;
export type LogStreamPresets = ApiSchema<'LogStreamPresets'>;
export type LogStreamPreset = LogStreamPresets['presets'][number];
export type LogStreamPresetKey = LogStream['preset'];
export type LogStreamTestResult = ApiSchema<'LogStreamTestResult'>;

/** The services' names, for lists (which do not read the presets). */
export const presetNames: Record<LogStreamPresetKey, string> = {
  datadog: 'DataDog',
  'new-relic': 'New Relic',
  custom: 'Custom endpoint',
};

const numbers = new Intl.NumberFormat();
export function formatCount(value: number): string {
  return numbers.format(value);
}

export function StreamStateBadge({ state }: { state: LogStream['status']['state'] }) {
  const kind = state === 'delivering' ? 'active' : state === 'retrying' ? 'error' : 'paused';
  return <Badge kind={kind}>{state}</Badge>;
}

/** The region of a preset whose intake a URL is, if it is one. */
export function regionOf(preset: LogStreamPreset | undefined, url: string) {
  return preset?.regions.find((region) => region.url === url.trim());
}
