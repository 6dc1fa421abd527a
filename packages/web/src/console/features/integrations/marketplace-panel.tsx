import { useEffect, useId, useState } from 'react';
import { messageOf, WeftApiError } from '../../../shared/api.js';
import { markdownToHtml } from '../../../shared/html.js';
import { SanitizedHtml } from '../../../shared/sanitized-html.js';
import { ErrorNotice, Loading } from '../../../shared/ui.js';
import { useConsole } from '../../console-context.js';
import { Section } from '../../ui/page.js';
import { type MarketplaceUpdate, useUpdateMarketplace } from './mutations.js';
import { useMarketplaceSettings } from './queries.js';
import type { IntegrationSummary } from './state.js';

interface Form {
  listed: boolean;
  customerDeployable: boolean;
  allowMultipleInstances: boolean;
  overview: string;
  versionNumber: number | null;
}

/** Which field an error belongs to: the route's validation names it; a refused listing is the "listed" box's. */
function fieldOf(error: unknown): string | undefined {
  if (!(error instanceof WeftApiError)) return undefined;
  if (error.code === 'MARKETPLACE_NO_AVAILABLE_VERSION') return 'listed';
  const field = error.details.field;
  if (typeof field === 'string') return field.replace(/^\/?body\/?/, '').split('/')[0];
  if (error.code?.startsWith('MARKETPLACE_VERSION')) return 'versionNumber';
  return undefined;
}

/** `/integrations/:id/marketplace`: whether and how customers find and activate the integration themselves. */
export function MarketplacePanel({ integration }: { integration: IntegrationSummary }) {
  const { can } = useConsole();
  const settings = useMarketplaceSettings(integration.id);
  const save = useUpdateMarketplace(integration.id);
  const [form, setForm] = useState<Form | null>(null);
  const [preview, setPreview] = useState(false);
  const ids = {
    listed: useId(),
    deployable: useId(),
    multiple: useId(),
    overview: useId(),
    version: useId(),
  };
  const readOnly = !can('integrations:write');

  useEffect(() => {
    if (settings.data) {
      setForm({
        listed: settings.data.listed,
        customerDeployable: settings.data.customerDeployable,
        allowMultipleInstances: settings.data.allowMultipleInstances,
        overview: settings.data.overview,
        versionNumber: settings.data.versionNumber,
      });
    }
  }, [settings.data]);

  if (settings.isPending || (settings.isSuccess && !form))
    return <Loading label="Loading marketplace settings…" />;
  if (settings.isError) {
    return <ErrorNotice onRetry={() => settings.refetch()}>{messageOf(settings.error)}</ErrorNotice>;
  }
  if (!form) return null;
  const current = settings.data;
  const errorField = fieldOf(save.error);
  const errorAt = (field: string) =>
    errorField === field ? (
      <span className="error" id={`marketplace-${field}-error`}>
        {messageOf(save.error)}
      </span>
    ) : null;
  const described = (field: string, help?: string) =>
    [errorField === field ? `marketplace-${field}-error` : '', help ?? ''].filter(Boolean).join(' ') ||
    undefined;
  const changes: MarketplaceUpdate = {};
  if (form.listed !== current.listed) changes.listed = form.listed;
  if (form.customerDeployable !== current.customerDeployable)
    changes.customerDeployable = form.customerDeployable;
  if (form.allowMultipleInstances !== current.allowMultipleInstances)
    changes.allowMultipleInstances = form.allowMultipleInstances;
  if (form.overview !== current.overview) changes.overview = form.overview;
  if (form.versionNumber !== current.versionNumber) changes.versionNumber = form.versionNumber;
  const dirty = Object.keys(changes).length > 0;
  const set = (patch: Partial<Form>) => setForm({ ...form, ...patch });

  return (
    <Section title="Marketplace" id="marketplace">
      <p className="small muted">
        {current.offeredVersionNumber === null
          ? 'No version is available, so customers are offered nothing yet. Publish a version first.'
          : `Customers who activate it now get version ${current.offeredVersionNumber}. Instances already activated are not changed.`}
      </p>
      <form
        className="stack marketplace-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (dirty) save.mutate(changes);
        }}
      >
        <fieldset className="stack-tight" disabled={readOnly}>
          <legend className="visually-hidden">Visibility</legend>
          <div className="field">
            <label className="row check" htmlFor={ids.listed}>
              <input
                id={ids.listed}
                type="checkbox"
                checked={form.listed}
                onChange={(event) => set({ listed: event.target.checked })}
                aria-describedby={described('listed', `${ids.listed}-help`)}
                data-testid="marketplace-listed"
              />
              <span>Listed in the marketplace</span>
            </label>
            <span className="help" id={`${ids.listed}-help`}>
              Customers see it in their marketplace and in the embedded one.
            </span>
            {errorAt('listed')}
          </div>
          <div className="field">
            <label className="row check" htmlFor={ids.deployable}>
              <input
                id={ids.deployable}
                type="checkbox"
                checked={form.customerDeployable}
                onChange={(event) => set({ customerDeployable: event.target.checked })}
                aria-describedby={described('customerDeployable', `${ids.deployable}-help`)}
                data-testid="marketplace-deployable"
              />
              <span>Customers may activate it themselves</span>
            </label>
            <span className="help" id={`${ids.deployable}-help`}>
              Otherwise they are told to ask your team, who deploy it for them.
            </span>
            {errorAt('customerDeployable')}
          </div>
          <div className="field">
            <label className="row check" htmlFor={ids.multiple}>
              <input
                id={ids.multiple}
                type="checkbox"
                checked={form.allowMultipleInstances}
                onChange={(event) => set({ allowMultipleInstances: event.target.checked })}
                aria-describedby={described('allowMultipleInstances', `${ids.multiple}-help`)}
                data-testid="marketplace-multiple"
              />
              <span>Allow more than one instance per customer</span>
            </label>
            <span className="help" id={`${ids.multiple}-help`}>
              For example one instance per store a customer connects.
            </span>
            {errorAt('allowMultipleInstances')}
          </div>
        </fieldset>
        <div className="field">
          <label htmlFor={ids.version}>Version offered</label>
          <select
            id={ids.version}
            className="select"
            value={form.versionNumber ?? ''}
            disabled={readOnly}
            onChange={(event) =>
              set({ versionNumber: event.target.value ? Number(event.target.value) : null })
            }
            aria-describedby={described('versionNumber')}
            data-testid="marketplace-version"
          >
            <option value="">The newest available version</option>
            {current.availableVersions.map((version) => (
              <option key={version} value={version}>
                Version {version}
              </option>
            ))}
          </select>
          {errorAt('versionNumber')}
        </div>
        <div className="field">
          <div className="row">
            <label htmlFor={ids.overview} className="spacer label">
              Overview (Markdown)
            </label>
            <button
              type="button"
              className="button link"
              onClick={() => setPreview(!preview)}
              aria-pressed={preview}
            >
              {preview ? 'Edit' : 'Preview'}
            </button>
          </div>
          {preview ? (
            <div className="card markdown marketplace-preview">
              {form.overview ? (
                <SanitizedHtml html={markdownToHtml(form.overview)} />
              ) : (
                <span className="muted">Nothing written yet.</span>
              )}
            </div>
          ) : (
            <textarea
              id={ids.overview}
              className="textarea mono"
              rows={8}
              maxLength={20_000}
              readOnly={readOnly}
              value={form.overview}
              onChange={(event) => set({ overview: event.target.value })}
              aria-describedby={described('overview', `${ids.overview}-help`)}
              data-testid="marketplace-overview"
            />
          )}
          <span className="help" id={`${ids.overview}-help`}>
            What customers read before activating it.
          </span>
          {errorAt('overview')}
        </div>
        {save.isError && !errorField && <ErrorNotice>{messageOf(save.error)}</ErrorNotice>}
        {!readOnly && (
          <div className="row wrap">
            <button
              type="submit"
              className="button primary"
              disabled={!dirty || save.isPending}
              data-testid="marketplace-save"
            >
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
            {dirty && (
              <button
                type="button"
                className="button"
                onClick={() => {
                  save.reset();
                  setForm({
                    listed: current.listed,
                    customerDeployable: current.customerDeployable,
                    allowMultipleInstances: current.allowMultipleInstances,
                    overview: current.overview,
                    versionNumber: current.versionNumber,
                  });
                }}
              >
                Discard changes
              </button>
            )}
          </div>
        )}
      </form>
    </Section>
  );
}
