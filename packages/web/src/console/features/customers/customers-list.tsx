import { useDeferredValue, useMemo, useState } from 'react';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed } from '../../console-context.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import { CustomerFormDialog } from './customer-dialogs.js';
import { type Customer, useCustomers } from './queries.js';
import './customers.css';

/** Every customer of the organization: search, open one, add one. */
export default function CustomersList() {
  const [search, setSearch] = useState('');
  const deferredSearch = useDeferredValue(search);
  const customers = useCustomers(deferredSearch);
  const [creating, setCreating] = useState(false);
  const rows = useMemo(() => customers.data?.pages.flatMap((page) => page.items) ?? [], [customers.data]);

  const columns: Array<Column<Customer>> = [
    {
      key: 'name',
      header: 'Name',
      width: 'minmax(10rem, 2fr)',
      render: (customer) => <span className="truncate">{customer.name}</span>,
    },
    {
      key: 'externalId',
      header: 'External id',
      width: 'minmax(8rem, 1.2fr)',
      render: (customer) =>
        customer.externalId ? (
          <span className="mono small truncate">{customer.externalId}</span>
        ) : (
          <span className="muted small">none</span>
        ),
    },
    {
      key: 'description',
      header: 'Description',
      width: 'minmax(10rem, 2fr)',
      optional: true,
      render: (customer) => <span className="muted small truncate">{customer.description}</span>,
    },
    {
      key: 'instances',
      header: 'Instances',
      width: '6.5rem',
      render: (customer) => <span className="numeric">{customer.instanceCount ?? ''}</span>,
    },
    {
      key: 'created',
      header: 'Created',
      width: '9rem',
      optional: true,
      render: (customer) => (
        <span className="small muted">
          <When value={customer.createdAt} />
        </span>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Customers"
        description="The companies you deploy integrations to: their users, instances and credentials."
        actions={
          <IfAllowed permission="customers:write">
            <button
              type="button"
              className="button primary"
              data-testid="customers-new"
              onClick={() => setCreating(true)}
            >
              New customer
            </button>
          </IfAllowed>
        }
      />
      <search className="toolbar customers-toolbar">
        <label className="field grow">
          <span className="label">Search</span>
          <input
            className="input"
            type="search"
            placeholder="Name, external id or description"
            value={search}
            data-testid="customers-search"
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
      </search>
      {customers.isPending ? (
        <Loading />
      ) : customers.isError ? (
        <ErrorNotice onRetry={() => void customers.refetch()}>{messageOf(customers.error)}</ErrorNotice>
      ) : (
        <VirtualTable
          label="Customers"
          testId="customers-table"
          rows={rows}
          columns={columns}
          rowKey={(customer) => customer.id}
          rowHref={(customer) => `/${customer.id}`}
          hasMore={customers.hasNextPage}
          loadingMore={customers.isFetchingNextPage}
          onLoadMore={() => void customers.fetchNextPage()}
          empty={
            search
              ? `No customer matches “${search}”.`
              : 'No customers yet. Create one to deploy instances to it.'
          }
        />
      )}
      {creating && <CustomerFormDialog onClose={() => setCreating(false)} />}
    </>
  );
}
