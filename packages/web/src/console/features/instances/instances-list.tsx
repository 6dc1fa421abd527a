import { useMemo, useState } from 'react';
import { Link, useLocation, useSearchParams } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed } from '../../console-context.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import type { InstanceFilters, InstanceStatusFilter } from './keys.js';
import {
  type Instance,
  useCustomer,
  useCustomerSearch,
  useInstanceList,
  useIntegrationIndex,
} from './queries.js';
import { SearchPicker } from './search-picker.js';
import { InstanceStatus, newerVersion, VersionMarker } from './status.js';
import './instances.css';

const statuses: Array<{ value: InstanceStatusFilter | ''; label: string }> = [
  { value: '', label: 'Any status' },
  { value: 'deployed', label: 'Deployed' },
  { value: 'paused', label: 'Paused' },
  { value: 'unconfigured', label: 'Unconfigured' },
  { value: 'active', label: 'Not paused' },
];

function isStatus(value: string | null): value is InstanceStatusFilter {
  return value === 'deployed' || value === 'paused' || value === 'unconfigured' || value === 'active';
}

/** `/instances`: every instance, filtered by customer, integration, status and search (all kept in the URL). */
export function InstancesList() {
  const [params, setParams] = useSearchParams();
  const [, navigate] = useLocation();
  const status = params.get('status');
  const filters: InstanceFilters = {
    ...(params.get('customer') ? { customer: params.get('customer') as string } : {}),
    ...(params.get('integration') ? { integration: params.get('integration') as string } : {}),
    ...(isStatus(status) ? { status } : {}),
    ...(params.get('search') ? { search: params.get('search') as string } : {}),
  };
  const [searchText, setSearchText] = useState(filters.search ?? '');
  const list = useInstanceList(filters);
  const integrations = useIntegrationIndex();
  const customer = useCustomer(filters.customer);

  function setFilter(name: keyof InstanceFilters, value: string | undefined) {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value) next.set(name, value);
        else next.delete(name);
        return next;
      },
      { replace: true },
    );
  }

  const rows = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);
  const integrationList = useMemo(
    () => [...(integrations.data?.values() ?? [])].sort((a, b) => a.name.localeCompare(b.name)),
    [integrations.data],
  );

  const columns: Array<Column<Instance>> = [
    {
      key: 'name',
      header: 'Instance',
      width: 'minmax(10rem, 2fr)',
      render: (row) => <span className="instance-name">{row.name}</span>,
    },
    {
      key: 'customer',
      header: 'Customer',
      width: 'minmax(8rem, 1.4fr)',
      render: (row) => row.customer.name,
    },
    {
      key: 'integration',
      header: 'Integration',
      width: 'minmax(8rem, 1.4fr)',
      render: (row) => row.integration.name,
    },
    {
      key: 'version',
      header: 'Version',
      width: 'minmax(8rem, 1.2fr)',
      render: (row) => (
        <span className="row wrap instance-version-cell">
          <span>v{row.versionNumber}</span>
          <VersionMarker
            compact
            latest={newerVersion(row, integrations.data?.get(row.integration.id)?.latestVersionNumber)}
          />
        </span>
      ),
    },
    {
      key: 'status',
      header: 'Status',
      width: 'minmax(7rem, 1fr)',
      render: (row) => <InstanceStatus instance={row} />,
    },
    {
      key: 'deployed',
      header: 'Last deployed',
      width: 'minmax(7rem, 1fr)',
      optional: true,
      render: (row) =>
        row.deployedAt ? <When value={row.deployedAt} /> : <span className="muted">Never</span>,
    },
  ];

  const customerValue = filters.customer
    ? {
        id: filters.customer,
        name: customer.data?.name ?? (customer.isPending ? 'Loading…' : filters.customer),
        detail: customer.data?.externalId ?? null,
      }
    : undefined;

  return (
    <div className="stack">
      <PageHeader
        title="Instances"
        description="Integrations deployed to customers: their configuration, status and endpoints."
        actions={
          <IfAllowed permission="instances:write">
            <Link href={`/new${newQuery(filters)}`} className="button primary" data-testid="instances-new">
              New instance
            </Link>
          </IfAllowed>
        }
      />
      <search className="toolbar row wrap instance-filters" aria-label="Filter instances">
        <form
          className="field"
          onSubmit={(event) => {
            event.preventDefault();
            setFilter('search', searchText.trim() || undefined);
          }}
        >
          <label className="label" htmlFor="instances-search">
            Search
          </label>
          <input
            id="instances-search"
            className="input"
            type="search"
            placeholder="Name or description"
            value={searchText}
            data-testid="instances-search"
            onChange={(event) => {
              setSearchText(event.target.value);
              if (event.target.value === '') setFilter('search', undefined);
            }}
            onBlur={() => setFilter('search', searchText.trim() || undefined)}
          />
        </form>
        <div className="field">
          <label className="label" htmlFor="instances-integration">
            Integration
          </label>
          <select
            id="instances-integration"
            className="select"
            data-testid="instances-filter-integration"
            value={filters.integration ?? ''}
            onChange={(event) => setFilter('integration', event.target.value || undefined)}
          >
            <option value="">All integrations</option>
            {filters.integration && !integrations.data?.has(filters.integration) && (
              <option value={filters.integration}>{integrations.isPending ? 'Loading…' : 'Unknown'}</option>
            )}
            {integrationList.map((integration) => (
              <option key={integration.id} value={integration.id}>
                {integration.name}
              </option>
            ))}
          </select>
        </div>
        <SearchPicker
          label="Customer"
          testId="instances-filter-customer"
          placeholder="All customers"
          value={customerValue}
          onChange={(option) => setFilter('customer', option?.id)}
          useOptions={useCustomerOptions}
        />
        {filters.customer && (
          <button
            type="button"
            className="button link instance-clear-customer"
            onClick={() => setFilter('customer', undefined)}
          >
            All customers
          </button>
        )}
        <div className="field">
          <label className="label" htmlFor="instances-status">
            Status
          </label>
          <select
            id="instances-status"
            className="select"
            data-testid="instances-filter-status"
            value={filters.status ?? ''}
            onChange={(event) => setFilter('status', event.target.value || undefined)}
          >
            {statuses.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        </div>
      </search>
      {list.isPending ? (
        <Loading />
      ) : list.isError ? (
        <ErrorNotice onRetry={() => void list.refetch()}>{messageOf(list.error)}</ErrorNotice>
      ) : (
        <>
          <p className="small muted" aria-live="polite">
            {rows.length === 0
              ? ''
              : `${rows.length}${list.hasNextPage ? '+' : ''} instance${rows.length === 1 ? '' : 's'}`}
          </p>
          <VirtualTable
            label="Instances"
            testId="instances-table"
            rows={rows}
            columns={columns}
            rowKey={(row) => row.id}
            rowHref={(row) => `/${row.id}`}
            hasMore={list.hasNextPage}
            loadingMore={list.isFetchingNextPage}
            onLoadMore={() => void list.fetchNextPage()}
            empty={
              Object.keys(filters).length > 0 ? (
                <>
                  No instance matches these filters.{' '}
                  <button
                    type="button"
                    className="button link"
                    onClick={() => navigate('/', { replace: true })}
                  >
                    Clear the filters
                  </button>
                </>
              ) : (
                'No instances yet. Create one to deploy an integration to a customer.'
              )
            }
          />
        </>
      )}
    </div>
  );
}

function newQuery(filters: InstanceFilters): string {
  const query = new URLSearchParams();
  if (filters.customer) query.set('customer', filters.customer);
  if (filters.integration) query.set('integration', filters.integration);
  const text = query.toString();
  return text ? `?${text}` : '';
}

export function useCustomerOptions(search: string, enabled: boolean) {
  const customers = useCustomerSearch(search, enabled);
  return {
    items: (customers.data?.items ?? []).map((customer) => ({
      id: customer.id,
      name: customer.name,
      detail: customer.externalId,
    })),
    isFetching: customers.isFetching,
    error: customers.error,
  };
}
