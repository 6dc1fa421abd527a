import { useId, useState } from 'react';
import { useLocation } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ConfirmDialog, Dialog } from '../../ui/dialog.js';
import { formErrorOf } from '../../ui/field-errors.js';
import { useCreateCustomer, useDeleteCustomer, useUpdateCustomer } from './mutations.js';
import type { Customer } from './queries.js';

const fields = ['name', 'externalId', 'description', 'labels'] as const;

/** New customer, or edit one: name, external id, description, labels; the API's refusals at their field. */
export function CustomerFormDialog({ customer, onClose }: { customer?: Customer; onClose: () => void }) {
  const create = useCreateCustomer();
  const update = useUpdateCustomer(customer?.id ?? '');
  const mutation = customer ? update : create;
  const [, navigate] = useLocation();
  const [name, setName] = useState(customer?.name ?? '');
  const [externalId, setExternalId] = useState(customer?.externalId ?? '');
  const [description, setDescription] = useState(customer?.description ?? '');
  const [labels, setLabels] = useState(customer?.labels.join(', ') ?? '');
  const id = useId();
  const problem = formErrorOf(mutation.error, fields);
  const at = (field: (typeof fields)[number]) => (problem?.field === field ? problem.message : undefined);

  function submit(event: React.FormEvent) {
    event.preventDefault();
    const body = {
      name: name.trim(),
      externalId: externalId.trim() || null,
      description: description.trim(),
      labels: labels
        .split(',')
        .map((label) => label.trim())
        .filter(Boolean),
    };
    if (customer) {
      update.mutate(body, { onSuccess: onClose });
    } else {
      create.mutate(body, { onSuccess: (created) => navigate(`/${created.id}`) });
    }
  }

  return (
    <Dialog
      title={customer ? `Edit ${customer.name}` : 'New customer'}
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
            disabled={mutation.isPending || name.trim() === ''}
            data-testid="customer-create-submit"
          >
            {mutation.isPending ? 'Saving…' : customer ? 'Save' : 'Create customer'}
          </button>
        </>
      }
    >
      <form id={`${id}-form`} className="stack" onSubmit={submit} noValidate>
        <Field id={`${id}-name`} label="Name" error={at('name')} help="Unique in your organization.">
          <input
            id={`${id}-name`}
            className="input"
            required
            maxLength={200}
            value={name}
            autoComplete="off"
            data-testid="customer-name-input"
            aria-invalid={at('name') ? true : undefined}
            aria-describedby={`${id}-name-help${at('name') ? ` ${id}-name-error` : ''}`}
            onChange={(event) => setName(event.target.value)}
          />
        </Field>
        <Field
          id={`${id}-external`}
          label="External id"
          error={at('externalId')}
          help="The customer's id in your own app. Embedded sign-in names the customer by it; leave empty if you do not embed."
        >
          <input
            id={`${id}-external`}
            className="input mono"
            maxLength={200}
            value={externalId}
            autoComplete="off"
            spellCheck={false}
            data-testid="customer-external-id-input"
            aria-invalid={at('externalId') ? true : undefined}
            aria-describedby={`${id}-external-help${at('externalId') ? ` ${id}-external-error` : ''}`}
            onChange={(event) => setExternalId(event.target.value)}
          />
        </Field>
        <Field id={`${id}-description`} label="Description" error={at('description')}>
          <textarea
            id={`${id}-description`}
            className="textarea"
            rows={3}
            maxLength={5000}
            value={description}
            data-testid="customer-description-input"
            aria-invalid={at('description') ? true : undefined}
            onChange={(event) => setDescription(event.target.value)}
          />
        </Field>
        <Field id={`${id}-labels`} label="Labels" error={at('labels')} help="Comma-separated, for filtering.">
          <input
            id={`${id}-labels`}
            className="input"
            value={labels}
            autoComplete="off"
            data-testid="customer-labels-input"
            aria-describedby={`${id}-labels-help`}
            onChange={(event) => setLabels(event.target.value)}
          />
        </Field>
        {problem && !problem.field && (
          <div className="notice error" role="alert">
            {problem.message}
          </div>
        )}
      </form>
    </Dialog>
  );
}

function Field({
  id,
  label,
  help,
  error,
  children,
}: {
  id: string;
  label: string;
  help?: string;
  error: string | undefined;
  children: React.ReactNode;
}) {
  return (
    <div className="field">
      <label className="label" htmlFor={id}>
        {label}
      </label>
      {children}
      {help && (
        <span className="help" id={`${id}-help`}>
          {help}
        </span>
      )}
      {error && (
        <span className="error" id={`${id}-error`} role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Deleting a customer deletes its instances (and their executions), users and connection credentials with it. */
export function DeleteCustomerDialog({
  customer,
  instanceCount,
  onClose,
}: {
  customer: Customer;
  instanceCount: number | undefined;
  onClose: () => void;
}) {
  const remove = useDeleteCustomer();
  const [, navigate] = useLocation();
  return (
    <ConfirmDialog
      title={`Delete ${customer.name}?`}
      confirmLabel="Delete customer"
      busy={remove.isPending}
      error={remove.error ? messageOf(remove.error) : undefined}
      onClose={onClose}
      onConfirm={() => remove.mutate(customer, { onSuccess: () => navigate('/', { replace: true }) })}
    >
      <p>This cannot be undone. Deleting the customer also deletes:</p>
      <ul>
        <li>
          {instanceCount === undefined
            ? 'all its instances'
            : `its ${instanceCount} instance${instanceCount === 1 ? '' : 's'}`}
          , with their configuration, executions and logs;
        </li>
        <li>its customer users (embedded sign-in creates them again if the customer signs in again);</li>
        <li>its credentials for organization connections.</li>
      </ul>
      <p className="small muted">
        Instances with webhooks registered at a third party must be deleted first, so their subscriptions are
        removed.
      </p>
    </ConfirmDialog>
  );
}
