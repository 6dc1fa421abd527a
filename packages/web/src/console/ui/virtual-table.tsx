import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useEffect, useRef } from 'react';
import { Link } from 'wouter';

export interface Column<Row> {
  key: string;
  header: ReactNode;
  /** A CSS grid track: `minmax(8rem, 2fr)`, `7rem`... (default `minmax(6rem, 1fr)`). */
  width?: string;
  render(row: Row): ReactNode;
  /** Hidden below tablet width (the least useful columns). */
  optional?: boolean;
}

/**
 * A long list as a table whose rows are drawn only while on screen (TanStack Virtual): 10,000 rows cost what 30 do.
 * Pages arrive from the server as the reader scrolls near the end (`onLoadMore`), so nothing loads more than it
 * shows. With `rowHref`, each row's first cell is a link covering the whole row (keyboard: Tab, Enter).
 * ARIA table roles on divs, not `<table>`: rows are absolutely positioned, which table layout does not allow
 * (biome.json turns the semantic-element rules off for this file).
 */
export function VirtualTable<Row>({
  label,
  rows,
  columns,
  rowKey,
  rowHref,
  hasMore,
  loadingMore,
  onLoadMore,
  rowHeight = 44,
  empty,
  testId,
}: {
  label: string;
  rows: readonly Row[];
  columns: ReadonlyArray<Column<Row>>;
  rowKey(row: Row): string;
  rowHref?: (row: Row) => string;
  hasMore?: boolean;
  loadingMore?: boolean;
  onLoadMore?: () => void;
  rowHeight?: number;
  empty?: ReactNode;
  testId?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => rowHeight,
    overscan: 12,
    // Rows in the very first render (not one frame later, after the scroller is measured): a screen's list shows
    // with the screen.
    initialRect: { width: 1200, height: 700 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? -1;

  // Ask for the next page when the last drawn row is near the end of what has arrived.
  useEffect(() => {
    if (hasMore && !loadingMore && onLoadMore && lastIndex >= rows.length - 10) onLoadMore();
  }, [hasMore, loadingMore, onLoadMore, lastIndex, rows.length]);

  const track = (column: Column<Row>) => column.width ?? 'minmax(6rem, 1fr)';
  const template = columns.map(track).join(' ');
  const narrowTemplate = columns
    .filter((column) => !column.optional)
    .map(track)
    .join(' ');
  if (rows.length === 0 && !hasMore && empty) return <div className="empty">{empty}</div>;

  return (
    <div
      className="virtual-table"
      data-testid={testId}
      style={{ '--columns': template, '--columns-narrow': narrowTemplate } as React.CSSProperties}
    >
      <div role="table" aria-label={label} aria-rowcount={hasMore ? -1 : rows.length + 1}>
        <div role="rowgroup" className="virtual-table-head">
          <div role="row" className="virtual-table-row" aria-rowindex={1}>
            {columns.map((column) => (
              <div role="columnheader" key={column.key} className={column.optional ? 'optional' : undefined}>
                {column.header}
              </div>
            ))}
          </div>
        </div>
        <div ref={scroller} className="virtual-table-body" role="rowgroup">
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const row = rows[item.index] as Row;
              const href = rowHref?.(row);
              return (
                <div
                  role="row"
                  key={rowKey(row)}
                  aria-rowindex={item.index + 2}
                  className={`virtual-table-row${href ? ' link-row' : ''}`}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    transform: `translateY(${item.start}px)`,
                  }}
                >
                  {columns.map((column, index) => (
                    <div role="cell" key={column.key} className={column.optional ? 'optional' : undefined}>
                      {index === 0 && href ? (
                        <Link href={href} className="row-link">
                          {column.render(row)}
                        </Link>
                      ) : (
                        column.render(row)
                      )}
                    </div>
                  ))}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {(hasMore || loadingMore) && (
        <div className="virtual-table-more small muted" role="status">
          {loadingMore ? 'Loading more…' : ''}
        </div>
      )}
    </div>
  );
}
