import { useCallback, useMemo } from 'react';
import { useLocation, useSearch } from 'wouter';

export const executionStatuses = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];
export const triggerKinds = [
  'webhook',
  'schedule',
  'deploy',
  'remove',
  'test',
  'crossFlow',
  'retry',
  'replay',
] as const;
export type TriggerKind = (typeof triggerKinds)[number];

/** The list's filters exactly as the URL carries them (`/executions?customer=…&status=failed&status=running`). */
export interface ExecutionFilters {
  instance?: string;
  customer?: string;
  integration?: string;
  flow?: string;
  status?: ExecutionStatus[];
  triggerKind?: TriggerKind[];
  from?: string;
  to?: string;
}

const single = ['instance', 'customer', 'integration', 'flow', 'from', 'to'] as const;

export function parseFilters(search: string): ExecutionFilters {
  const params = new URLSearchParams(search);
  const filters: ExecutionFilters = {};
  for (const name of single) {
    const value = params.get(name)?.trim();
    if (value) filters[name] = value;
  }
  // Both "status=failed&status=running" and "status=failed,running" work, so hand-written links do.
  const many = (name: string) => params.getAll(name).flatMap((value) => value.split(','));
  const status = many('status').filter((value): value is ExecutionStatus =>
    (executionStatuses as readonly string[]).includes(value),
  );
  if (status.length > 0) filters.status = [...new Set(status)];
  const trigger = many('trigger').filter((value): value is TriggerKind =>
    (triggerKinds as readonly string[]).includes(value),
  );
  if (trigger.length > 0) filters.triggerKind = [...new Set(trigger)];
  for (const name of ['from', 'to'] as const) {
    const value = filters[name];
    if (value && Number.isNaN(new Date(value).getTime())) delete filters[name];
  }
  return filters;
}

export function filtersToSearch(filters: ExecutionFilters): string {
  const params = new URLSearchParams();
  for (const name of single) {
    const value = filters[name];
    if (value) params.set(name, value);
  }
  for (const status of filters.status ?? []) params.append('status', status);
  for (const kind of filters.triggerKind ?? []) params.append('trigger', kind);
  return params.toString();
}

/** The filters in the URL, and a way to change them (a new history entry, so Back undoes a filter). */
export function useUrlFilters<F>(
  base: string,
  parse: (search: string) => F,
  serialize: (filters: F) => string,
): [F, (next: F, options?: { replace?: boolean }) => void] {
  const search = useSearch();
  const [, navigate] = useLocation();
  const filters = useMemo(() => parse(search), [parse, search]);
  const setFilters = useCallback(
    (next: F, options?: { replace?: boolean }) => {
      const query = serialize(next);
      navigate(`~${base}${query ? `?${query}` : ''}`, { replace: options?.replace ?? false });
    },
    [base, navigate, serialize],
  );
  return [filters, setFilters];
}

/** Quick time ranges: from now minus this many ms, open-ended. */
export const timePresets = [
  { label: 'Last hour', ms: 3_600_000 },
  { label: 'Last 24 h', ms: 86_400_000 },
  { label: 'Last 7 days', ms: 7 * 86_400_000 },
] as const;

/** An ISO time as a `datetime-local` input value (local time), and back. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
