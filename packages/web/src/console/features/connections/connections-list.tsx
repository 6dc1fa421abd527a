import { useMemo, useState } from 'react';
import { useSearch } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { IfAllowed } from '../../console-context.js';
import { PageHeader } from '../../ui/page.js';
import { type Column, VirtualTable } from '../../ui/virtual-table.js';
import { When } from '../../ui/when.js';
import { CreateConnectionDialog } from './connection-dialogs.js';
import { CustomerPicker, type PickedCustomer } from './customer-picker.js';
import { CredentialsStatus, kindLabel } from './parts.js';
import {
  type Connection,
  type ConnectionKind,
  type Credentials,
  typeOf,
  useConnections,
  useConnectionTypes,
  useCustomerConnections,
} from './queries.js';
import './connections.css';

interface Row {
  connection: Connection;
  /** For a customer filter: that customer's credentials; otherwise the global ones. */
  credentials: Credentials | null;
}

/** The organization's connections, global and per customer; filter by scope, or see one customer's. */
export default function ConnectionsList() {
  const params = new URLSearchParams(useSearch());
  const [kind, setKind] = useState<ConnectionKind | ''>((params.get('kind') as ConnectionKind | null) ?? '');
  const [customer, setCustomer] = useState<PickedCustomer>();
  const [creating, setCreating] = useState(false);
  const connections = useConnections();
  const forCustomer = useCustomerConnections(customer?.id);
  const types = useConnectionTypes();
  const source = customer ? forCustomer : connections;

  const rows = useMemo<Row[]>(() => {
    const all: Row[] = customer
      ? (forCustomer.data ?? []).map((item) => ({
          connection: item.connection,
          credentials: item.credentials,
        }))
      : (connections.data ?? []).map((connection) => ({ connection, credentials: connection.credentials }));
    return kind ? all.filter((row) => row.connection.kind === kind) : all;
  }, [customer, forCustomer.data, connections.data, kind]);

  const columns: Array<Column<Row>> = [
    {
      key: 'name',
      header: 'Name',
      width: 'minmax(10rem, 2fr)',
      render: ({ connection }) => (
        <span className="stack-tight connections-name">
          <span className="truncate">{connection.name}</span>
          <span className="small muted mono truncate">{connection.stableKey}</span>
        </span>
      ),
    },
    {
      key: 'kind',
      header: 'Scope',
      width: 'minmax(8rem, 1.2fr)',
      optional: true,
      render: ({ connection }) => <span className="small">{kindLabel[connection.kind]}</span>,
    },
    {
      key: 'type',
      header: 'Type',
      width: 'minmax(8rem, 1.2fr)',
      optional: true,
      render: ({ connection }) => {
        const type = typeOf(types.data, connection);
        return (
          <span className="small truncate" title={`${connection.component}/${connection.connection}`}>
            {type
              ? `${type.componentLabel}: ${type.label}`
              : `${connection.component}/${connection.connection}`}
          </span>
        );
      },
    },
    {
      key: 'status',
      header: 'Status',
      width: 'minmax(9rem, 1.3fr)',
      render: ({ connection, credentials }) =>
        connection.kind === 'org_global' || customer ? (
          <CredentialsStatus credentials={credentials} />
        ) : (
          <span className="small">
            {connection.customerCount} customer{connection.customerCount === 1 ? '' : 's'}
          </span>
        ),
    },
    {
      key: 'updated',
      header: 'Updated',
      width: '8rem',
      optional: true,
      render: ({ connection }) => (
        <span className="small muted">
          <When value={connection.updatedAt} />
        </span>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="Connections"
        description="Credentials defined once and reused by integrations that name their stable key: one set for everyone, or one per customer."
        actions={
          <IfAllowed permission="connections:write">
            <button
              type="button"
              className="button primary"
              data-testid="connections-new"
              onClick={() => setCreating(true)}
            >
              New connection
            </button>
          </IfAllowed>
        }
      />
      <search className="toolbar connections-toolbar">
        <label className="field">
          <span className="label">Scope</span>
          <select
            className="select"
            value={kind}
            data-testid="connections-kind-filter"
            onChange={(event) => setKind(event.target.value as ConnectionKind | '')}
          >
            <option value="">Every scope</option>
            {(Object.keys(kindLabel) as ConnectionKind[]).map((candidate) => (
              <option key={candidate} value={candidate}>
                {kindLabel[candidate]}
              </option>
            ))}
          </select>
        </label>
        <CustomerPicker
          label="Customer"
          value={customer}
          onChange={setCustomer}
          testId="connections-customer-filter"
        />
      </search>
      {customer && (
        <p className="small muted">
          Showing the per-customer connections, with {customer.name}'s credentials for each.
        </p>
      )}
      {source.isPending ? (
        <Loading />
      ) : source.isError ? (
        <ErrorNotice onRetry={() => void source.refetch()}>{messageOf(source.error)}</ErrorNotice>
      ) : (
        <VirtualTable
          label="Connections"
          testId="connections-table"
          rows={rows}
          columns={columns}
          rowHeight={56}
          rowKey={(row) => row.connection.id}
          rowHref={(row) => `/${row.connection.id}${customer ? `?customer=${customer.id}` : ''}`}
          empty={
            kind || customer
              ? 'No connection matches these filters.'
              : 'No connections yet. Create one to share credentials across integrations.'
          }
        />
      )}
      {creating && <CreateConnectionDialog onClose={() => setCreating(false)} />}
    </>
  );
}
