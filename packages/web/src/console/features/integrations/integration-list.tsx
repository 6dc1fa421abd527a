import { useEffect, useMemo, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed } from '../../console-context.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import type { IntegrationFilters } from './keys.js';
import { useIntegrationList } from './queries.js';
import { type IntegrationSummary, PublishState } from './state.js';
import './integrations.css';

function filtersOf(search: string): IntegrationFilters {
  const params = new URLSearchParams(search);
  return {
    search: params.get('search') ?? '',
    category: params.get('category') ?? '',
    labels: params.getAll('label'),
  };
}

function searchOf(filters: IntegrationFilters): string {
  const params = new URLSearchParams();
  if (filters.search) params.set('search', filters.search);
  if (filters.category) params.set('category', filters.category);
  for (const label of filters.labels) params.append('label', label);
  const text = params.toString();
  return text ? `?${text}` : '';
}

const columns: Array<Column<IntegrationSummary>> = [
  {
    key: 'name',
    header: 'Name',
    width: 'minmax(12rem, 2.4fr)',
    render: (row) => (
      <span className="integration-name-cell">
        {row.iconUrl ? (
          <img src={row.iconUrl} alt="" className="integration-icon small" />
        ) : (
          <span className="integration-icon small placeholder" aria-hidden="true">
            {row.name.slice(0, 1).toUpperCase()}
          </span>
        )}
        <span className="stack-none">
          <strong>{row.name}</strong>
          {row.description && <span className="small muted clamp">{row.description}</span>}
        </span>
      </span>
    ),
  },
  {
    key: 'category',
    header: 'Category and labels',
    width: 'minmax(9rem, 1.4fr)',
    optional: true,
    render: (row) => (
      <span className="row wrap gap-small">
        {row.category && <span className="small">{row.category}</span>}
        {row.labels.map((label) => (
          <span key={label} className="chip">
            {label}
          </span>
        ))}
      </span>
    ),
  },
  {
    key: 'version',
    header: 'Latest version',
    width: 'minmax(8rem, 1fr)',
    render: (row) => <PublishState integration={row} />,
  },
  {
    key: 'marketplace',
    header: 'Marketplace',
    width: '7.5rem',
    render: (row) =>
      row.marketplaceListed ? (
        <Badge kind="active">Listed</Badge>
      ) : (
        <Badge kind="unconfigured">Not listed</Badge>
      ),
  },
  {
    key: 'instances',
    header: 'Instances',
    width: '6rem',
    optional: true,
    render: (row) => <span className="numeric">{row.instanceCount}</span>,
  },
  {
    key: 'updated',
    header: 'Draft changed',
    width: '8.5rem',
    optional: true,
    render: (row) => <When value={row.draftUpdatedAt} />,
  },
];

/** `/integrations`: every integration, searchable and filtered by category and labels (kept in the URL). */
export function IntegrationList() {
  const [, navigate] = useLocation();
  const search = useSearch();
  const filters = useMemo(() => filtersOf(search), [search]);
  const [text, setText] = useState(filters.search);
  const [labelText, setLabelText] = useState(filters.labels.join(', '));

  // The search box writes the URL after a pause, so typing does not fire a request per key.
  useEffect(() => {
    const handle = setTimeout(() => {
      if (text.trim() !== filters.search) {
        navigate(searchOf({ ...filters, search: text.trim() }) || '/', { replace: true });
      }
    }, 250);
    return () => clearTimeout(handle);
  }, [text, filters, navigate]);

  const list = useIntegrationList(filters);
  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const categories = useMemo(
    () => [...new Set(rows.map((row) => row.category).filter((c): c is string => Boolean(c)))].sort(),
    [rows],
  );
  const filtered = Boolean(filters.search || filters.category || filters.labels.length);

  const applyLabels = () => {
    const labels = labelText
      .split(',')
      .map((label) => label.trim())
      .filter(Boolean);
    navigate(searchOf({ ...filters, labels }) || '/', { replace: true });
  };

  return (
    <div className="stack">
      <PageHeader
        title="Integrations"
        description="Import YAML definitions, publish versions, and choose what customers see in the marketplace."
        actions={
          <IfAllowed permission="integrations:write">
            <Link href="/import" className="button primary" data-testid="integrations-import">
              Import
            </Link>
          </IfAllowed>
        }
      />
      <search className="toolbar" aria-label="Filter integrations">
        <label className="visually-hidden" htmlFor="integrations-search">
          Search integrations
        </label>
        <input
          id="integrations-search"
          className="input"
          type="search"
          placeholder="Search name or description"
          value={text}
          onChange={(event) => setText(event.target.value)}
          data-testid="integrations-search"
        />
        <label className="visually-hidden" htmlFor="integrations-category">
          Category
        </label>
        <input
          id="integrations-category"
          className="input narrow"
          list="integrations-categories"
          placeholder="Category"
          defaultValue={filters.category}
          key={`category-${filters.category}`}
          onBlur={(event) => {
            const category = event.target.value.trim();
            if (category !== filters.category)
              navigate(searchOf({ ...filters, category }) || '/', { replace: true });
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') event.currentTarget.blur();
          }}
          data-testid="integrations-category"
        />
        <datalist id="integrations-categories">
          {categories.map((category) => (
            <option key={category} value={category} />
          ))}
        </datalist>
        <label className="visually-hidden" htmlFor="integrations-labels">
          Labels (comma-separated, all must match)
        </label>
        <input
          id="integrations-labels"
          className="input narrow"
          placeholder="Labels: erp, orders"
          value={labelText}
          onChange={(event) => setLabelText(event.target.value)}
          onBlur={applyLabels}
          onKeyDown={(event) => {
            if (event.key === 'Enter') applyLabels();
          }}
          data-testid="integrations-labels"
        />
        {filtered && (
          <button
            type="button"
            className="button link"
            onClick={() => {
              setText('');
              setLabelText('');
              navigate('/', { replace: true });
            }}
          >
            Clear filters
          </button>
        )}
        <span className="spacer" />
        <span className="small muted" aria-live="polite">
          {list.isSuccess ? `${rows.length}${list.hasNextPage ? '+' : ''} shown` : ''}
        </span>
      </search>
      {list.isPending ? (
        <Loading label="Loading integrations…" />
      ) : list.isError ? (
        <ErrorNotice onRetry={() => list.refetch()}>{messageOf(list.error)}</ErrorNotice>
      ) : (
        <VirtualTable
          label="Integrations"
          testId="integrations-table"
          rows={rows}
          columns={columns}
          rowKey={(row) => row.id}
          rowHref={(row) => `/${row.id}`}
          rowHeight={56}
          hasMore={list.hasNextPage}
          loadingMore={list.isFetchingNextPage}
          onLoadMore={() => list.fetchNextPage()}
          empty={
            filtered ? (
              'No integration matches these filters.'
            ) : (
              <div className="stack-tight">
                <strong>No integrations yet.</strong>
                <span>
                  Import a YAML definition here, or from a terminal:{' '}
                  <code>weft integrations:import file.yml</code>.
                </span>
              </div>
            )
          }
        />
      )}
      {list.isFetchNextPageError && (
        <ErrorNotice onRetry={() => list.fetchNextPage()}>{messageOf(list.error)}</ErrorNotice>
      )}
    </div>
  );
}
