import { useMemo, useState } from 'react';
import { Link } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { CredentialsStatus, kindLabel } from '../connections/parts.js';
import { useCustomerConnections } from '../connections/queries.js';
import { InstanceStatus } from '../instances/status.js';
import { CustomerFormDialog, DeleteCustomerDialog } from './customer-dialogs.js';
import { CustomerUsers } from './customer-users.js';
import { type Customer, useCustomer, useCustomerInstances } from './queries.js';
import './customers.css';

/** One customer: who it is, its users, its instances, its connections, and where to see its runs and logs. */
export default function CustomerPage({ customerId }: { customerId: string }) {
  const { can } = useConsole();
  const customer = useCustomer(customerId);
  const instances = useCustomerInstances(customerId);
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (customer.isPending) return <Loading />;
  if (customer.isError) {
    return (
      <>
        <PageHeader title="Customer" back={{ href: '/', label: 'Customers' }} />
        <ErrorNotice onRetry={() => void customer.refetch()}>{messageOf(customer.error)}</ErrorNotice>
      </>
    );
  }
  const item = customer.data;
  const loadedInstances = instances.data?.pages.flatMap((page) => page.items);
  const instanceCount = instances.hasNextPage ? undefined : loadedInstances?.length;
  const mayWrite = can('customers:write');

  return (
    <div className="stack customers-page">
      <PageHeader
        title={item.name}
        back={{ href: '/', label: 'Customers' }}
        meta={
          item.externalId ? (
            <>
              <span>
                External id <code>{item.externalId}</code>
              </span>
              <CopyButton value={item.externalId} label="Copy" />
            </>
          ) : (
            <span>No external id</span>
          )
        }
        actions={
          <>
            <Link
              className="button"
              href={`~/executions?customer=${item.id}`}
              data-testid="customer-executions-link"
            >
              Executions
            </Link>
            <Link className="button" href={`~/logs?customer=${item.id}`} data-testid="customer-logs-link">
              Logs
            </Link>
            {mayWrite && (
              <>
                <button
                  type="button"
                  className="button"
                  data-testid="customer-edit"
                  onClick={() => setEditing(true)}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="button danger"
                  data-testid="customer-delete"
                  onClick={() => setDeleting(true)}
                >
                  Delete
                </button>
              </>
            )}
          </>
        }
      />
      <Details customer={item} />
      <Instances customerId={item.id} instances={instances} />
      <CustomerUsers customerId={item.id} customerName={item.name} />
      <Connections customerId={item.id} />
      {editing && <CustomerFormDialog customer={item} onClose={() => setEditing(false)} />}
      {deleting && (
        <DeleteCustomerDialog
          customer={item}
          instanceCount={instanceCount}
          onClose={() => setDeleting(false)}
        />
      )}
    </div>
  );
}

function Details({ customer }: { customer: Customer }) {
  return (
    <Section title="Details" id="customer-details">
      <dl className="facts">
        <div>
          <dt>Name</dt>
          <dd>{customer.name}</dd>
        </div>
        <div>
          <dt>External id</dt>
          <dd className="mono">{customer.externalId ?? <span className="muted">none</span>}</dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>
            <When value={customer.createdAt} />
          </dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd>
            <When value={customer.updatedAt} />
          </dd>
        </div>
        <div>
          <dt>Weft id</dt>
          <dd className="mono small">{customer.id}</dd>
        </div>
        {customer.labels.length > 0 && (
          <div>
            <dt>Labels</dt>
            <dd className="row wrap">
              {customer.labels.map((label) => (
                <span key={label} className="chip">
                  {label}
                </span>
              ))}
            </dd>
          </div>
        )}
        <div className="wide">
          <dt>Description</dt>
          <dd>{customer.description || <span className="muted">No description.</span>}</dd>
        </div>
      </dl>
    </Section>
  );
}

function Instances({
  customerId,
  instances,
}: {
  customerId: string;
  instances: ReturnType<typeof useCustomerInstances>;
}) {
  const { can } = useConsole();
  const rows = useMemo(() => instances.data?.pages.flatMap((page) => page.items) ?? [], [instances.data]);
  return (
    <Section
      title="Instances"
      id="customer-instances-section"
      actions={
        can('instances:write') && (
          <Link
            className="button primary"
            href={`~/instances/new?customer=${customerId}`}
            data-testid="customer-new-instance"
          >
            New instance
          </Link>
        )
      }
    >
      <div data-testid="customer-instances">
        {instances.isPending ? (
          <Loading />
        ) : instances.isError ? (
          <ErrorNotice onRetry={() => void instances.refetch()}>{messageOf(instances.error)}</ErrorNotice>
        ) : rows.length === 0 ? (
          <div className="empty">
            No instances yet: deploy an integration to this customer with New instance.
          </div>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Instance</th>
                  <th scope="col">Integration</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="customers-optional">
                    Version
                  </th>
                  <th scope="col" className="customers-optional">
                    Deployed
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((instance) => (
                  <tr key={instance.id}>
                    <td>
                      <Link href={`~/instances/${instance.id}`}>{instance.name}</Link>
                    </td>
                    <td>
                      <Link href={`~/integrations/${instance.integration.id}`}>
                        {instance.integration.name}
                      </Link>
                    </td>
                    <td>
                      <InstanceStatus instance={instance} />
                    </td>
                    <td className="customers-optional">v{instance.versionNumber}</td>
                    <td className="small muted customers-optional">
                      {instance.deployedAt ? <When value={instance.deployedAt} /> : 'never'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {instances.hasNextPage && (
          <button
            type="button"
            className="button"
            disabled={instances.isFetchingNextPage}
            onClick={() => void instances.fetchNextPage()}
          >
            {instances.isFetchingNextPage ? 'Loading…' : 'Show more instances'}
          </button>
        )}
      </div>
    </Section>
  );
}

function Connections({ customerId }: { customerId: string }) {
  const connections = useCustomerConnections(customerId);
  return (
    <Section title="Connections" id="customer-connections">
      <div data-testid="customer-connections" className="stack-tight">
        <p className="small muted">
          Organization connections held per customer, and this customer's credentials for each.
        </p>
        {connections.isPending ? (
          <Loading />
        ) : connections.isError ? (
          <ErrorNotice onRetry={() => void connections.refetch()}>{messageOf(connections.error)}</ErrorNotice>
        ) : connections.data.length === 0 ? (
          <div className="empty">
            Your organization has no per-customer connections. <Link href="~/connections">Connections</Link>
          </div>
        ) : (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Connection</th>
                  <th scope="col" className="customers-optional">
                    Scope
                  </th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {connections.data.map(({ connection, credentials }) => (
                  <tr key={connection.id}>
                    <td>
                      <Link href={`~/connections/${connection.id}?customer=${customerId}`}>
                        {connection.name}
                      </Link>
                      <div className="small muted mono">{connection.stableKey}</div>
                    </td>
                    <td className="small customers-optional">{kindLabel[connection.kind]}</td>
                    <td>
                      <CredentialsStatus credentials={credentials} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
    </Section>
  );
}
