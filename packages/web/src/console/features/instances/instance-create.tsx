import { WeftApiError } from '@weft/client';
import { useEffect, useId, useState } from 'react';
import { useLocation, useSearchParams } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { PageHeader } from '../../ui/page.js';
import { useCustomerOptions } from './instances-list.js';
import { useCreateInstance } from './mutations.js';
import { useCustomer, useIntegration, useIntegrationSearch, useIntegrationVersions } from './queries.js';
import { type PickerOption, SearchPicker } from './search-picker.js';
import './instances.css';

function useIntegrationOptions(search: string, enabled: boolean) {
  const integrations = useIntegrationSearch(search, enabled);
  return {
    items: (integrations.data?.items ?? [])
      .filter((integration) => integration.latestVersionNumber !== null)
      .map((integration) => ({
        id: integration.id,
        name: integration.name,
        detail: integration.category,
      })),
    isFetching: integrations.isFetching,
    error: integrations.error,
  };
}

/** `/instances/new?customer=&integration=`: a customer, an integration and its version, a name; then configure. */
export function InstanceCreate() {
  const { can } = useConsole();
  const [params] = useSearchParams();
  const [, navigate] = useLocation();
  const formId = useId();
  const givenCustomer = params.get('customer') ?? undefined;
  const givenIntegration = params.get('integration') ?? undefined;
  const customerQuery = useCustomer(givenCustomer);
  const integrationQuery = useIntegration(givenIntegration);
  const [customer, setCustomer] = useState<PickerOption>();
  const [integration, setIntegration] = useState<PickerOption>();
  const [versionNumber, setVersionNumber] = useState<number>();
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const create = useCreateInstance();
  const versions = useIntegrationVersions(integration?.id);

  // Choices given in the URL arrive by id; their names come from the API.
  useEffect(() => {
    if (customerQuery.data && !customer) {
      setCustomer({
        id: customerQuery.data.id,
        name: customerQuery.data.name,
        detail: customerQuery.data.externalId,
      });
    }
  }, [customerQuery.data, customer]);
  useEffect(() => {
    if (integrationQuery.data && !integration) {
      setIntegration({ id: integrationQuery.data.id, name: integrationQuery.data.name });
    }
  }, [integrationQuery.data, integration]);

  // The name follows the integration until the user writes their own (Prismatic names instances after it).
  useEffect(() => {
    if (!nameTouched) setName(integration?.name ?? '');
  }, [integration, nameTouched]);

  const available = (versions.data?.items ?? [])
    .filter((version) => version.available)
    .sort((a, b) => b.versionNumber - a.versionNumber);

  if (!can('instances:write')) {
    return (
      <div className="stack">
        <PageHeader title="New instance" back={{ href: '/', label: 'Instances' }} />
        <div className="notice info">Your role cannot create instances.</div>
      </div>
    );
  }

  async function submit() {
    const errors: Record<string, string> = {};
    if (!customer) errors.customer = 'Choose a customer.';
    if (!integration) errors.integration = 'Choose an integration.';
    if (!name.trim()) errors.name = 'Give the instance a name.';
    setFieldErrors(errors);
    if (!customer || !integration || !name.trim()) return;
    try {
      const instance = await create.mutateAsync({
        customerId: customer.id,
        integrationId: integration.id,
        name: name.trim(),
        ...(versionNumber ? { versionNumber } : {}),
      });
      navigate(`/${instance.id}/configure`);
    } catch (error) {
      if (error instanceof WeftApiError && error.status === 409) setFieldErrors({ name: error.message });
      else if (error instanceof WeftApiError && typeof error.details.field === 'string') {
        setFieldErrors({ [error.details.field.replace(/^\/?body\/?/, '')]: error.message });
      }
    }
  }

  const fieldNamed = new Set(Object.keys(fieldErrors));
  const generalError =
    create.error && !fieldNamed.has('name') && !fieldNamed.has('customer') && !fieldNamed.has('integration')
      ? messageOf(create.error)
      : undefined;

  return (
    <div className="stack">
      <PageHeader
        title="New instance"
        description="Deploy an integration to a customer: choose both, then configure it with the config wizard."
        back={{ href: '/', label: 'Instances' }}
      />
      <form
        id={formId}
        className="card stack instance-create"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        {customerQuery.isError && <ErrorNotice>{messageOf(customerQuery.error)}</ErrorNotice>}
        <SearchPicker
          label="Customer"
          testId="instance-create-customer"
          placeholder="Search customers by name or external id"
          value={customer}
          required
          error={fieldErrors.customer}
          onChange={(option) => {
            setCustomer(option);
            setFieldErrors(({ customer: _, ...rest }) => rest);
          }}
          useOptions={useCustomerOptions}
        />
        {integrationQuery.isError && <ErrorNotice>{messageOf(integrationQuery.error)}</ErrorNotice>}
        <SearchPicker
          label="Integration"
          testId="instance-create-integration"
          placeholder="Search published integrations"
          value={integration}
          required
          error={fieldErrors.integration}
          onChange={(option) => {
            setIntegration(option);
            setVersionNumber(undefined);
            setFieldErrors(({ integration: _, ...rest }) => rest);
          }}
          useOptions={useIntegrationOptions}
        />
        <div className="field">
          <label className="label" htmlFor={`${formId}-version`}>
            Version
          </label>
          <select
            id={`${formId}-version`}
            className="select"
            data-testid="instance-create-version"
            disabled={!integration || versions.isPending}
            value={versionNumber ?? ''}
            onChange={(event) =>
              setVersionNumber(event.target.value ? Number(event.target.value) : undefined)
            }
          >
            <option value="">
              {available[0] ? `Newest available (v${available[0].versionNumber})` : 'Newest available'}
            </option>
            {available.map((version) => (
              <option key={version.id} value={version.versionNumber}>
                v{version.versionNumber}
                {version.comment ? ` — ${version.comment.slice(0, 60)}` : ''}
              </option>
            ))}
          </select>
          {versions.isError && <p className="error small">{messageOf(versions.error)}</p>}
          {integration && versions.data && available.length === 0 && (
            <p className="error small">This integration has no available version to deploy.</p>
          )}
        </div>
        <div className="field">
          <label className="label" htmlFor={`${formId}-name`}>
            Name
          </label>
          <input
            id={`${formId}-name`}
            className="input"
            data-testid="instance-create-name"
            value={name}
            maxLength={200}
            aria-invalid={fieldErrors.name ? true : undefined}
            aria-describedby={`${formId}-name-help`}
            onChange={(event) => {
              setName(event.target.value);
              setNameTouched(true);
              setFieldErrors(({ name: _, ...rest }) => rest);
            }}
          />
          <p className="help small muted" id={`${formId}-name-help`}>
            Unique among the customer's instances.
          </p>
          {fieldErrors.name && (
            <p className="error small" role="alert">
              {fieldErrors.name}
            </p>
          )}
        </div>
        {generalError && <ErrorNotice>{generalError}</ErrorNotice>}
        <div className="row">
          <button
            type="submit"
            className="button primary"
            data-testid="instance-create-submit"
            disabled={create.isPending}
          >
            {create.isPending ? 'Creating…' : 'Create and configure'}
          </button>
          <button type="button" className="button" onClick={() => navigate('/')}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
