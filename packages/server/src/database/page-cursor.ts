import { WeftError } from '../errors.js';
import { isUuid } from './ids.js';

/**
 * Keyset pagination: a cursor is the sort key of the last item of a page. Unlike offsets, pages stay correct while
 * rows are added or deleted between requests.
 */
export interface PagePosition {
  createdAt: Date;
  id: string;
}

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): PagePosition {
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [
      unknown,
      unknown,
    ];
    const date = new Date(String(createdAt));
    // Every row was made between 1970 and 9999: a date outside (one PostgreSQL may not even hold) is no cursor.
    const year = date.getUTCFullYear();
    if (
      typeof id === 'string' &&
      isUuid(id) &&
      !Number.isNaN(date.getTime()) &&
      year >= 1970 &&
      year <= 9999
    ) {
      return { createdAt: date, id };
    }
  } catch {
    // reported below
  }
  throw new WeftError('API_INVALID_CURSOR', `The cursor '${cursor.slice(0, 40)}' was not made by this API.`, {
    field: 'cursor',
  });
}

/**
 * Splits one extra fetched row off a page to tell whether another page follows. The cursor is made from the last
 * row kept: by default its `created_at` and `id`.
 */
export function pageOf<Row, Item>(
  rows: Row[],
  limit: number,
  toItem: (row: Row) => Item,
  cursorOf: (last: Row) => string = (last) => {
    const row = last as { created_at: Date; id: string };
    return encodeCursor({ createdAt: row.created_at, id: row.id });
  },
): { items: Item[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  return { items: kept.map(toItem), nextCursor: more && last ? cursorOf(last) : null };
}
