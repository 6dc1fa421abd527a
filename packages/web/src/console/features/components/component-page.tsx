import { useId, useState } from 'react';
import { Link } from 'wouter';
import { type ApiSchema, messageOf } from '../../../shared/api.js';
import { Badge, ErrorNotice, Loading } from '../../../shared/ui.js';
import { formatBytes } from '../../ui/format.js';
import { PageHeader, Section } from '../../ui/page.js';
import { When } from '../../ui/when.js';
import { PublishHint } from './publish-hint.js';
import { useComponentUsage, useComponentVersion, useComponentVersions } from './queries.js';
import './components.css';

/** What the manifest holds of each operation (a CatalogOperation of @weft/definition, as JSON). */
interface Operation {
  key?: string;
  label?: string;
  description?: string;
  inputs?: Array<{ key: string; label?: string; type?: string; required?: boolean }>;
  oauth2Type?: string;
  dataSourceType?: string;
}

interface Manifest {
  actions?: Record<string, Operation>;
  triggers?: Record<string, Operation>;
  dataSources?: Record<string, Operation>;
  connections?: Record<string, Operation>;
}

const kinds = [
  { field: 'actions', title: 'Actions' },
  { field: 'triggers', title: 'Triggers' },
  { field: 'dataSources', title: 'Data sources' },
  { field: 'connections', title: 'Connections' },
] as const;

function OperationList({ operations }: { operations: Record<string, Operation> | undefined }) {
  const entries = Object.entries(operations ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return <p className="small muted">None.</p>;
  return (
    <ul className="component-operations">
      {entries.map(([key, operation]) => (
        <li key={key}>
          <div className="row wrap gap-small">
            <strong>{operation.label ?? key}</strong>
            <span className="mono small muted">{key}</span>
            {operation.oauth2Type && (
              <span className="chip">OAuth 2.0 ({operation.oauth2Type.replace('_', ' ')})</span>
            )}
            {operation.dataSourceType && <span className="chip">{operation.dataSourceType}</span>}
          </div>
          {operation.description && <p className="small muted">{operation.description}</p>}
          {operation.inputs && operation.inputs.length > 0 && (
            <p className="small">
              <span className="muted">Inputs: </span>
              {operation.inputs.map((input, index) => (
                <span key={input.key}>
                  {index > 0 && ', '}
                  <span className="mono">{input.key}</span>
                  {input.required && <span className="muted"> (required)</span>}
                </span>
              ))}
            </p>
          )}
        </li>
      ))}
    </ul>
  );
}

type Usage = ApiSchema<'ComponentUsage'>;

function UsageSection({ componentKey }: { componentKey: string }) {
  const usage = useComponentUsage(componentKey);
  return (
    <Section title="Where used" id="usage">
      {usage.isPending ? (
        <Loading label="Finding integrations that use it…" />
      ) : usage.isError ? (
        <ErrorNotice onRetry={() => usage.refetch()}>{messageOf(usage.error)}</ErrorNotice>
      ) : usage.data.integrations.length === 0 ? (
        <p className="muted">No integration uses it, in a draft or a published version.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" data-testid="component-usage">
            <caption className="visually-hidden">Integrations that use {componentKey}</caption>
            <thead>
              <tr>
                <th scope="col">Integration</th>
                <th scope="col">Draft</th>
                <th scope="col">Published versions</th>
              </tr>
            </thead>
            <tbody>
              {usage.data.integrations.map((row: Usage) => (
                <tr key={row.integrationId}>
                  <th scope="row">
                    <Link href={`~/integrations/${row.integrationId}`}>{row.integrationName}</Link>
                  </th>
                  <td>{row.inDraft ? 'Uses it' : <span className="muted">No</span>}</td>
                  <td className="mono">
                    {row.versions.length > 0 ? (
                      row.versions.map((v) => `v${v}`).join(', ')
                    ) : (
                      <span className="muted">None</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Section>
  );
}

/** `/components/:key`: a custom component, its versions, what each declares, and the integrations using it. */
export default function ComponentPage({ componentKey }: { componentKey: string }) {
  const versions = useComponentVersions(componentKey);
  const [picked, setPicked] = useState<number | 'LATEST'>('LATEST');
  const version = useComponentVersion(componentKey, picked);
  const pickerId = useId();

  if (versions.isPending) return <Loading label="Loading the component…" />;
  if (versions.isError) {
    return (
      <div className="stack">
        <PageHeader title={componentKey} back={{ href: '/', label: 'Custom components' }} />
        <ErrorNotice onRetry={() => versions.refetch()}>{messageOf(versions.error)}</ErrorNotice>
      </div>
    );
  }
  const latest = versions.data.versions[0];
  const manifest = (version.data?.manifest ?? {}) as Manifest;

  return (
    <div className="stack component-page">
      <PageHeader
        title={latest?.label ?? componentKey}
        back={{ href: '/', label: 'Custom components' }}
        meta={
          <>
            <span className="mono">{componentKey}</span>
            <Badge kind="unconfigured">Private</Badge>
            {latest && <span>Latest version {latest.version}</span>}
          </>
        }
        description={latest?.description || undefined}
      />
      <PublishHint componentKey={componentKey} />

      <Section title="Versions" id="component-versions">
        <div className="table-wrap">
          <table className="table" data-testid="component-versions-table">
            <caption className="visually-hidden">Versions of {componentKey}</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Published</th>
                <th scope="col">By</th>
                <th scope="col">Comment</th>
                <th scope="col" className="hide-narrow">
                  Bundle
                </th>
              </tr>
            </thead>
            <tbody>
              {versions.data.versions.map((item) => (
                <tr key={item.version}>
                  <th scope="row" className="mono">
                    v{item.version}
                  </th>
                  <td>
                    <When value={item.publishedAt} />
                  </td>
                  <td>{item.publishedBy ?? <span className="muted">Not recorded</span>}</td>
                  <td>{item.comment || <span className="muted">No comment</span>}</td>
                  <td className="hide-narrow small">
                    {formatBytes(item.bundleBytes)}{' '}
                    <span className="mono muted" title={item.sha256}>
                      {item.sha256.slice(0, 12)}
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Section>

      <Section
        title="What it declares"
        id="component-manifest"
        actions={
          <span className="row gap-small">
            <label htmlFor={pickerId} className="small muted">
              Version
            </label>
            <select
              id={pickerId}
              className="select inline-select"
              value={picked}
              onChange={(event) =>
                setPicked(event.target.value === 'LATEST' ? 'LATEST' : Number(event.target.value))
              }
              data-testid="component-version-picker"
            >
              <option value="LATEST">Latest (v{latest?.version})</option>
              {versions.data.versions.map((item) => (
                <option key={item.version} value={item.version}>
                  v{item.version}
                </option>
              ))}
            </select>
          </span>
        }
      >
        {version.isPending ? (
          <Loading label="Loading the manifest…" />
        ) : version.isError ? (
          <ErrorNotice onRetry={() => version.refetch()}>{messageOf(version.error)}</ErrorNotice>
        ) : (
          <div className="component-kinds" aria-live="polite">
            {kinds.map(({ field, title }) => (
              <div key={field} className="stack-tight">
                <h3>
                  {title} <span className="muted small">({Object.keys(manifest[field] ?? {}).length})</span>
                </h3>
                <OperationList operations={manifest[field]} />
              </div>
            ))}
          </div>
        )}
      </Section>

      <UsageSection componentKey={componentKey} />
    </div>
  );
}
