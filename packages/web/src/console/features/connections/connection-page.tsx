import { useState } from 'react';
import { Link, useSearch } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import {
  CredentialsDialog,
  DeleteConnectionDialog,
  EditConnectionDialog,
  RemoveCustomerDialog,
} from './connection-dialogs.js';
import type { PickedCustomer } from './customer-picker.js';
import {
  AuthorizeButton,
  CredentialsFacts,
  CredentialsStatus,
  kindHelp,
  kindLabel,
  TestButton,
} from './parts.js';
import {
  type Connection,
  type ConnectionType,
  type CustomerConnection,
  typeOf,
  useConnection,
  useConnectionCustomers,
  useConnectionTypes,
  useConnectionUsage,
} from './queries.js';
import './connections.css';

/** One connection: what it is, its credentials (global, or each customer's), authorize, test, where used. */
export default function ConnectionPage({ connectionId }: { connectionId: string }) {
  const { can } = useConsole();
  const mayWrite = can('connections:write');
  const connection = useConnection(connectionId);
  const types = useConnectionTypes();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);

  if (connection.isPending) return <Loading />;
  if (connection.isError) {
    return (
      <>
        <PageHeader title="Connection" back={{ href: '/', label: 'Connections' }} />
        <ErrorNotice onRetry={() => void connection.refetch()}>{messageOf(connection.error)}</ErrorNotice>
      </>
    );
  }
  const item = connection.data;
  const type = typeOf(types.data, item);

  return (
    <div className="stack connections-page">
      <PageHeader
        title={item.name}
        back={{ href: '/', label: 'Connections' }}
        description={item.description || undefined}
        meta={
          <>
            <span className="chip">{kindLabel[item.kind]}</span>
            <span>
              Stable key <code>{item.stableKey}</code>
            </span>
            <CopyButton value={item.stableKey} label="Copy key" />
          </>
        }
        actions={
          mayWrite && (
            <>
              <button
                type="button"
                className="button"
                data-testid="connection-edit"
                onClick={() => setEditing(true)}
              >
                Edit
              </button>
              <button
                type="button"
                className="button danger"
                data-testid="connection-delete"
                onClick={() => setDeleting(true)}
              >
                Delete
              </button>
            </>
          )
        }
      />
      <Section title="About" id="connection-about">
        <dl className="facts">
          <div>
            <dt>Type</dt>
            <dd>{type ? `${type.componentLabel}: ${type.label}` : `${item.component}/${item.connection}`}</dd>
          </div>
          <div>
            <dt>Component / connection</dt>
            <dd className="mono small">
              {item.component}/{item.connection}
            </dd>
          </div>
          {type?.oauth2Type && (
            <div>
              <dt>OAuth 2.0</dt>
              <dd>
                {type.oauth2Type === 'authorization_code' ? 'Authorization code' : 'Client credentials'}
              </dd>
            </div>
          )}
          <div>
            <dt>Created</dt>
            <dd>
              <When value={item.createdAt} />
            </dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>
              <When value={item.updatedAt} />
            </dd>
          </div>
          <div className="wide">
            <dt>Scope</dt>
            <dd>{kindHelp[item.kind]}</dd>
          </div>
        </dl>
      </Section>
      {item.kind === 'org_global' ? (
        <GlobalCredentials connection={item} type={type} mayWrite={mayWrite} />
      ) : (
        <CustomersCredentials connection={item} type={type} mayWrite={mayWrite} />
      )}
      <Usage connection={item} />
      {editing && <EditConnectionDialog connection={item} onClose={() => setEditing(false)} />}
      {deleting && <DeleteConnectionDialog connection={item} onClose={() => setDeleting(false)} />}
    </div>
  );
}

function GlobalCredentials({
  connection,
  type,
  mayWrite,
}: {
  connection: Connection;
  type: ConnectionType | undefined;
  mayWrite: boolean;
}) {
  const [editing, setEditing] = useState(false);
  const credentials = connection.credentials;
  const oauth = type?.oauth2Type === 'authorization_code';
  return (
    <Section
      title="Credentials"
      id="connection-credentials"
      actions={
        mayWrite && (
          <button
            type="button"
            className="button"
            data-testid="connection-edit-inputs"
            onClick={() => setEditing(true)}
          >
            {credentials ? 'Edit inputs' : 'Set inputs'}
          </button>
        )
      }
    >
      {credentials ? (
        <>
          <CredentialsFacts credentials={credentials} />
          <StoredInputs type={type} fields={credentials.fields} />
          {mayWrite && (
            <div className="row wrap connections-actions">
              {oauth && (
                <AuthorizeButton
                  connectionId={connection.id}
                  connected={credentials.status === 'connected'}
                />
              )}
              <TestButton connectionId={connection.id} />
            </div>
          )}
        </>
      ) : (
        <div className="empty">
          <CredentialsStatus credentials={null} /> No inputs are set: instances using it fail until they are.
        </div>
      )}
      {editing && (
        <CredentialsDialog
          connection={connection}
          type={type}
          stored={credentials?.fields}
          onClose={() => setEditing(false)}
        />
      )}
    </Section>
  );
}

/** The stored inputs as the API shows them (secrets masked). */
function StoredInputs({
  type,
  fields,
}: {
  type: ConnectionType | undefined;
  fields: Record<string, unknown>;
}) {
  const entries = Object.entries(fields);
  if (entries.length === 0) return null;
  const labelOf = (key: string) => type?.inputs.find((input) => input.key === key)?.label ?? key;
  return (
    <details className="connections-stored">
      <summary>Stored inputs</summary>
      <dl className="facts">
        {entries.map(([key, value]) => (
          <div key={key}>
            <dt>{labelOf(key)}</dt>
            <dd className="mono small">{String(value)}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function CustomersCredentials({
  connection,
  type,
  mayWrite,
}: {
  connection: Connection;
  type: ConnectionType | undefined;
  mayWrite: boolean;
}) {
  const customers = useConnectionCustomers(connection.id, true);
  const focus = new URLSearchParams(useSearch()).get('customer');
  const [adding, setAdding] = useState(false);
  const [editing, setEditing] = useState<CustomerConnection>();
  const [removing, setRemoving] = useState<PickedCustomer>();
  const [selected, setSelected] = useState<string | undefined>(focus ?? undefined);
  const oauth = type?.oauth2Type === 'authorization_code';
  const rows = customers.data ?? [];
  const current = rows.find((row) => row.customer.id === selected);

  return (
    <Section
      title="Customers"
      id="connection-customers"
      actions={
        mayWrite && (
          <button
            type="button"
            className="button"
            data-testid="connection-add-customer"
            onClick={() => setAdding(true)}
          >
            Add customer
          </button>
        )
      }
    >
      <p className="small muted">
        {connection.kind === 'customer_activated'
          ? 'Customers enter these credentials themselves in the marketplace; you can set or fix them here too.'
          : 'Set each customer’s credentials; that customer’s instances use them.'}
      </p>
      {customers.isPending ? (
        <Loading />
      ) : customers.isError ? (
        <ErrorNotice onRetry={() => void customers.refetch()}>{messageOf(customers.error)}</ErrorNotice>
      ) : rows.length === 0 ? (
        <div className="empty">No customer has credentials for this connection yet.</div>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="connection-customers-table">
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Status</th>
                <th scope="col" className="connections-optional">
                  Updated
                </th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => (
                <tr
                  key={row.customer.id}
                  className={row.customer.id === selected ? 'connections-selected' : undefined}
                >
                  <td>
                    <Link href={`~/customers/${row.customer.id}`}>{row.customer.name}</Link>
                    {row.customer.externalId && (
                      <div className="small muted mono">{row.customer.externalId}</div>
                    )}
                  </td>
                  <td>
                    <CredentialsStatus credentials={row.credentials} />
                    {row.credentials.status === 'error' && row.credentials.statusMessage && (
                      <div className="small error-text">{row.credentials.statusMessage}</div>
                    )}
                  </td>
                  <td className="small muted connections-optional">
                    <When value={row.credentials.updatedAt} />
                  </td>
                  <td>
                    <div className="row wrap connections-row-actions">
                      <button
                        type="button"
                        className="button small-button"
                        aria-pressed={row.customer.id === selected}
                        onClick={() =>
                          setSelected(row.customer.id === selected ? undefined : row.customer.id)
                        }
                      >
                        Details
                      </button>
                      {mayWrite && (
                        <>
                          <button
                            type="button"
                            className="button small-button"
                            aria-label={`Edit inputs of ${row.customer.name}`}
                            onClick={() => setEditing(row)}
                          >
                            Edit inputs
                          </button>
                          <button
                            type="button"
                            className="button link danger-link small"
                            aria-label={`Remove ${row.customer.name}'s credentials`}
                            onClick={() => setRemoving({ id: row.customer.id, name: row.customer.name })}
                          >
                            Remove
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {current && (
        <section
          className="card stack connections-customer-detail"
          aria-label={`${current.customer.name}'s credentials`}
        >
          <h3>{current.customer.name}</h3>
          <CredentialsFacts credentials={current.credentials} />
          <StoredInputs type={type} fields={current.credentials.fields} />
          {mayWrite && (
            <div className="row wrap connections-actions">
              {oauth && (
                <AuthorizeButton
                  key={current.customer.id}
                  connectionId={connection.id}
                  customer={current.customer.id}
                  connected={current.credentials.status === 'connected'}
                />
              )}
              <TestButton
                key={current.customer.id}
                connectionId={connection.id}
                customer={current.customer.id}
              />
            </div>
          )}
        </section>
      )}
      {adding && (
        <CredentialsDialog
          connection={connection}
          type={type}
          stored={undefined}
          onClose={() => setAdding(false)}
        />
      )}
      {editing && (
        <CredentialsDialog
          connection={connection}
          type={type}
          customer={{ id: editing.customer.id, name: editing.customer.name }}
          stored={editing.credentials.fields}
          onClose={() => setEditing(undefined)}
        />
      )}
      {removing && (
        <RemoveCustomerDialog
          connection={connection}
          customer={removing}
          onClose={() => setRemoving(undefined)}
        />
      )}
    </Section>
  );
}

function Usage({ connection }: { connection: Connection }) {
  const usage = useConnectionUsage(connection.id);
  return (
    <Section title="Where used" id="connection-usage">
      {usage.isPending ? (
        <Loading />
      ) : usage.isError ? (
        <ErrorNotice onRetry={() => void usage.refetch()}>{messageOf(usage.error)}</ErrorNotice>
      ) : usage.data.integrations.length === 0 ? (
        <div className="empty">
          No integration names <code>{connection.stableKey}</code> yet. A connection config variable uses it
          with <code>useScopedConfigVar: {connection.stableKey}</code>.
        </div>
      ) : (
        <ul className="connections-usage">
          {usage.data.integrations.map((integration) => (
            <li key={integration.id} className="row wrap">
              <Link href={`~/integrations/${integration.id}`}>{integration.name}</Link>
              <span className="small muted">
                {integration.instanceCount} instance{integration.instanceCount === 1 ? '' : 's'}
              </span>
              {integration.instanceCount > 0 && (
                <Link className="small" href={`~/instances?integration=${integration.id}`}>
                  See instances
                </Link>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}
