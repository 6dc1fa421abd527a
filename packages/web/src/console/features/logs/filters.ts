export const minLevels = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type MinLevel = (typeof minLevels)[number];

/** The logs screen's filters as the URL carries them (`/logs?customer=…&minLevel=warn&search=timeout`). */
export interface LogFilters {
  search?: string;
  minLevel?: MinLevel;
  level?: 'metric';
  from?: string;
  to?: string;
  instance?: string;
  customer?: string;
  integration?: string;
  flow?: string;
  execution?: string;
}

const textFields = [
  'search',
  'from',
  'to',
  'instance',
  'customer',
  'integration',
  'flow',
  'execution',
] as const;

export function parseLogFilters(search: string): LogFilters {
  const params = new URLSearchParams(search);
  const filters: LogFilters = {};
  for (const name of textFields) {
    const value = params.get(name)?.trim();
    if (value) filters[name] = value;
  }
  for (const name of ['from', 'to'] as const) {
    const value = filters[name];
    if (value && Number.isNaN(new Date(value).getTime())) delete filters[name];
  }
  const minLevel = params.get('minLevel') ?? params.get('severity');
  if (minLevel && (minLevels as readonly string[]).includes(minLevel))
    filters.minLevel = minLevel as MinLevel;
  if (params.get('level') === 'metric') filters.level = 'metric';
  return filters;
}

export function logFiltersToSearch(filters: LogFilters): string {
  const params = new URLSearchParams();
  for (const name of textFields) {
    const value = filters[name];
    if (value) params.set(name, value);
  }
  if (filters.minLevel) params.set('minLevel', filters.minLevel);
  if (filters.level) params.set('level', filters.level);
  return params.toString();
}

/** What the API takes for these filters. */
export function logQueryOf(filters: LogFilters) {
  const { level, ...rest } = filters;
  return { ...rest, ...(level ? { level: [level] } : {}) };
}
