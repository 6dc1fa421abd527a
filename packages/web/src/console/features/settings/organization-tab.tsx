import { useEffect, useId, useState } from 'react';
import { Link } from 'wouter';
import { messageOf } from '../../../shared/api.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { CopyButton } from '../../ui/copy-button.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { useRenameOrganization } from './mutations.js';
import { useOrganization } from './queries.js';
import { FieldError, FormError, fieldErrorsOf, formErrorOf } from './settings-common.js';

/** The organization: its name (owners change it) and the facts an integrator needs (the id for embedded JWTs). */
export default function OrganizationTab() {
  const { can } = useConsole();
  const organization = useOrganization();
  return (
    <>
      <PageHeader
        title="Organization"
        description="Your organization's name and the identifiers your app needs to embed Weft."
      />
      {organization.isPending ? (
        <Loading />
      ) : organization.isError ? (
        <ErrorNotice onRetry={() => void organization.refetch()}>{messageOf(organization.error)}</ErrorNotice>
      ) : (
        <>
          <Section title="Name" id="organization-name">
            {can('organization:write') ? (
              <RenameForm name={organization.data.name} />
            ) : (
              <p data-testid="organization-name">{organization.data.name}</p>
            )}
          </Section>
          <Section title="Details" id="organization-details">
            <dl className="facts settings-facts">
              <dt>Organization id</dt>
              <dd className="row wrap">
                <code className="mono" data-testid="organization-id">
                  {organization.data.id}
                </code>
                <CopyButton value={organization.data.id} label="Copy id" />
              </dd>
              <dt>Created</dt>
              <dd>
                <When value={organization.data.createdAt} />
              </dd>
              <dt>Active signing keys</dt>
              <dd>
                {organization.data.activeSigningKeys}
                {can('signing-keys:read') && (
                  <>
                    {' · '}
                    <Link href="/signing-keys">Manage signing keys</Link>
                  </>
                )}
              </dd>
            </dl>
            <p className="small muted">
              Your backend puts the organization id in the <code>organization</code> claim of the JWTs it
              signs for embedded sign-in, with a key from Signing keys.
            </p>
          </Section>
        </>
      )}
    </>
  );
}

function RenameForm({ name }: { name: string }) {
  const [value, setValue] = useState(name);
  const rename = useRenameOrganization();
  const inputId = useId();
  const errorId = useId();
  useEffect(() => setValue(name), [name]);
  const fieldError = fieldErrorsOf(rename.error).name;
  const trimmed = value.trim();
  return (
    <form
      className="row wrap settings-inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        if (trimmed && trimmed !== name) rename.mutate(trimmed);
      }}
    >
      <div className="field spacer">
        <label htmlFor={inputId}>Organization name</label>
        <input
          id={inputId}
          className="input"
          value={value}
          maxLength={200}
          required
          aria-invalid={fieldError ? true : undefined}
          aria-describedby={fieldError ? errorId : undefined}
          data-testid="organization-name-input"
          onChange={(event) => setValue(event.target.value)}
        />
        <FieldError id={errorId} message={fieldError} />
      </div>
      <button
        type="submit"
        className="button primary"
        disabled={rename.isPending || !trimmed || trimmed === name}
        data-testid="organization-save"
      >
        {rename.isPending ? 'Saving…' : 'Save'}
      </button>
      <div className="settings-form-error">
        <FormError message={formErrorOf(rename.error, ['name'])} />
      </div>
    </form>
  );
}
