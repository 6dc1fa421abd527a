import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiSchema, answerOf, messageOf } from '../../../shared/api.js';
import { useConsole } from '../../console-context.js';
import { type LogFilters, logQueryOf } from './filters.js';
import { logKeys } from './keys.js';

export type LogEntry = ApiSchema<'LogEntry'>;
export interface LogRow {
  key: string;
  line: LogEntry;
}

const pageSize = 100;
const tailPollMs = 2_000;

/** Lines newest first, in pages (older as the reader scrolls). */
export function useLogSearch(filters: LogFilters) {
  const { api } = useConsole();
  return useInfiniteQuery({
    queryKey: logKeys.search(filters),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam, signal }) =>
      answerOf(
        api.GET('/api/logs', {
          params: {
            query: { ...logQueryOf(filters), limit: pageSize, ...(pageParam ? { cursor: pageParam } : {}) },
          },
          signal,
        }),
      ),
    getNextPageParam: (page) => page.nextCursor ?? undefined,
    // While the screen is open the reader's list stays put (new lines come by the tail); coming back to the screen
    // asks again, so it never shows an old search as the newest lines.
    staleTime: Number.POSITIVE_INFINITY,
    refetchOnMount: 'always',
    refetchOnWindowFocus: false,
  });
}

export function identityOf(line: LogEntry): string {
  return `${line.executionId}|${line.timestamp}|${line.level}|${line.stepKey ?? ''}|${line.message}`;
}

/**
 * Follows new lines from `startCursor` (the search answer's tailCursor) with `after`, every 2 s while `following`
 * and the tab is visible; a full answer (nextCursor set) is followed at once. Lines arrive oldest first; `onLines`
 * gets each batch.
 */
export function useLogTail({
  filters,
  startCursor,
  following,
  onLines,
}: {
  filters: LogFilters;
  startCursor: string | undefined;
  following: boolean;
  onLines: (lines: LogEntry[]) => void;
}) {
  const { api } = useConsole();
  const cursor = useRef<string | undefined>(undefined);
  const [error, setError] = useState<string>();
  const [lastPoll, setLastPoll] = useState<Date>();
  const deliver = useRef(onLines);
  deliver.current = onLines;
  const filterKey = JSON.stringify(filters);

  // A new search (filters) starts the tail afresh from its own answer.
  // biome-ignore lint/correctness/useExhaustiveDependencies: filterKey resets the cursor
  useEffect(() => {
    cursor.current = undefined;
  }, [filterKey]);
  useEffect(() => {
    if (cursor.current === undefined && startCursor) cursor.current = startCursor;
  }, [startCursor]);

  const poll = useCallback(
    async (signal: AbortSignal) => {
      for (let round = 0; round < 10 && cursor.current && !signal.aborted; round += 1) {
        const page = await answerOf(
          api.GET('/api/logs', {
            params: { query: { ...logQueryOf(filters), limit: 200, after: cursor.current } },
            signal,
          }),
        );
        cursor.current = page.tailCursor;
        if (page.items.length > 0) deliver.current(page.items);
        if (!page.nextCursor) break;
      }
    },
    [api, filters],
  );

  useEffect(() => {
    if (!following) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      if (document.visibilityState === 'visible') {
        try {
          await poll(controller.signal);
          setError(undefined);
          setLastPoll(new Date());
        } catch (problem) {
          if (!controller.signal.aborted) setError(messageOf(problem));
        }
      }
      if (!controller.signal.aborted) timer = setTimeout(tick, tailPollMs);
    };
    void tick();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [following, poll]);

  return { error, lastPoll };
}
