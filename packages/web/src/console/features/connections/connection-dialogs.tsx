import { useId, useState } from 'react';
import { useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { formErrorOf } from '../../ui/field-errors.js';
import { CustomerPicker, type PickedCustomer } from './customer-picker.js';
import {
  useCreateConnection,
  useDeleteConnection,
  useRemoveCustomerCredentials,
  useSetCustomerCredentials,
  useUpdateConnection,
} from './mutations.js';
import { changedValues, InputsForm, inputNamedIn, kindHelp, kindLabel, type Values } from './parts.js';
import {
  type Connection,
  type ConnectionKind,
  type ConnectionType,
  type Credentials,
  useConnectionTypes,
} from './queries.js';

const kinds: ConnectionKind[] = ['org_global', 'org_customer', 'customer_activated'];
const createFields = ['stableKey', 'name', 'description', 'kind', 'component', 'values'] as const;

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 200);

/** New connection: its scope, its type (a component's connection), and for a global one its inputs. */
export function CreateConnectionDialog({ onClose }: { onClose: () => void }) {
  const types = useConnectionTypes();
  const create = useCreateConnection();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [stableKey, setStableKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const [description, setDescription] = useState('');
  const [kind, setKind] = useState<ConnectionKind>('org_global');
  const [typeKey, setTypeKey] = useState('');
  const [values, setValues] = useState<Values>({});
  const id = useId();
  const type = types.data?.find((candidate) => `${candidate.component}/${candidate.connection}` === typeKey);
  const problem = formErrorOf(create.error, createFields);
  const at = (field: (typeof createFields)[number]) =>
    problem?.field === field ? problem.message : undefined;
  const inputError =
    type && problem && !problem.field ? inputNamedIn(problem.message, type.inputs) : undefined;

  return (
    <Dialog
      wide
      title="New connection"
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button primary"
            disabled={create.isPending || !type || !name.trim() || !stableKey.trim()}
            data-testid="connection-create-submit"
          >
            {create.isPending ? 'Creating…' : 'Create connection'}
          </button>
        </>
      }
    >
      {types.isPending ? (
        <Loading />
      ) : types.isError ? (
        <ErrorNotice onRetry={() => void types.refetch()}>{messageOf(types.error)}</ErrorNotice>
      ) : (
        <form
          id={`${id}-form`}
          className="stack"
          noValidate
          onSubmit={(event) => {
            event.preventDefault();
            if (!type) return;
            create.mutate(
              {
                stableKey: stableKey.trim(),
                kind,
                name: name.trim(),
                description: description.trim(),
                component: type.component,
                connection: type.connection,
                ...(kind === 'org_global' ? { values: changedValues(values, undefined) } : {}),
              },
              { onSuccess: (created) => navigate(`/${created.id}`) },
            );
          }}
        >
          <div className="connections-form-grid">
            <div className="field">
              <label className="label" htmlFor={`${id}-name`}>
                Name
              </label>
              <input
                id={`${id}-name`}
                className="input"
                value={name}
                required
                autoComplete="off"
                data-testid="connection-name-input"
                aria-invalid={at('name') ? true : undefined}
                onChange={(event) => {
                  setName(event.target.value);
                  if (!keyEdited) setStableKey(slug(event.target.value));
                }}
              />
              {at('name') && (
                <span className="error" role="alert">
                  {at('name')}
                </span>
              )}
            </div>
            <div className="field">
              <label className="label" htmlFor={`${id}-key`}>
                Stable key
              </label>
              <input
                id={`${id}-key`}
                className="input mono"
                value={stableKey}
                required
                spellCheck={false}
                autoComplete="off"
                data-testid="connection-key-input"
                aria-invalid={at('stableKey') ? true : undefined}
                aria-describedby={`${id}-key-help${at('stableKey') ? ` ${id}-key-error` : ''}`}
                onChange={(event) => {
                  setStableKey(event.target.value);
                  setKeyEdited(true);
                }}
              />
              <span className="help" id={`${id}-key-help`}>
                What integrations name it by (useScopedConfigVar). Letters, digits, . _ -
              </span>
              {at('stableKey') && (
                <span className="error" id={`${id}-key-error`} role="alert">
                  {at('stableKey')}
                </span>
              )}
            </div>
          </div>
          <div className="field">
            <label className="label" htmlFor={`${id}-description`}>
              Description
            </label>
            <input
              id={`${id}-description`}
              className="input"
              value={description}
              onChange={(event) => setDescription(event.target.value)}
            />
          </div>
          <fieldset className="connections-kinds">
            <legend className="label">Scope</legend>
            {kinds.map((candidate) => (
              <label key={candidate} className="connections-kind">
                <input
                  type="radio"
                  name={`${id}-kind`}
                  value={candidate}
                  checked={kind === candidate}
                  onChange={() => setKind(candidate)}
                />
                <span>
                  <strong>{kindLabel[candidate]}</strong>
                  <span className="small muted"> {kindHelp[candidate]}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label className="label" htmlFor={`${id}-type`}>
              Connection type
            </label>
            <select
              id={`${id}-type`}
              className="select"
              value={typeKey}
              required
              data-testid="connection-type-input"
              onChange={(event) => {
                setTypeKey(event.target.value);
                setValues({});
              }}
            >
              <option value="">Choose a type…</option>
              {types.data.map((candidate) => (
                <option
                  key={`${candidate.component}/${candidate.connection}`}
                  value={`${candidate.component}/${candidate.connection}`}
                >
                  {candidate.componentLabel}: {candidate.label}
                </option>
              ))}
            </select>
            {type?.description && <span className="help">{type.description}</span>}
          </div>
          {type && kind === 'org_global' && (
            <fieldset className="stack connections-inputs">
              <legend className="label">Inputs</legend>
              <InputsForm
                inputs={type.inputs}
                stored={undefined}
                values={values}
                onChange={setValues}
                errorField={inputError}
                error={problem?.message}
              />
            </fieldset>
          )}
          {type && kind !== 'org_global' && (
            <p className="notice info">
              Credentials are set per customer: add customers on the connection's page once it exists
              {kind === 'customer_activated' ? ', or let customers enter their own in the marketplace' : ''}.
            </p>
          )}
          {/* Only name and stable key show their errors at the field: any other problem shows here. */}
          {problem && problem.field !== 'name' && problem.field !== 'stableKey' && !inputError && (
            <div className="notice error" role="alert">
              {problem.message}
            </div>
          )}
        </form>
      )}
    </Dialog>
  );
}

/** Name and description of a connection. */
export function EditConnectionDialog({
  connection,
  onClose,
}: {
  connection: Connection;
  onClose: () => void;
}) {
  const update = useUpdateConnection(connection.id);
  const [name, setName] = useState(connection.name);
  const [description, setDescription] = useState(connection.description);
  const id = useId();
  return (
    <Dialog
      title={`Edit ${connection.name}`}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button primary"
            disabled={update.isPending || !name.trim()}
          >
            Save
          </button>
        </>
      }
    >
      <form
        id={`${id}-form`}
        className="stack"
        onSubmit={(event) => {
          event.preventDefault();
          update.mutate({ name: name.trim(), description: description.trim() }, { onSuccess: onClose });
        }}
      >
        <div className="field">
          <label className="label" htmlFor={`${id}-name`}>
            Name
          </label>
          <input
            id={`${id}-name`}
            className="input"
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
        <div className="field">
          <label className="label" htmlFor={`${id}-description`}>
            Description
          </label>
          <textarea
            id={`${id}-description`}
            className="textarea"
            rows={3}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
          />
        </div>
        {update.isError && (
          <div className="notice error" role="alert">
            {messageOf(update.error)}
          </div>
        )}
      </form>
    </Dialog>
  );
}

/**
 * A customer's credentials of a per-customer connection (adding a customer shares the connection with it), or
 * the global credentials when no customer is involved.
 */
export function CredentialsDialog({
  connection,
  type,
  customer: given,
  stored,
  onClose,
}: {
  connection: Connection;
  type: ConnectionType | undefined;
  customer?: PickedCustomer;
  stored: Credentials['fields'] | undefined;
  onClose: () => void;
}) {
  const perCustomer = connection.kind !== 'org_global';
  const setCustomer = useSetCustomerCredentials(connection.id);
  const update = useUpdateConnection(connection.id);
  const mutation = perCustomer ? setCustomer : update;
  const [customer, setPicked] = useState<PickedCustomer | undefined>(given);
  const [values, setValues] = useState<Values>({});
  const id = useId();
  const message = mutation.error ? messageOf(mutation.error) : undefined;
  const inputError = type ? inputNamedIn(message, type.inputs) : undefined;
  const title = perCustomer
    ? given
      ? `Credentials of ${given.name}`
      : 'Add a customer'
    : `Credentials of ${connection.name}`;

  return (
    <Dialog
      wide
      title={title}
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form={`${id}-form`}
            className="button primary"
            disabled={mutation.isPending || (perCustomer && !customer)}
            data-testid="connection-credentials-submit"
          >
            {mutation.isPending ? 'Saving…' : 'Save credentials'}
          </button>
        </>
      }
    >
      <form
        id={`${id}-form`}
        className="stack"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          const changed = changedValues(values, stored);
          if (perCustomer) {
            if (!customer) return;
            setCustomer.mutate({ customer: customer.id, values: changed }, { onSuccess: onClose });
          } else {
            update.mutate({ values: changed }, { onSuccess: onClose });
          }
        }}
      >
        {perCustomer && !given && (
          <CustomerPicker
            label="Customer"
            value={customer}
            onChange={setPicked}
            testId="connection-customer-input"
          />
        )}
        {type ? (
          <InputsForm
            inputs={type.inputs}
            stored={stored}
            values={values}
            onChange={setValues}
            errorField={inputError}
            error={message}
          />
        ) : (
          <p className="notice error">
            No component defines {connection.component}/{connection.connection} any more.
          </p>
        )}
        {message && !inputError && (
          <div className="notice error" role="alert">
            {message}
          </div>
        )}
        {type?.oauth2Type === 'authorization_code' && (
          <p className="small muted">Save the inputs, then Authorize to get a token from the provider.</p>
        )}
      </form>
    </Dialog>
  );
}

export function DeleteConnectionDialog({
  connection,
  onClose,
}: {
  connection: Connection;
  onClose: () => void;
}) {
  const remove = useDeleteConnection();
  const [, navigate] = useLocation();
  return (
    <ConfirmDialog
      title={`Delete ${connection.name}?`}
      confirmLabel="Delete connection"
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(connection, { onSuccess: () => navigate('/', { replace: true }) })}
    >
      <p>
        This deletes the connection and every credential it holds
        {connection.customerCount > 0
          ? `, including those of ${connection.customerCount} customer${connection.customerCount === 1 ? '' : 's'}`
          : ''}
        .
      </p>
      <p>
        Instances whose integrations name <code>{connection.stableKey}</code> lose their credentials and fail
        until a connection with that stable key exists again.
      </p>
    </ConfirmDialog>
  );
}

export function RemoveCustomerDialog({
  connection,
  customer,
  onClose,
}: {
  connection: Connection;
  customer: PickedCustomer;
  onClose: () => void;
}) {
  const remove = useRemoveCustomerCredentials(connection.id);
  return (
    <ConfirmDialog
      title={`Remove ${customer.name}'s credentials?`}
      confirmLabel="Remove credentials"
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate({ customer: customer.id, name: customer.name }, { onSuccess: onClose })}
    >
      <p>
        {customer.name}'s instances that use <code>{connection.stableKey}</code> fail until credentials are
        set again.
      </p>
    </ConfirmDialog>
  );
}
