import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useMemo, useRef, useState } from 'react';
import { type ApiSchema, answerOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { type ExecutionFilters, filtersToSearch, parseFilters } from './filters.js';
import { executionKeys } from './keys.js';

export type ExecutionSummary = ApiSchema<'ExecutionSummary'>;
export type Execution = ApiSchema<'Execution'>;
type ExecutionPage = ApiSchema<'ExecutionPage'>;

/** Small, so the first page shows at once; more arrive as the reader scrolls. */
export const pageSize = 50;
const livePollMs = 4_000;

export function isActive(status: string): boolean {
  return status === 'queued' || status === 'running';
}

function newestFirst(a: ExecutionSummary, b: ExecutionSummary): number {
  if (a.queuedAt !== b.queuedAt) return a.queuedAt < b.queuedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * The executions list: the newest page, polled while `live` (and the tab is visible: TanStack pauses interval
 * refetches in the background), merged by id with what was already shown, so new runs appear on top and running
 * ones change status without moving the reader; older pages load from the cursor the first answer ended at, so a
 * poll never shifts the pages below it.
 */
export function useExecutionList(filters: ExecutionFilters, live: boolean) {
  const { api } = useConsole();
  const query = (extra: { cursor?: string }, signal: AbortSignal) =>
    answerOf(
      api.GET('/api/executions', { params: { query: { ...filters, limit: pageSize, ...extra } }, signal }),
    );

  const [initial] = useState(() => primedValue(filters));
  const head = useQuery({
    queryKey: executionKeys.head(filters),
    ...(initial ? { initialData: initial.data, initialDataUpdatedAt: initial.at } : {}),
    queryFn: ({ signal }) => takePrimedHead(filters) ?? query({}, signal),
    refetchInterval: live ? livePollMs : false,
  });

  // Everything the head answered since the filters changed: a run pushed off the newest page stays listed.
  // Merged during render (not in an effect), so the first answer is drawn in the same render it arrives.
  const filterKey = JSON.stringify(filters);
  const seen = useRef<{
    key: string;
    rows: Map<string, ExecutionSummary>;
    olderFrom: string | null;
    from?: unknown;
  }>(undefined);
  if (head.data && seen.current?.from !== head.data) {
    const same = seen.current?.key === filterKey;
    const rows = new Map(same ? seen.current?.rows : undefined);
    // What the newest page covers, it answers in full: a run it no longer lists there (it finished and left a
    // `running` filter, or was deleted) goes.
    const answered = new Set(head.data.items.map((row) => row.id));
    const oldest = head.data.items.at(-1);
    for (const [id, row] of rows) {
      const covered =
        head.data.nextCursor === null || (oldest !== undefined && row.queuedAt >= oldest.queuedAt);
      if (covered && !answered.has(id)) rows.delete(id);
    }
    for (const row of head.data.items) rows.set(row.id, row);
    seen.current = {
      key: filterKey,
      rows,
      olderFrom: same ? (seen.current?.olderFrom ?? null) : head.data.nextCursor,
      from: head.data,
    };
  }
  const current = seen.current?.key === filterKey && head.data ? seen.current : undefined;
  const olderFrom = current?.olderFrom ?? null;

  const [wantOlder, setWantOlder] = useState<string | null>(null);
  const older = useInfiniteQuery({
    queryKey: executionKeys.older(filters, olderFrom ?? ''),
    enabled: olderFrom !== null && wantOlder === filterKey,
    initialPageParam: olderFrom ?? '',
    queryFn: ({ pageParam, signal }) => query({ cursor: pageParam }, signal),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
  });

  const rows = useMemo(() => {
    const all = new Map<string, ExecutionSummary>();
    for (const page of older.data?.pages ?? []) for (const row of page.items) all.set(row.id, row);
    // The polled answer is the fresher one.
    for (const [id, row] of current?.rows ?? []) all.set(id, row);
    return [...all.values()].sort(newestFirst);
  }, [older.data, current?.rows]);

  const olderLoaded = older.data !== undefined;
  const hasMore = olderFrom !== null && (!olderLoaded || older.hasNextPage);
  const loadMore = () => {
    if (wantOlder !== filterKey) setWantOlder(filterKey);
    else if (older.hasNextPage && !older.isFetchingNextPage) void older.fetchNextPage();
  };
  return {
    rows,
    head,
    older,
    hasMore,
    loadingMore: older.isFetching,
    loadMore,
    ready: current !== undefined,
  };
}

let primed:
  | { search: string; at: number; answer: Promise<ExecutionPage | undefined>; value?: ExecutionPage }
  | undefined;

/**
 * Asks for the newest page as soon as the section's code arrives (before React draws the screen, which waits for
 * the section chunk's Suspense), so the list shows without a second round trip. The session cookie rides along;
 * GETs need no CSRF token. Any failure leaves it to the ordinary query.
 */
export function primeHead(search: string): void {
  const filters = parseFilters(search);
  const query = filtersToSearch(filters);
  // The page's address says `trigger`; the API's parameter is `triggerKind`.
  const apiParams = new URLSearchParams(query);
  for (const kind of apiParams.getAll('trigger')) apiParams.append('triggerKind', kind);
  apiParams.delete('trigger');
  apiParams.set('limit', String(pageSize));
  const url = `/api/executions?${apiParams}`;
  const entry: NonNullable<typeof primed> = {
    search: query,
    at: Date.now(),
    answer: fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then((response) => (response.ok ? (response.json() as Promise<ExecutionPage>) : undefined))
      .then((answer) => {
        if (answer) entry.value = answer;
        return answer;
      })
      .catch(() => undefined),
  };
  primed = entry;
}

/** The primed first page when it has already arrived: drawn in the list's very first render. */
function primedValue(filters: ExecutionFilters): { data: ExecutionPage; at: number } | undefined {
  if (!primed?.value || primed.search !== filtersToSearch(filters) || Date.now() - primed.at > 3_000)
    return undefined;
  const found = { data: primed.value, at: primed.at };
  primed = undefined;
  return found;
}

function takePrimedHead(filters: ExecutionFilters): Promise<ExecutionPage> | undefined {
  const taken = primed;
  primed = undefined;
  if (!taken || taken.search !== filtersToSearch(filters) || Date.now() - taken.at > 3_000) return undefined;
  return taken.answer.then((answer) => {
    if (!answer) throw new Error('The first page could not be read; retrying.');
    return answer;
  });
}

/** One execution with its steps and logs, refreshed every 2 s while it is queued or running. */
export function useExecution(executionId: string) {
  const { api } = useConsole();
  return useQuery({
    queryKey: executionKeys.detail(executionId),
    queryFn: ({ signal }) =>
      answerOf(api.GET('/api/executions/{id}', { params: { path: { id: executionId } }, signal })),
    refetchInterval: (query) => (query.state.data && isActive(query.state.data.status) ? 2_000 : false),
  });
}
