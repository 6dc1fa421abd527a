/** Printing what the API answers: one answer, a list of items, or a collection read page by page. */
import { answerOf } from '@weft/client';
import type { Command } from 'commander';
import { positiveInteger } from './options.js';
import { type Column, formatTable, printAnswer, printJson, printTable } from './output.js';

/** A call of the client, as `weft.GET(...)` returns it. */
type Call<Answer> = Promise<{ data?: Answer; error?: unknown; response: Response }>;

/** What every page of a collection route holds (its items' type is the route's own). */
type Page<Item> = { items: Item[]; nextCursor: string | null };

/** Prints the answer of `call` as JSON with --json, else the text `text` makes of it. */
export async function printAnswerOf<Answer>(
  json: boolean,
  call: Call<Answer>,
  text: (answer: Answer) => string,
): Promise<void> {
  printAnswer(json, await answerOf(call), text);
}

/** Prints an `{items}` answer as a table, or as `{items}` JSON with --json. */
export async function printItems<Item>(
  json: boolean,
  call: Call<{ items: Item[] }>,
  columns: Column<Item>[],
): Promise<void> {
  const { items } = await answerOf(call);
  printTable(json, { items }, items, columns);
}

/** `--limit`, `--cursor` and `--all`, as a list command's options give them. */
export interface PagingFlags {
  limit: string;
  cursor?: string;
  all?: boolean;
}

/** Adds `--limit N` (checked to be a whole number), `--cursor C` and `--all`. */
export function withPagingOptions(command: Command, noun: string): Command {
  return command
    .option('--limit <n>', `${noun} per page`, positiveInteger, '100')
    .option('--cursor <cursor>', 'continue from a previous page')
    .option('--all', 'fetch every page');
}

/**
 * Lists a collection route: one page from `--cursor`, or every page with `--all`; prints JSON or a table, and says
 * on stderr how to continue when more pages follow. `page` gets the cursor and the page size.
 */
export async function listPages<Item>(
  page: (cursor: string | undefined, limit: number) => Call<Page<Item>>,
  flags: PagingFlags,
  print: { json: boolean; noun: string; columns: Column<Item>[] },
): Promise<void> {
  const items: Item[] = [];
  let cursor = flags.cursor;
  let nextCursor: string | null = null;
  do {
    const answer = await answerOf(page(cursor, Number(flags.limit)));
    items.push(...answer.items);
    nextCursor = answer.nextCursor;
    cursor = nextCursor ?? undefined;
  } while (flags.all && nextCursor);
  if (print.json) return printJson({ items, nextCursor });
  process.stdout.write(formatTable(items, print.columns));
  if (nextCursor) process.stderr.write(`More ${print.noun} follow: --cursor ${nextCursor} (or --all)\n`);
}

/** The most one page of the API holds. */
export const maxPageSize = 500;

/** Reads pages until `limit` items (or the last page); `more` says whether any were left. */
export async function collectPages<Item>(
  page: (cursor: string | undefined, pageSize: number) => Call<Page<Item>>,
  limit: number,
): Promise<{ items: Item[]; more: boolean }> {
  const items: Item[] = [];
  let cursor: string | undefined;
  for (;;) {
    const answer = await answerOf(page(cursor, Math.min(maxPageSize, limit - items.length)));
    items.push(...answer.items);
    if (!answer.nextCursor) return { items, more: false };
    if (items.length >= limit) return { items, more: true };
    cursor = answer.nextCursor;
  }
}
